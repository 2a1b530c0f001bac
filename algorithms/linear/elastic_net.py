r"""Elastic net by cyclic coordinate descent (the lasso is the case ``l1_ratio = 1``).

Objective (scikit-learn's scaling), intercept unpenalised:

$$ \min_{w,b}\ \frac{1}{2n}\lVert y - Xw - b\mathbf 1\rVert_2^2 + \alpha\rho\lVert w\rVert_1
   + \frac{\alpha(1-\rho)}{2}\lVert w\rVert_2^2 , \qquad \rho = \texttt{l1\_ratio}. $$

After centring, minimising over one coordinate $w_j$ with the others fixed has a closed form. With the partial
residual $r^{(j)} = y - \sum_{k\ne j} x_k w_k$ and $z_j = \frac1n\lVert x_j\rVert^2$:

$$ w_j \leftarrow \frac{S\!\left(\tfrac1n x_j^\top r^{(j)},\ \alpha\rho\right)}{z_j + \alpha(1-\rho)},
   \qquad S(u, t) = \operatorname{sign}(u)\max(|u|-t, 0), $$

the soft-thresholding operator, which sets small coefficients exactly to zero. We keep the full residual
$r$ up to date ($O(n)$ per coordinate), sweep the coordinates cyclically and stop when the largest coefficient
change in a sweep falls below ``tol``. The objective never increases (each step is an exact block minimisation
of a convex function). For $\alpha \ge \alpha_{\max} = \max_j |x_j^\top y_c| / (n\rho)$ the solution is
$w = 0$.

References: [@tibshirani1996regression], [@zou2005regularization], [@friedman2010regularization].
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


def soft_threshold(u: float, t: float) -> float:
    """$S(u, t) = \\operatorname{sign}(u)\\max(|u| - t, 0)$."""
    return float(np.sign(u) * max(abs(u) - t, 0.0))


class ElasticNet(RegressorMixin, BaseEstimator):
    """Elastic-net (L1 + L2) linear regression by coordinate descent.

    Parameters
    ----------
    alpha : float
        Overall penalty strength.
    l1_ratio : float
        Mix $\\rho\\in[0,1]$: 1 is the lasso, 0 is ridge (with the $1/(2n)$ data scaling).
    max_iter : int
        Maximum number of coordinate sweeps.
    tol : float
        Stop when the largest coefficient change in a sweep is below ``tol``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    converged_ : bool
        False (with a :class:`ConvergenceWarning`) when ``max_iter`` sweeps ended before the change fell below ``tol``.
    objective_curve_ : list of float
        Objective after each sweep (non-increasing).

    A constant column gets coefficient 0: after centring it is zero up to rounding, and dividing by its
    rounding-level norm would give an arbitrary coefficient (scikit-learn's ``ElasticNet(alpha=0)`` does; the
    minimum-norm least-squares solution, ``LinearRegression``, gives 0).
    """

    def __init__(self, *, alpha=1.0, l1_ratio=0.5, max_iter=1000, tol=1e-8):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.max_iter = max_iter
        self.tol = tol

    def _objective(self, r, w, n):
        a, rho = self.alpha, self.l1_ratio
        return float(r @ r / (2 * n) + a * rho * np.abs(w).sum() + 0.5 * a * (1 - rho) * w @ w)

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        check_params(self, alpha=dict(low=0), l1_ratio=dict(low=0, high=1), max_iter=dict(kind=int, low=1),
                     tol=dict(low=0))
        n, d = X.shape
        self.n_features_in_ = d
        x_mean, y_mean = X.mean(axis=0), y.mean()
        Xc, yc = X - x_mean, y - y_mean  # (n, d), (n,)
        Xc[:, np.ptp(X, axis=0) == 0] = 0.0  # constant columns: exactly zero, not rounding noise
        z = (Xc**2).sum(axis=0) / n  # (d,)
        l1, l2 = self.alpha * self.l1_ratio, self.alpha * (1.0 - self.l1_ratio)
        w = np.zeros(d)
        r = yc.copy()  # residual y_c - X_c w
        self.objective_curve_ = []
        converged = False
        for sweep in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            max_change = 0.0
            for j in range(d):
                if z[j] == 0.0:
                    continue
                w_old = w[j]
                rho_j = Xc[:, j] @ r / n + z[j] * w_old  # (1/n) x_j^T r^{(j)}
                w[j] = soft_threshold(rho_j, l1) / (z[j] + l2)
                if w[j] != w_old:
                    r -= Xc[:, j] * (w[j] - w_old)
                    max_change = max(max_change, abs(w[j] - w_old))
            self.objective_curve_.append(self._objective(r, w, n))
            if max_change < self.tol:
                converged = True
                break
        report_convergence(self, sweep, converged, max_iter=self.max_iter, what="coordinate descent")
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w)
        return self

    def predict(self, X):
        """Predicted targets, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_


ESTIMATOR = ElasticNet
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"alpha": 0.01}


def demo(alpha: float = 0.1, l1_ratio: float = 0.5) -> DemoResult:
    """Elastic-net path on the standardised diabetes data, compared with scikit-learn's ElasticNet."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import ElasticNet as SkElasticNet

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio).fit(X, y)
    ref = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000).fit(X, y)
    alphas = np.logspace(-3, 1.5, 30)
    path = np.array([ElasticNet(alpha=a, l1_ratio=l1_ratio, tol=1e-6).fit(X, y).coef_ for a in alphas])
    fig, ax = new_figure()
    ax.semilogx(alphas, path)
    ax.axvline(alpha, color="k", ls="--", lw=0.8)
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel("coefficient")
    ax.set_title(f"elastic-net path, l1_ratio={l1_ratio}")
    return DemoResult(
        metrics={"r2": ours.score(X, y), "n_nonzero": float(np.sum(ours.coef_ != 0))},
        reference={"r2": float(ref.score(X, y)), "n_nonzero": float(np.sum(ref.coef_ != 0))},
        figure=fig,
        reference_name="sklearn.linear_model.ElasticNet",
    )
