r"""Independent component analysis by FastICA (symmetric fixed-point iteration, log-cosh contrast).

Model: observed signals are a linear mixture $x = As$ of statistically independent, non-Gaussian sources $s$.
Find an unmixing matrix $W$ such that the components of $\hat s = Wx$ are as non-Gaussian as possible — by the
central limit theorem a mixture is "more Gaussian" than its ingredients.

1. **Whiten**: centre, then $z = Kx$ with $K = \Lambda^{-1/2}E^\top$ from the covariance's eigendecomposition, so
   $\mathrm{Cov}(z) = I$ and the remaining unmixing is a rotation.
2. **Fixed-point update** for every row $w$ of $W$ (approximate Newton on the negentropy proxy
   $J(w)\propto[\mathbb E\,G(w^\top z) - \mathbb E\,G(\nu)]^2$, $G(u) = \log\cosh u$, $g = G' = \tanh$):

   $$ w \leftarrow \mathbb E\big[z\,g(w^\top z)\big] - \mathbb E\big[g'(w^\top z)\big]\,w . $$

3. **Symmetric decorrelation** after each sweep, $W \leftarrow (WW^\top)^{-1/2}W$, keeps the rows orthonormal
   without favouring any of them. Stop when $\max_i |\,|\langle w_i^{\text{new}}, w_i\rangle| - 1| <$ ``tol``.

Sources are recovered up to permutation, sign and scale. Convergence is cubic for the kurtosis contrast and
at least quadratic for log-cosh near a solution.

References: [@hyvarinen1999fast], [@hyvarinen2000independent].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def _sym_decorrelate(W: np.ndarray) -> np.ndarray:
    """$(WW^\\top)^{-1/2}W$."""
    s, u = np.linalg.eigh(W @ W.T)
    return (u / np.sqrt(np.maximum(s, 1e-300))) @ u.T @ W


class FastICA(BaseEstimator):
    """FastICA with symmetric decorrelation.

    Parameters
    ----------
    n_components : int or None
    max_iter : int
    tol : float
    random_state : int or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Full unmixing matrix $WK$ (apply to centred data).
    mixing_ : ndarray of shape (n_features, n_components)
        Pseudo-inverse of ``components_``.
    mean_ : ndarray of shape (n_features,)
    n_iter_ : int
    """

    def __init__(self, *, n_components=None, max_iter=200, tol=1e-6, random_state=0):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        n, d = X.shape
        k = d if self.n_components is None else int(self.n_components)
        if not 1 <= k <= d:
            raise ValueError(f"n_components must be in [1, {d}], got {self.n_components}")
        self.n_features_in_ = d
        self.mean_ = X.mean(0)
        Xc = X - self.mean_
        evals, evecs = np.linalg.eigh(Xc.T @ Xc / n)
        order = np.argsort(evals)[::-1][:k]
        if evals[order[-1]] <= 1e-12 * max(evals.max(), 1e-300):  # whitening would divide by ~0
            rank = int(np.sum(evals > 1e-12 * max(evals.max(), 1e-300)))
            raise ValueError(f"X has only {rank} direction(s) of non-zero variance (constant or collinear columns), "
                             f"fewer than n_components={k}; drop those columns or lower n_components.")
        K = (evecs[:, order] / np.sqrt(np.maximum(evals[order], 1e-300))).T  # (k, d) whitening
        Z = Xc @ K.T  # (n, k), identity covariance
        W = _sym_decorrelate(check_random_state(self.random_state).standard_normal((k, k)))
        converged = False
        for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            U = Z @ W.T  # (n, k) current source estimates
            g, g_prime = np.tanh(U), 1.0 - np.tanh(U) ** 2
            W_new = _sym_decorrelate(g.T @ Z / n - g_prime.mean(0)[:, None] * W)
            converged = np.max(np.abs(np.abs(np.sum(W_new * W, axis=1)) - 1.0)) < self.tol
            W = W_new
            if converged:
                break
        report_convergence(self, it, converged, max_iter=self.max_iter, what="the fixed-point iteration")
        self.components_ = W @ K  # (k, d)
        self.mixing_ = np.linalg.pinv(self.components_)
        return self

    def transform(self, X):
        """Estimated sources, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return (X - self.mean_) @ self.components_.T


ESTIMATOR = FastICA
EXAMPLE_DATA = "transform"


def make_sources(n: int = 2000, seed: int = 0):
    """Three independent sources (sine, square wave, sawtooth) and a fixed mixing matrix."""
    t = np.linspace(0, 8, n)
    S = np.c_[np.sin(2 * t), np.sign(np.sin(3 * t)), (t * 1.5) % 2 - 1]
    S += 0.02 * np.random.default_rng(seed).normal(size=S.shape)
    A = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [1.5, 1.0, 2.0]])
    return S, S @ A.T, A


def match_sources(S_true: np.ndarray, S_est: np.ndarray) -> float:
    """Mean over true sources of the best absolute correlation with an estimated source."""
    C = np.abs(np.corrcoef(S_true.T, S_est.T)[: S_true.shape[1], S_true.shape[1]:])
    return float(C.max(axis=1).mean())


def demo(n_samples: int = 2000) -> DemoResult:
    """Cocktail party: unmix three signals, against scikit-learn's FastICA."""
    from sklearn.decomposition import FastICA as SkFastICA

    from mlnotes.algorithms.linear._viz import new_figure

    S, X, _ = make_sources(n_samples)
    ours = FastICA(n_components=3).fit(X)
    ref = SkFastICA(n_components=3, whiten="unit-variance", random_state=0, max_iter=1000).fit(X)
    S_hat = ours.transform(X)
    fig, axes = new_figure(ncols=3, height=3)
    for ax, M, title in zip(axes, (S, X, S_hat), ("true sources", "observed mixtures", "recovered (FastICA)")):
        for j in range(3):
            ax.plot(M[:400, j] / np.abs(M[:400, j]).max() + 2.5 * j, lw=0.8)
        ax.set_title(title)
        ax.set_yticks([])
    return DemoResult(
        metrics={"mean_abs_corr_with_sources": match_sources(S, S_hat)},
        reference={"mean_abs_corr_with_sources": match_sources(S, ref.transform(X))},
        figure=fig,
        reference_name="sklearn.decomposition.FastICA",
    )
