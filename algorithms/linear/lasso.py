r"""The lasso (L1-penalised least squares) by cyclic coordinate descent.

Objective (scikit-learn's scaling), intercept unpenalised:

$$ \min_{w,b}\ \frac{1}{2n}\lVert y - Xw - b\mathbf 1\rVert_2^2 + \alpha\lVert w\rVert_1 . $$

The subgradient optimality condition is $\frac1n x_j^\top r \in \alpha\,\partial|w_j|$: a coefficient is zero
exactly when $|\frac1n x_j^\top r| \le \alpha$. The coordinate update is soft-thresholding,
$w_j \leftarrow S(\frac1n x_j^\top r^{(j)}, \alpha) / (\frac1n\lVert x_j\rVert^2)$, which is the elastic net's
update with $\rho = 1$; this module reuses :class:`mlnotes.algorithms.linear.elastic_net.ElasticNet` for the sweep and
adds the lasso's own diagnostics, $\alpha_{\max} = \max_j |x_j^\top y_c|/n$ (the smallest $\alpha$ giving
$w = 0$) and the duality gap.

Duality gap: with $\nu = r / \max(1, \lVert X^\top r\rVert_\infty/(n\alpha))$ (a dual-feasible point),
$\mathrm{gap} = P(w) - D(\nu)$ where $D(\nu) = \frac{1}{2n}(\lVert y\rVert^2 - \lVert y - \nu\rVert^2)$; it is
$\ge 0$ and zero at the optimum.

References: [@tibshirani1996regression], [@friedman2010regularization].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import check_is_fitted
from mlnotes.algorithms.linear.elastic_net import ElasticNet
from mlnotes.algorithms.registry import DemoResult


class Lasso(ElasticNet):
    """L1-regularised linear regression by coordinate descent.

    Parameters
    ----------
    alpha : float
        Penalty strength.
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
    objective_curve_ : list of float
    """

    def __init__(self, *, alpha=1.0, max_iter=1000, tol=1e-8):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    @property
    def l1_ratio(self):  # the lasso is the elastic net with rho = 1
        return 1.0

    def duality_gap(self, X, y):
        """Primal minus dual objective at the fitted coefficients (non-negative; 0 at the optimum)."""
        check_is_fitted(self)
        X, y = np.asarray(X, float), np.asarray(y, float)
        Xc, yc = X - X.mean(0), y - y.mean()
        n = len(y)
        r = yc - Xc @ self.coef_
        primal = r @ r / (2 * n) + self.alpha * np.abs(self.coef_).sum()
        nu = r / max(1.0, np.abs(Xc.T @ r).max() / (n * self.alpha))
        dual = (yc @ yc - (yc - nu) @ (yc - nu)) / (2 * n)
        return float(primal - dual)


def alpha_max(X, y) -> float:
    """Smallest penalty for which the lasso solution is all zeros: $\\max_j |x_j^\\top y_c| / n$."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    return float(np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y))


ESTIMATOR = Lasso
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"alpha": 0.01}


def demo(alpha: float = 0.5) -> DemoResult:
    """Lasso path on the standardised diabetes data, compared with scikit-learn's Lasso."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Lasso as SkLasso

    from mlnotes.algorithms.linear._viz import new_figure

    data = load_diabetes()
    X, y = data.data, data.target
    X = (X - X.mean(0)) / X.std(0)
    ours = Lasso(alpha=alpha).fit(X, y)
    ref = SkLasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    a_max = alpha_max(X, y)
    alphas = np.logspace(np.log10(a_max) - 3, np.log10(a_max), 30)
    path = np.array([Lasso(alpha=a, tol=1e-6, max_iter=10_000).fit(X, y).coef_ for a in alphas])
    fig, ax = new_figure(width=7)
    for j, name in enumerate(data.feature_names):
        ax.semilogx(alphas, path[:, j], label=name)
    ax.axvline(alpha, color="k", ls="--", lw=0.8, label=rf"$\alpha$ = {alpha:g}")
    ax.legend(fontsize=7, ncol=2, title="feature", title_fontsize=7, loc="upper right")
    ax.set_xlabel(r"$\alpha$ (right edge: $\alpha_{\max}$)")
    ax.set_ylabel("coefficient")
    ax.set_title("lasso path (diabetes, standardised)")
    return DemoResult(
        metrics={"r2": ours.score(X, y), "n_nonzero": float(np.sum(ours.coef_ != 0))},
        reference={"r2": float(ref.score(X, y)), "n_nonzero": float(np.sum(ref.coef_ != 0))},
        figure=fig,
        reference_name="sklearn.linear_model.Lasso",
        extra={"duality_gap": ours.duality_gap(X, y), "alpha_max": a_max},
    )
