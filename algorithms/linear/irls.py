r"""Logistic regression by iteratively reweighted least squares (IRLS), i.e. Newton's method.

For labels $y_i \in \{0, 1\}$ and $p_i = \sigma(x_i^\top w)$, the log-likelihood has gradient $X^\top(y - p)$ and
Hessian $-X^\top S X$ with $S = \mathrm{diag}(p_i(1-p_i))$. A Newton step can be written as a weighted least
squares problem [@nelder1972generalized; @mccullagh1989generalized]:

$$ w^{(t+1)} = (X^\top S X + \lambda I)^{-1} X^\top S z, \qquad z = X w^{(t)} + S^{-1}(y - p), $$

the "working response" $z$ re-weighted at every iteration (with $\lambda = 0$ for plain maximum likelihood; an L2
penalty adds $\lambda I$, leaving the intercept unpenalised). Convergence is quadratic near the optimum, so a
handful of iterations reach machine precision, at $O(n d^2 + d^3)$ per iteration; that is why GLM software
(R's ``glm``, statsmodels) uses it. On separable data the maximum-likelihood weights diverge: the weights
$p_i(1-p_i)$ go to 0 and IRLS stops with a warning (use a penalty). $(X^\top S X)^{-1}$ at the optimum is the
estimated covariance of $\hat w$, which gives standard errors and Wald tests.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_array,
    check_is_fitted,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


class IRLSLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression fitted by IRLS/Newton, with optional L2 penalty ``alpha`` (intercept free)."""

    def __init__(self, *, alpha: float = 0.0, max_iter: int = 50, tol: float = 1e-10):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")
        if self.max_iter < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter}")
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"IRLS logistic regression needs exactly 2 classes, got {len(classes)}")
        t = (y == classes[1]).astype(float)
        A = np.c_[np.ones(len(X)), X]  # intercept column first
        pen = self.alpha * np.eye(A.shape[1])
        pen[0, 0] = 0.0
        w = np.zeros(A.shape[1])
        converged, separable, it = False, False, 0
        for it in range(1, self.max_iter + 1):  # noqa: B007 (it is read after the loop)
            p = expit(A @ w)
            s = p * (1 - p)
            if np.min(s) < 1e-12 and self.alpha == 0:
                warnings.warn("fitted probabilities of 0 or 1: the classes are (nearly) separable and the "
                              "maximum-likelihood weights diverge; set alpha > 0", ConvergenceWarning, stacklevel=2)
                separable = True
                break
            H = A.T @ (s[:, None] * A) + pen
            step = np.linalg.solve(H, A.T @ (t - p) - pen @ w)  # Newton step = IRLS update minus w
            w = w + step
            if np.max(np.abs(step)) < self.tol * (1 + np.max(np.abs(w))):
                converged = True
                break
        if separable:  # warned above, with the reason
            self.n_iter_, self.converged_ = it, False
        else:
            report_convergence(self, it, converged, max_iter=self.max_iter, what="IRLS")
        p = expit(A @ w)
        H = A.T @ ((p * (1 - p))[:, None] * A) + pen
        self.intercept_, self.coef_ = float(w[0]), w[1:]
        self.covariance_ = np.linalg.inv(H)
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        X = check_array(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, expected {self.n_features_in_}")
        p1 = expit(X @ self.coef_ + self.intercept_)
        return np.c_[1 - p1, p1]

    def predict(self, X):
        p1 = self.predict_proba(X)[:, 1]
        return self.classes_[(p1 > 0.5).astype(int)]


ESTIMATOR = IRLSLogisticRegression
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"alpha": 1.0}


def demo(alpha: float = 0.0) -> DemoResult:
    """IRLS on the breast-cancer data (5 features) against statsmodels' Logit: coefficients and standard errors."""
    import statsmodels.api as sm
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X[:, [0, 1, 4, 8, 9]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        trace = []
        for k in range(1, 9):
            m = IRLSLogisticRegression(alpha=alpha, max_iter=k).fit(X, y)
            trace.append(np.r_[m.intercept_, m.coef_])
    ours = IRLSLogisticRegression(alpha=alpha).fit(X, y)
    w = np.r_[ours.intercept_, ours.coef_]
    if alpha == 0:
        ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
        ref_w, ref_se = ref.params, ref.bse
    else:  # statsmodels' L2 penalty includes the intercept unless told otherwise; use sklearn for the weights
        from sklearn.linear_model import LogisticRegression

        sk = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(X, y)
        ref_w, ref_se = np.r_[sk.intercept_, sk.coef_.ravel()], np.sqrt(np.diag(ours.covariance_))
    dist = [np.max(np.abs(t - w)) + 1e-16 for t in trace]
    fig, ax = new_figure()
    ax.semilogy(range(1, 9), dist, "o-")
    ax.set_xlabel("IRLS iteration")
    ax.set_ylabel(r"$\max|w^{(t)} - \hat w|$")
    ax.set_title("IRLS (Newton) converges quadratically")
    se = np.sqrt(np.diag(ours.covariance_))
    return DemoResult(
        metrics={"max_abs_coef_diff": float(np.max(np.abs(w - ref_w))), "max_abs_se_diff": float(np.max(np.abs(se - ref_se))),
                 "n_iter": float(ours.n_iter_), "accuracy": ours.score(X, y)},
        reference={"max_abs_coef_diff": 0.0, "max_abs_se_diff": 0.0,
                   "accuracy": float(np.mean((X @ ref_w[1:] + ref_w[0] > 0) == y))},
        figure=fig,
        reference_name="statsmodels Logit (alpha = 0) or sklearn LogisticRegression(C = 1/alpha)",
    )
