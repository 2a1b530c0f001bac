r"""Truncated SVD by randomised range finding (Halko, Martinsson and Tropp).

Goal: the top-$k$ singular triplets of $A\in\mathbb R^{m\times n}$ without a full SVD (and without centring, so it
works on sparse or huge matrices: on a term-document matrix this is latent semantic analysis).

1. Draw a Gaussian test matrix $\Omega\in\mathbb R^{n\times(k+p)}$ ($p$ = oversampling, about 10).
2. Form $Y = (AA^\top)^qA\Omega$ with $q$ power iterations, re-orthonormalising (QR) after every product to keep
   the small singular directions from drowning in round-off. Powering replaces the spectrum $\sigma_j$ by
   $\sigma_j^{2q+1}$, sharpening the gap between wanted and unwanted directions.
3. $Q = \mathrm{orth}(Y)$: an orthonormal basis approximately spanning the top-$k$ left singular subspace.
4. Project, $B = Q^\top A$ (a small $(k+p)\times n$ matrix), take its exact SVD $B = \tilde U\Sigma V^\top$ and
   set $U = Q\tilde U$. Keep the first $k$.

The expected error $\mathbb E\lVert A - QQ^\top A\rVert$ is within a small factor of $\sigma_{k+1}$, the best
possible; each pass over $A$ costs $O(mn(k+p))$.

References: [@halko2011finding], [@deerwester1990indexing].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)
from mlnotes.algorithms.decomposition.pca import svd_flip
from mlnotes.algorithms.registry import DemoResult


def randomized_svd(A: np.ndarray, k: int, n_oversamples: int = 10, n_iter: int = 4, rng=None):
    """Approximate top-k SVD ``(U (m, k), s (k,), Vt (k, n))`` of A."""
    rng = check_random_state(rng)
    m, n = A.shape
    ell = min(k + n_oversamples, min(m, n))
    Q, _ = np.linalg.qr(A @ rng.standard_normal((n, ell)))  # (m, ell)
    for _ in range(n_iter):  # power iterations with re-orthonormalisation
        Q, _ = np.linalg.qr(A.T @ Q)  # (n, ell)
        Q, _ = np.linalg.qr(A @ Q)  # (m, ell)
    B = Q.T @ A  # (ell, n)
    Ub, s, Vt = np.linalg.svd(B, full_matrices=False)
    U = Q @ Ub
    U, Vt = svd_flip(U, Vt)
    return U[:, :k], s[:k], Vt[:k]


class TruncatedSVD(BaseEstimator):
    """Rank-k SVD of an uncentred matrix by randomised range finding.

    Parameters
    ----------
    n_components : int
    n_oversamples : int
    n_iter : int
        Power iterations.
    random_state : int or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Right singular vectors $V_k^\\top$.
    singular_values_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
        Variance of each score column over the total variance of X.
    """

    def __init__(self, *, n_components=2, n_oversamples=10, n_iter=5, random_state=0):
        self.n_components = n_components
        self.n_oversamples = n_oversamples
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X)
        k = int(self.n_components)
        if not 1 <= k < min(X.shape) + 1:
            raise ValueError(f"n_components must be in [1, {min(X.shape)}], got {self.n_components}")
        self.n_features_in_ = X.shape[1]
        U, s, Vt = randomized_svd(X, k, self.n_oversamples, self.n_iter, self.random_state)
        self.components_, self.singular_values_ = Vt, s
        Z = U * s
        self.explained_variance_ratio_ = Z.var(axis=0) / X.var(axis=0).sum()
        return self

    def transform(self, X):
        """Scores $XV_k$, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.components_.T


ESTIMATOR = TruncatedSVD
EXAMPLE_DATA = "transform"


def demo(n_components: int = 10, n_iter: int = 2) -> DemoResult:
    """Digits: randomised vs exact singular values, against scikit-learn's TruncatedSVD."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD

    from mlnotes.algorithms.linear._viz import new_figure

    X = load_digits().data
    ours = TruncatedSVD(n_components=n_components, n_iter=n_iter).fit(X)
    ref = SkTruncatedSVD(n_components=n_components, n_iter=n_iter, random_state=0).fit(X)
    exact = np.linalg.svd(X, compute_uv=False)[:n_components]
    fig, ax = new_figure()
    ax.semilogy(np.arange(1, n_components + 1), exact, "ko-", label="exact")
    for q in (0, n_iter):
        ax.semilogy(np.arange(1, n_components + 1), TruncatedSVD(n_components=n_components, n_iter=q, n_oversamples=2)
                    .fit(X).singular_values_, ".--", label=f"randomised, q={q}, p=2")
    ax.set_xlabel("index")
    ax.set_ylabel("singular value")
    ax.set_title("randomised SVD: power iterations sharpen the estimate")
    ax.legend()
    rel = lambda s: float(np.max(np.abs(s - exact) / exact))
    return DemoResult(
        metrics={"max_rel_error_singular_values": rel(ours.singular_values_)},
        reference={"max_rel_error_singular_values": rel(ref.singular_values_)},
        figure=fig,
        reference_name="sklearn.decomposition.TruncatedSVD (randomized)",
    )
