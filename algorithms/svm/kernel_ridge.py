r"""Kernel ridge regression.

Ridge regression in the feature space of a kernel: $\min_f \sum_i (y_i - f(x_i))^2 + \lambda\lVert f\rVert_{\mathcal H}^2$
over the reproducing-kernel Hilbert space $\mathcal H$ of $K$. By the representer theorem the minimiser is
$f(x) = \sum_i \alpha_i K(x_i, x)$, and substituting gives

$$ \alpha = (K + \lambda I)^{-1} y , $$

solved here by a Cholesky factorisation of the symmetric positive-definite $K+\lambda I$ ($O(n^3)$ once, then
$O(n)$ per prediction and training point). There is no intercept (as in scikit-learn's ``KernelRidge``); centre
$y$ first if needed. With the linear kernel this is exactly ridge regression without an intercept, in its dual
form: $w = X^\top\alpha = (X^\top X + \lambda I)^{-1}X^\top y$. Compared with SVR the loss is squared (every point
is a "support vector") but the fit is one linear solve.

References: [@saunders1998ridge], [@hastie2009elements] §5.8, [@scholkopf2002learning].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.svm.kernel_svm import kernel_matrix


class KernelRidge(RegressorMixin, BaseEstimator):
    """Kernel ridge regression.

    Parameters
    ----------
    alpha : float
        Ridge penalty $\\lambda$ (named as in scikit-learn).
    kernel : {"rbf", "poly", "linear"}
    gamma, degree, coef0 : kernel parameters

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,)
    X_fit_ : ndarray of shape (n_samples, n_features)
    """

    def __init__(self, *, alpha=1.0, kernel="rbf", gamma=1.0, degree=3, coef0=1.0):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    def _kernel(self, A, B):
        return kernel_matrix(A, B, self.kernel, self.gamma, self.degree, self.coef0)

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.alpha <= 0:
            raise ValueError(f"alpha must be > 0, got {self.alpha}")
        self.n_features_in_ = X.shape[1]
        K = self._kernel(X, X)  # (n, n)
        self.dual_coef_ = cho_solve(cho_factor(K + self.alpha * np.eye(len(y))), y)
        self.X_fit_ = X
        return self

    def predict(self, X):
        """$f(x) = \\sum_i\\alpha_iK(x_i, x)$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return self._kernel(X, self.X_fit_) @ self.dual_coef_


ESTIMATOR = KernelRidge
EXAMPLE_DATA = "regression"


def demo(alpha: float = 0.1, gamma: float = 1.0) -> DemoResult:
    """Noisy sine: kernel ridge fits for three bandwidths, against scikit-learn's KernelRidge."""
    from sklearn.kernel_ridge import KernelRidge as SkKernelRidge

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 5, 80))
    y = np.sin(x) + rng.normal(0, 0.2, 80)
    X = x[:, None]
    grid = np.linspace(0, 5, 300)[:, None]
    ours = KernelRidge(alpha=alpha, gamma=gamma).fit(X, y)
    ref = SkKernelRidge(alpha=alpha, kernel="rbf", gamma=gamma).fit(X, y)
    fig, ax = new_figure()
    ax.scatter(x, y, s=8, c="k")
    for g in sorted({0.1, gamma, 30.0}):
        ax.plot(grid[:, 0], KernelRidge(alpha=alpha, gamma=g).fit(X, y).predict(grid), label=rf"$\gamma$={g}")
    ax.set_title(rf"kernel ridge (RBF), $\lambda$={alpha}")
    ax.legend(fontsize=8)
    mse = lambda f: float(np.mean((f - np.sin(grid[:, 0])) ** 2))
    return DemoResult(
        metrics={"mse_vs_truth": mse(ours.predict(grid))},
        reference={"mse_vs_truth": mse(ref.predict(grid))},
        figure=fig,
        reference_name="sklearn.kernel_ridge.KernelRidge",
        extra={"max_prediction_diff": float(np.abs(ours.predict(grid) - ref.predict(grid)).max())},
    )
