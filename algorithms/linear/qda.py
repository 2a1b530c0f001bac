r"""Quadratic discriminant analysis: a Gaussian per class, each with its own covariance.

Model $x\mid y=k\sim\mathcal N(\mu_k,\Sigma_k)$, priors $\pi_k = n_k/n$. We estimate $\Sigma_k$ by maximum
likelihood (divisor $n_k$, matching the installed scikit-learn 1.9) plus an optional shrinkage toward the identity,
$\Sigma_k \leftarrow (1-r)\Sigma_k + rI$. The discriminant is the log joint density

$$ \delta_k(x) = -\tfrac12\log|\Sigma_k| - \tfrac12(x-\mu_k)^\top\Sigma_k^{-1}(x-\mu_k) + \log\pi_k , $$

quadratic in $x$, so decision boundaries are conics. We evaluate it through the Cholesky factor
$\Sigma_k = L_kL_k^\top$: $\log|\Sigma_k| = 2\sum_j\log (L_k)_{jj}$ and the Mahalanobis term is
$\lVert L_k^{-1}(x-\mu_k)\rVert^2$ (a triangular solve, never an explicit inverse). Each class needs $n_k > d$
samples for a non-singular $\Sigma_k$ unless ``reg_param > 0``.

References: [@hastie2009elements] §4.3, [@bishop2006pattern] §4.2.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cholesky, solve_triangular

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_positive_definite,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class QuadraticDiscriminantAnalysis(ClassifierMixin, BaseEstimator):
    """Gaussian classifier with class-specific covariances.

    Parameters
    ----------
    reg_param : float
        Shrinkage $r\\in[0,1]$ of each covariance toward the identity.

    Attributes
    ----------
    classes_, priors_ : ndarray of shape (K,)
    means_ : ndarray of shape (K, n_features)
    covariance_ : ndarray of shape (K, n_features, n_features)
    """

    def __init__(self, *, reg_param=0.0):
        self.reg_param = reg_param

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_, y_idx = np.unique(y_raw, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError("y must contain at least 2 classes")
        n, d = X.shape
        self.n_features_in_ = d
        self.priors_ = np.bincount(y_idx) / n
        self.means_ = np.array([X[y_idx == k].mean(0) for k in range(K)])
        covs = []
        for k in range(K):
            Xk = X[y_idx == k] - self.means_[k]
            if len(Xk) < 2:
                raise ValueError(f"class {self.classes_[k]!r} has fewer than 2 samples")
            S = Xk.T @ Xk / len(Xk)  # MLE covariance, (d, d)
            covs.append((1 - self.reg_param) * S + self.reg_param * np.eye(d))
            check_positive_definite(covs[-1], f"the covariance of class {self.classes_[k]!r}",
                                    "a column is constant (or collinear) within that class, or it has fewer "
                                    "samples than features; set reg_param > 0 (e.g. 1e-3) or drop the column")
        self.covariance_ = np.array(covs)  # (K, d, d)
        self._chol = [cholesky(S, lower=True) for S in covs]
        return self

    def decision_function(self, X):
        """Log joint densities $\\delta_k(x)$ (without the $-\\frac d2\\log 2\\pi$), shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        out = np.empty((X.shape[0], len(self.classes_)))
        for k, L in enumerate(self._chol):
            Z = solve_triangular(L, (X - self.means_[k]).T, lower=True)  # (d, n)
            out[:, k] = -np.log(np.diag(L)).sum() - 0.5 * np.sum(Z**2, axis=0) + np.log(self.priors_[k])
        return out

    def predict_proba(self, X):
        """Posterior class probabilities, shape (n_samples, K)."""
        D = self.decision_function(X)
        D -= D.max(axis=1, keepdims=True)
        P = np.exp(D)
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Maximum-posterior class."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]


ESTIMATOR = QuadraticDiscriminantAnalysis
EXAMPLE_DATA = "classification"


def demo(reg_param: float = 0.0) -> DemoResult:
    """Two Gaussians with different covariances: QDA's curved boundary, against scikit-learn's QDA."""
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as SkQDA

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    rng = np.random.default_rng(0)
    X = np.r_[rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], 150),
              rng.multivariate_normal([1.5, -0.5], [[0.3, 0], [0, 2.0]], 150)]
    y = np.r_[np.zeros(150, int), np.ones(150, int)]
    ours = QuadraticDiscriminantAnalysis(reg_param=reg_param).fit(X, y)
    ref = SkQDA(reg_param=reg_param).fit(X, y)
    fig, ax = new_figure()
    decision_boundary(ax, ours.predict, X, y, "QDA decision regions")
    return DemoResult(
        metrics={"accuracy": ours.score(X, y), "mean_p1": float(ours.predict_proba(X)[:, 1].mean())},
        reference={"accuracy": float(ref.score(X, y)), "mean_p1": float(ref.predict_proba(X)[:, 1].mean())},
        figure=fig,
        reference_name="sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
    )
