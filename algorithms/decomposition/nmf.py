r"""Non-negative matrix factorisation by multiplicative updates (Frobenius loss).

Approximate a non-negative $V\in\mathbb R_{\ge0}^{n\times m}$ by $WH$ with $W\in\mathbb R_{\ge0}^{n\times k}$,
$H\in\mathbb R_{\ge0}^{k\times m}$, minimising $\frac12\lVert V - WH\rVert_F^2$. The Lee-Seung updates

$$ H \leftarrow H\odot\frac{W^\top V}{W^\top WH}, \qquad W \leftarrow W\odot\frac{VH^\top}{WHH^\top} $$

(elementwise products and quotients) are gradient steps with per-entry step sizes
$\eta = H/(W^\top WH)$ chosen so the update is multiplicative: entries stay non-negative automatically, and the
objective is non-increasing (each update minimises an auxiliary majorising function). The non-negativity gives
parts-based representations (faces into noses and eyes, documents into topics). The problem is non-convex and
the factorisation is unique only up to scaling and permutation of the $k$ parts, so results depend on the
initialisation (uniform random, scaled by $\sqrt{\bar V/k}$, as scikit-learn's ``init="random"``).

References: [@lee1999learning], [@lee2001algorithms].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_random_state,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


class NMF(BaseEstimator):
    """Non-negative matrix factorisation by multiplicative updates.

    Parameters
    ----------
    n_components : int
    max_iter : int
    tol : float
        Stop when the relative decrease of the loss over 10 iterations is below ``tol``.
    random_state : int or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        $H$.
    reconstruction_err_ : float
        $\\lVert V - WH\\rVert_F$.
    loss_curve_ : list of float
        $\\frac12\\lVert V - WH\\rVert_F^2$ per iteration (non-increasing).
    n_iter_ : int
    converged_ : bool
        False (with a :class:`ConvergenceWarning`) when ``max_iter`` ended before the relative decrease fell below
        ``tol``.
    """

    def __init__(self, *, n_components=2, max_iter=500, tol=1e-6, random_state=0):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _init(self, V, k, rng):
        scale = np.sqrt(V.mean() / k)
        return scale * rng.random((V.shape[0], k)), scale * rng.random((k, V.shape[1]))

    def fit_transform(self, X, y=None):
        """Fit and return $W$, shape (n_samples, n_components)."""
        V = check_array(X)
        if np.any(V < 0):
            raise ValueError("NMF needs a non-negative X")
        check_params(self, n_components=dict(kind=int, low=1), max_iter=dict(kind=int, low=1), tol=dict(low=0))
        k = int(self.n_components)
        self.n_features_in_ = V.shape[1]
        eps = np.finfo(float).eps
        W, H = self._init(V, k, check_random_state(self.random_state))
        self.loss_curve_ = []
        converged = False
        for it in range(self.max_iter):  # noqa: B007 (the last value is the iteration count)
            H *= (W.T @ V) / (W.T @ W @ H + eps)
            W *= (V @ H.T) / (W @ (H @ H.T) + eps)
            self.loss_curve_.append(float(0.5 * np.sum((V - W @ H) ** 2)))
            if it >= 10 and (self.loss_curve_[-11] - self.loss_curve_[-1]) <= self.tol * self.loss_curve_[-11]:
                converged = True
                break
        report_convergence(self, it + 1, converged, max_iter=self.max_iter, what="multiplicative updates")
        self.components_ = H
        self.reconstruction_err_ = float(np.sqrt(2 * self.loss_curve_[-1]))
        return W

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def transform(self, X):
        """$W$ for new rows with $H$ fixed (multiplicative updates on W only), shape (n, k)."""
        check_is_fitted(self)
        V = check_array(X)
        check_n_features(self, V)
        H, eps = self.components_, np.finfo(float).eps
        W = np.full((V.shape[0], H.shape[0]), np.sqrt(V.mean() / H.shape[0]))
        for _ in range(self.max_iter):
            W *= (V @ H.T) / (W @ (H @ H.T) + eps)
        return W


ESTIMATOR = NMF
EXAMPLE_DATA = "transform"
EXAMPLE_PARAMS = {"max_iter": 50}


def demo(n_components: int = 10, max_iter: int = 300) -> DemoResult:
    """Digits: parts learned by NMF and the loss curve, against scikit-learn's NMF (multiplicative updates)."""
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.decomposition import NMF as SkNMF

    from mlnotes.algorithms.linear._viz import new_figure

    X = load_digits().data
    with warnings.catch_warnings():  # both may stop at max_iter; ours reports it in converged_ (shown in notes)
        warnings.simplefilter("ignore")
        model = NMF(n_components=n_components, max_iter=max_iter).fit(X)
        ref = SkNMF(n_components=n_components, solver="mu", init="random", max_iter=max_iter, tol=1e-6,
                    random_state=0).fit(X)
    fig, axes = new_figure(ncols=2)
    axes[0].semilogy(model.loss_curve_)
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel(r"$\frac{1}{2}\Vert V - WH\Vert_F^2$")  # mathtext needs braces: \frac12 fails to draw
    axes[0].set_title("multiplicative updates")
    tiles = np.zeros((8, 8 * n_components + n_components - 1))
    for j, h in enumerate(model.components_):
        tiles[:, j * 9: j * 9 + 8] = h.reshape(8, 8) / max(h.max(), 1e-12)
    axes[1].imshow(tiles, cmap="gray_r")
    axes[1].set_axis_off()
    axes[1].set_title("learned parts (rows of H)")
    return DemoResult(
        metrics={"reconstruction_err": model.reconstruction_err_},
        reference={"reconstruction_err": float(ref.reconstruction_err_)},
        figure=fig,
        reference_name="sklearn.decomposition.NMF(solver='mu')",
        notes=f"ours ran {model.n_iter_} iterations (converged: {model.converged_}); the reference "
              f"{ref.n_iter_}",
    )
