r"""Locally weighted linear regression (a memory-based, non-parametric smoother).

For each query point $x_0$ fit a separate weighted least-squares line and evaluate it at $x_0$:

$$ \hat\theta(x_0) = \arg\min_\theta \sum_{i=1}^n k_i(x_0)\,\big(y_i - \tilde x_i^\top\theta\big)^2, \qquad
   k_i(x_0) = \exp\!\Big(-\frac{\lVert x_i - x_0\rVert^2}{2\tau^2}\Big), $$

with $\tilde x_i = (1, x_i)$. In closed form $\hat\theta = (\tilde X^\top K\tilde X + \epsilon I)^{-1}\tilde X^\top K y$
with $K = \mathrm{diag}(k_i)$, and $\hat y(x_0) = \tilde x_0^\top\hat\theta(x_0)$. The bandwidth $\tau$ trades
bias (large $\tau$: a global line) for variance (small $\tau$: interpolation). Local *linear* fits correct the
boundary bias a local constant (Nadaraya-Watson) fit suffers. There is no training: all $n$ points are kept,
and each prediction costs $O(nd^2 + d^3)$.

References: [@cleveland1979robust], [@hastie2009elements] §6.1.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def local_weights(X: np.ndarray, x0: np.ndarray, tau: float) -> np.ndarray:
    """Gaussian kernel weights $k_i(x_0)$, shape (n,)."""
    return np.exp(-np.sum((X - x0) ** 2, axis=1) / (2 * tau**2))


class LocallyWeightedRegression(RegressorMixin, BaseEstimator):
    """Local linear regression with a Gaussian kernel.

    Parameters
    ----------
    tau : float
        Kernel bandwidth.
    ridge : float
        Tiny ridge $\\epsilon$ that keeps the local normal equations solvable far from the data.

    Attributes
    ----------
    X_fit_ : ndarray of shape (n_samples, n_features)
    y_fit_ : ndarray of shape (n_samples,)
    """

    def __init__(self, *, tau=0.5, ridge=1e-10):
        self.tau = tau
        self.ridge = ridge

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.tau <= 0:
            raise ValueError(f"tau must be > 0, got {self.tau}")
        self.n_features_in_ = X.shape[1]
        self.X_fit_, self.y_fit_ = X, y
        return self

    def local_coef(self, x0):
        """The weighted least-squares coefficients $(b, w)$ at one query point, shape (n_features + 1,)."""
        k = local_weights(self.X_fit_, x0, self.tau)  # (n,)
        if not k.sum() > 0:
            raise ValueError(f"no training point has non-zero weight at this query point: tau={self.tau} is tiny "
                             "next to the distances in X; increase tau or standardise X")
        Xt = np.c_[np.ones(len(self.X_fit_)), self.X_fit_]  # (n, d+1)
        A = (Xt * k[:, None]).T @ Xt + self.ridge * np.eye(Xt.shape[1])
        # lstsq: when fewer than d + 1 points carry weight (small tau, far-apart points) the weighted normal
        # equations are singular; the minimum-norm solution is the limit of the ridge solution as ridge -> 0
        return np.linalg.lstsq(A, (Xt * k[:, None]).T @ self.y_fit_, rcond=None)[0]

    def predict(self, X):
        """Local-linear predictions, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.array([np.r_[1.0, x0] @ self.local_coef(x0) for x0 in X])


ESTIMATOR = LocallyWeightedRegression
EXAMPLE_DATA = "regression"


def demo(tau: float = 0.3, n_samples: int = 100) -> DemoResult:
    """Noisy sine in 1-D; each local fit is checked against statsmodels' WLS at the same weights."""
    import statsmodels.api as sm

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 2 * np.pi, n_samples))
    y = np.sin(x) + rng.normal(0, 0.3, n_samples)
    X = x[:, None]
    model = LocallyWeightedRegression(tau=tau).fit(X, y)
    grid = np.linspace(0, 2 * np.pi, 60)[:, None]
    ours = model.predict(grid)
    ref = np.array([
        sm.WLS(y, sm.add_constant(X), weights=local_weights(X, g, tau)).fit().predict(np.r_[1.0, g][None])[0]
        for g in grid
    ])
    fig, ax = new_figure()
    ax.scatter(x, y, s=10, c="k", alpha=0.6)
    ax.plot(grid[:, 0], ours, "r", label=f"LWR, tau={tau}")
    ax.plot(grid[:, 0], np.sin(grid[:, 0]), "k--", lw=0.8, label="truth")
    ax.set_title("locally weighted linear regression")
    ax.legend()
    truth = np.sin(grid[:, 0])
    return DemoResult(
        metrics={"mse_vs_truth": float(np.mean((ours - truth) ** 2))},
        reference={"mse_vs_truth": float(np.mean((ref - truth) ** 2))},
        figure=fig,
        reference_name="statsmodels.WLS at each query point",
        extra={"max_abs_diff": float(np.abs(ours - ref).max())},
    )
