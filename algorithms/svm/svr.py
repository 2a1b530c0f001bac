r"""Epsilon-support vector regression, trained with the SMO solver of ``kernel_svm.py``.

Fit $f(x) = w^\top\phi(x) + b$ ignoring errors smaller than $\varepsilon$ (the $\varepsilon$-insensitive loss
$|r|_\varepsilon = \max(0, |r| - \varepsilon)$):

$$ \min_{w,b}\ \tfrac12\lVert w\rVert^2 + C\sum_i |y_i - f(x_i)|_\varepsilon . $$

With multipliers $\alpha_i, \alpha_i^\*\in[0, C]$ for the upper and lower tube constraints, the dual is

$$ \min_{\alpha,\alpha^\*}\ \tfrac12(\alpha-\alpha^\*)^\top K(\alpha-\alpha^\*) + \varepsilon\sum_i(\alpha_i+\alpha_i^\*)
   - \sum_i y_i(\alpha_i - \alpha_i^\*) \quad\text{s.t.}\quad \sum_i(\alpha_i-\alpha_i^\*) = 0 , $$

and $f(x) = \sum_i(\alpha_i-\alpha_i^\*)K(x_i,x) + b$. Stacking $\beta = (\alpha, \alpha^\*)\in\mathbb R^{2n}$ with labels
$z = (+\mathbf 1, -\mathbf 1)$ turns it into exactly the SVM dual form
$\min \frac12\beta^\top Q\beta + p^\top\beta$, $Q_{st} = z_sz_t\tilde K_{st}$, $z^\top\beta = 0$, $0\le\beta\le C$, with
$\tilde K = \begin{psmallmatrix}K & K\\ K & K\end{psmallmatrix}$ and $p = (\varepsilon\mathbf 1 - y,\ \varepsilon\mathbf 1 + y)$, so
the same SMO routine solves it. Points strictly inside the tube have $\alpha_i = \alpha_i^\* = 0$: the solution is
sparse in the support vectors on or outside the tube.

References: [@drucker1997support], [@smola2004tutorial], [@chang2011libsvm].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.svm.kernel_svm import kernel_matrix, smo_solve


class SVR(RegressorMixin, BaseEstimator):
    """Epsilon-SVR with a kernel, by SMO.

    Parameters
    ----------
    C : float
    epsilon : float
        Half-width of the insensitive tube.
    kernel : {"rbf", "poly", "linear"}
    gamma, degree, coef0 : kernel parameters
    tol : float
        KKT tolerance.
    max_iter : int
        Limit on SMO pair updates; stopping there sets ``converged_ = False`` and warns.

    Attributes
    ----------
    support_ : ndarray of int
    support_vectors_ : ndarray of shape (n_SV, n_features)
    dual_coef_ : ndarray of shape (n_SV,)
        $\\alpha_i - \\alpha_i^*$.
    intercept_ : float
    n_iter_ : int
    converged_ : bool
    """

    def __init__(self, *, C=1.0, epsilon=0.1, kernel="rbf", gamma=1.0, degree=3, coef0=1.0, tol=1e-3, max_iter=100_000):
        self.C = C
        self.epsilon = epsilon
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def _kernel(self, A, B):
        return kernel_matrix(A, B, self.kernel, self.gamma, self.degree, self.coef0)

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        check_params(self, C=dict(low=0, low_open=True), epsilon=dict(low=0), gamma=dict(low=0, low_open=True),
                     degree=dict(kind=int, low=1), coef0=dict(), tol=dict(low=0, low_open=True),
                     max_iter=dict(kind=int, low=1), kernel=dict(choices=("rbf", "poly", "linear")))
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        K = self._kernel(X, X)  # (n, n)
        K2 = np.block([[K, K], [K, K]])  # (2n, 2n); the labels z supply the signs
        z = np.r_[np.ones(n), -np.ones(n)]
        p = np.r_[self.epsilon - y, self.epsilon + y]
        beta, self.intercept_, n_iter, converged = smo_solve(K2, z, p, self.C, self.tol, self.max_iter)
        report_convergence(self, n_iter, converged, max_iter=self.max_iter, what="SMO")
        coef = beta[:n] - beta[n:]  # alpha - alpha*
        self.support_ = np.flatnonzero(np.abs(coef) > 1e-10)
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = coef[self.support_]
        return self

    def predict(self, X):
        """$f(x) = \\sum_i(\\alpha_i-\\alpha_i^*)K(x_i, x) + b$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return self._kernel(X, self.support_vectors_) @ self.dual_coef_ + self.intercept_


ESTIMATOR = SVR
EXAMPLE_DATA = "regression"


def demo(C: float = 10.0, epsilon: float = 0.1, gamma: float = 0.5) -> DemoResult:
    """Noisy sine: the epsilon-tube and its support vectors, against scikit-learn's SVR."""
    from sklearn.svm import SVR as SkSVR

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 5, 120))
    y = np.sin(x) + rng.normal(0, 0.1, 120)
    X = x[:, None]
    ours = SVR(C=C, epsilon=epsilon, gamma=gamma).fit(X, y)
    ref = SkSVR(C=C, epsilon=epsilon, gamma=gamma).fit(X, y)
    grid = np.linspace(0, 5, 300)[:, None]
    f = ours.predict(grid)
    fig, ax = new_figure()
    ax.scatter(x, y, s=8, c="k")
    ax.plot(grid[:, 0], f, "r", label="SVR")
    ax.fill_between(grid[:, 0], f - epsilon, f + epsilon, color="r", alpha=0.15, label=r"$\varepsilon$-tube")
    ax.scatter(x[ours.support_], y[ours.support_], s=50, facecolors="none", edgecolors="b", label="support vectors")
    ax.set_title(f"epsilon-SVR: {len(ours.support_)} of {len(x)} points are support vectors")
    ax.legend(fontsize=8)
    mse = lambda a: float(np.mean((a - np.sin(x)) ** 2))
    return DemoResult(
        metrics={"mse_vs_truth": mse(ours.predict(X)), "n_support": float(len(ours.support_))},
        reference={"mse_vs_truth": mse(ref.predict(X)), "n_support": float(len(ref.support_))},
        figure=fig,
        reference_name="sklearn.svm.SVR",
        extra={"max_prediction_diff": float(np.abs(ours.predict(X) - ref.predict(X)).max())},
    )
