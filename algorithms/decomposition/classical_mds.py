r"""Classical (Torgerson) multidimensional scaling.

Given only a matrix of pairwise distances $D\in\mathbb R^{n\times n}$, find points $Y\in\mathbb R^{n\times k}$ whose
inner products best match those implied by $D$. With the centring matrix $J = I - \frac1n\mathbf 1\mathbf 1^\top$,
double centring recovers the Gram matrix of the centred configuration:

$$ B = -\tfrac12 J D^{(2)} J, \qquad D^{(2)}_{ij} = D_{ij}^2 . $$

If $D$ is Euclidean, $B = X_cX_c^\top$ exactly. Take the top-$k$ eigenpairs $B = Q\Lambda Q^\top$ and set
$Y = Q_k\Lambda_k^{1/2}$; this minimises the "strain" $\lVert B - YY^\top\rVert_F$. For Euclidean input
distances classical MDS equals PCA (the same scores up to sign); for non-Euclidean dissimilarities $B$ has
negative eigenvalues, which are dropped. Cost $O(n^3)$ for the eigendecomposition (top-$k$ only here).

References: [@torgerson1952multidimensional], [@gower1966some], [@borg2005modern].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh

from mlnotes.algorithms.base import BaseEstimator, check_array
from mlnotes.algorithms.registry import DemoResult


class ClassicalMDS(BaseEstimator):
    """Classical MDS from a feature matrix (Euclidean) or a precomputed distance matrix.

    Parameters
    ----------
    n_components : int
    dissimilarity : {"euclidean", "precomputed"}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    eigenvalues_ : ndarray of shape (n_components,)
    """

    def __init__(self, *, n_components=2, dissimilarity="euclidean"):
        self.n_components = n_components
        self.dissimilarity = dissimilarity

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        if self.dissimilarity == "precomputed":
            if X.shape[0] != X.shape[1] or not np.allclose(X, X.T):
                raise ValueError("a precomputed dissimilarity matrix must be square and symmetric")
            D2 = X**2
        elif self.dissimilarity == "euclidean":
            sq = np.sum(X**2, 1)
            D2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)
        else:
            raise ValueError(f"dissimilarity must be 'euclidean' or 'precomputed', got {self.dissimilarity!r}")
        n, k = X.shape[0], int(self.n_components)
        if not 1 <= k <= n:
            raise ValueError(f"n_components must be in [1, {n}], got {self.n_components}")
        self.n_features_in_ = X.shape[1]
        B = -0.5 * (D2 - D2.mean(0)[None, :] - D2.mean(1)[:, None] + D2.mean())  # -1/2 J D2 J
        evals, evecs = eigh(B, subset_by_index=[n - k, n - 1])
        evals, evecs = evals[::-1], evecs[:, ::-1]
        signs = np.sign(evecs[np.argmax(np.abs(evecs), axis=0), np.arange(k)])
        self.eigenvalues_ = evals
        self.embedding_ = evecs * signs * np.sqrt(np.maximum(evals, 0.0))
        return self

    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``."""
        return self.fit(X).embedding_


ESTIMATOR = ClassicalMDS
EXAMPLE_DATA = "transform"


def demo(n_components: int = 2) -> DemoResult:
    """A map from road-style distances: cities recovered from their distance matrix, against scikit-learn."""
    from sklearn.manifold import ClassicalMDS as SkClassicalMDS

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    cities = rng.uniform(0, 100, (15, 2))
    D = np.sqrt(((cities[:, None] - cities[None]) ** 2).sum(-1))
    ours = ClassicalMDS(n_components=n_components, dissimilarity="precomputed").fit(D)
    ref = SkClassicalMDS(n_components=n_components, metric="precomputed").fit(D)
    Y, Yr = ours.embedding_, ref.embedding_
    dist = lambda Z: np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(-1))
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.scatter(*cities.T)
    ax0.set_title("true positions")
    ax1.scatter(Y[:, 0], Y[:, 1] if n_components > 1 else np.zeros(len(Y)))
    ax1.set_title("recovered from distances (up to rotation)")
    for i, (a, b) in enumerate(zip(cities, Y)):
        ax0.annotate(str(i), a, fontsize=7)
        ax1.annotate(str(i), b[:2] if n_components > 1 else (b[0], 0), fontsize=7)
    return DemoResult(
        metrics={"max_distance_error": float(np.abs(dist(Y) - D).max())},
        reference={"max_distance_error": float(np.abs(dist(Yr) - D).max())},
        figure=fig,
        reference_name="sklearn.manifold.ClassicalMDS",
    )
