r"""Binary logistic regression by gradient descent and by Newton's method (IRLS).

Model: $p(y=1\mid x) = \sigma(x^\top w + b)$ with $\sigma(t) = 1/(1+e^{-t})$. Objective: the mean negative
log-likelihood plus an L2 penalty on $w$ (not on $b$), written so that ``C`` means what it means in
scikit-learn ($C\sum_i \ell_i + \frac12\lVert w\rVert^2$, divided by $Cn$):

$$ J(w,b) = \frac1n\sum_{i=1}^n\Big[-y_i\log p_i - (1-y_i)\log(1-p_i)\Big] + \frac{1}{2Cn}\lVert w\rVert_2^2 . $$

Gradient and Hessian, with $\theta = (w, b)$, $\tilde X = [X, \mathbf 1]$, $p = \sigma(\tilde X\theta)$,
$S = \mathrm{diag}(p_i(1-p_i))$ and $\Lambda = \mathrm{diag}(1,\dots,1,0)/(Cn)$:

$$ \nabla J = \tfrac1n\tilde X^\top(p - y) + \Lambda\theta, \qquad
   \nabla^2 J = \tfrac1n\tilde X^\top S\tilde X + \Lambda . $$

* ``solver="gd"``: $\theta \leftarrow \theta - \eta\nabla J$ (on standardised features, mapped back).
* ``solver="newton"``: $\theta \leftarrow \theta - (\nabla^2 J)^{-1}\nabla J$. Written as a weighted least-squares
  problem with working response $z = \tilde X\theta + S^{-1}(y - p)$ this is iteratively reweighted least squares
  (IRLS). $J$ is convex, so Newton converges quadratically near the optimum, in a handful of iterations.

References: [@hastie2009elements] §4.4, [@bishop2006pattern] §4.3.3.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def sigmoid(t: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(t, dtype=float)
    pos = t >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-t[pos]))
    e = np.exp(t[~pos])
    out[~pos] = e / (1.0 + e)
    return out


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """L2-regularised binary logistic regression.

    Parameters
    ----------
    C : float
        Inverse regularisation strength (as in scikit-learn).
    solver : {"newton", "gd"}
        Newton/IRLS or plain gradient descent.
    learning_rate : float
        Step size for ``"gd"`` (on standardised features).
    max_iter : int
        Maximum iterations.
    tol : float
        Stop when the gradient's max-norm falls below ``tol``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    converged_ : bool
        False (with a :class:`ConvergenceWarning`) when ``max_iter`` ended before the gradient fell below ``tol``.
    loss_curve_ : list of float
    """

    def __init__(self, *, C=1.0, solver="newton", learning_rate=0.5, max_iter=100, tol=1e-10):
        self.C = C
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        check_params(self, C=dict(low=0, low_open=True), solver=dict(choices=("newton", "gd")),
                     learning_rate=dict(low=0, low_open=True), max_iter=dict(kind=int, low=1), tol=dict(low=0))
        y = (y_raw == self.classes_[1]).astype(float)  # (n,) in {0, 1}
        n, d = X.shape
        self.n_features_in_ = d
        mean, scale = X.mean(0), X.std(0)
        scale[scale == 0] = 1.0
        Z = np.c_[(X - mean) / scale, np.ones(n)]  # (n, d+1) standardised, with bias column
        # the penalty is on the original-scale w = v / scale, so ||w||^2 = sum (v_j / scale_j)^2
        lam = np.r_[1.0 / scale**2, 0.0] / (self.C * n)  # (d+1,)
        theta = np.zeros(d + 1)
        self.loss_curve_ = []
        converged = False
        for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            p = sigmoid(Z @ theta)
            eps = 1e-15
            loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + 0.5 * lam @ theta**2
            self.loss_curve_.append(float(loss))
            grad = Z.T @ (p - y) / n + lam * theta  # (d+1,)
            if np.abs(grad).max() < self.tol:
                converged = True
                break
            if self.solver == "newton":
                H = (Z * (p * (1 - p))[:, None]).T @ Z / n + np.diag(lam)  # (d+1, d+1)
                theta -= np.linalg.solve(H + 1e-12 * np.eye(d + 1), grad)
            else:
                theta -= self.learning_rate * grad
        report_convergence(self, it, converged, max_iter=self.max_iter, what=f"the {self.solver} solver")
        self.coef_ = theta[:d] / scale
        self.intercept_ = float(theta[d] - mean @ self.coef_)
        return self

    def decision_function(self, X):
        """Log-odds $x^\\top w + b$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, 2); rows sum to one."""
        p1 = sigmoid(self.decision_function(X))
        return np.c_[1 - p1, p1]

    def predict(self, X):
        """Predicted class labels, shape (n_samples,)."""
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]



ESTIMATOR = LogisticRegression
EXAMPLE_DATA = "classification"


def demo(C: float = 1.0, solver: str = "newton", max_iter: int = 100) -> DemoResult:
    """Breast-cancer data: compare coefficients, probabilities and accuracy with scikit-learn."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from sklearn.metrics import log_loss

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ours = LogisticRegression(C=C, solver=solver, max_iter=max_iter).fit(X, y)
    ref = SkLogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y)
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.plot(np.arange(1, len(ours.loss_curve_) + 1), ours.loss_curve_, marker=".")
    ax0.set_yscale("log")
    ax0.set_xlabel("iteration")
    ax0.set_ylabel("penalised mean log-loss")
    ax0.set_title(f"{solver}: objective per iteration")
    ax1.scatter(ref.predict_proba(X)[:, 1], ours.predict_proba(X)[:, 1], s=8)
    ax1.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax1.set_xlabel("sklearn $p(y=1|x)$")
    ax1.set_ylabel("our $p(y=1|x)$")
    ax1.set_title("probabilities")
    return DemoResult(
        metrics={"accuracy": ours.score(X, y), "log_loss": float(log_loss(y, ours.predict_proba(X))),
                 "n_iter": float(ours.n_iter_)},
        reference={"accuracy": float(ref.score(X, y)), "log_loss": float(log_loss(y, ref.predict_proba(X))),
                   "n_iter": float(np.max(ref.n_iter_))},
        figure=fig,
        reference_name="sklearn.linear_model.LogisticRegression (lbfgs)",
    )
