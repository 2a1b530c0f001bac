r"""Spectral clustering (normalised, Ng-Jordan-Weiss).

1. Build a similarity graph $W$: the symmetrised $k$-nearest-neighbour connectivity
   ($W_{ij} = \frac12(A_{ij} + A_{ji})$ with $A_{ij} = 1$ if $x_j$ is among the $k$ nearest neighbours of $x_i$,
   the point itself included, as scikit-learn does), or the RBF kernel $W_{ij} = \exp(-\gamma\lVert x_i-x_j\rVert^2)$.
2. Degrees $D = \mathrm{diag}(W\mathbf 1)$ and the normalised Laplacian $L_{\text{sym}} = I - D^{-1/2}WD^{-1/2}$.
3. Take the $k$ eigenvectors of $L_{\text{sym}}$ with the smallest eigenvalues (equivalently the largest of
   $D^{-1/2}WD^{-1/2}$) as columns of $U\in\mathbb R^{n\times k}$ and normalise each row to unit length.
4. Run k-means on the rows of $U$.

Why it works: for a graph with $k$ connected components the multiplicity of eigenvalue 0 of $L$ is $k$ and its
eigenvectors are (scaled) component indicators, so the embedded rows collapse to $k$ orthogonal points. With
weak links between clusters the picture is perturbed only slightly. It relaxes the NP-hard normalised cut
$\mathrm{Ncut} = \sum_k \mathrm{cut}(A_k, \bar A_k)/\mathrm{vol}(A_k)$ to an eigenproblem, so it finds
non-convex clusters (moons, rings) that k-means on raw coordinates cannot. Cost: the dense eigendecomposition
is $O(n^3)$.

References: [@ng2002spectral], [@shi2000normalized], [@von2007tutorial].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh

from mlnotes.algorithms.base import BaseEstimator, check_array
from mlnotes.algorithms.clustering.kmeans import KMeans
from mlnotes.algorithms.registry import DemoResult


def affinity_matrix(X: np.ndarray, affinity: str, n_neighbors: int, gamma: float) -> np.ndarray:
    """Symmetric similarity matrix W, shape (n, n)."""
    sq = np.maximum(np.sum(X**2, 1)[:, None] + np.sum(X**2, 1)[None, :] - 2 * X @ X.T, 0.0)
    if affinity == "rbf":
        return np.exp(-gamma * sq)
    if affinity == "nearest_neighbors":
        nn = np.argsort(sq, axis=1, kind="stable")[:, :n_neighbors]  # includes the point itself
        A = np.zeros_like(sq)
        A[np.repeat(np.arange(len(X)), n_neighbors), nn.ravel()] = 1.0
        return 0.5 * (A + A.T)
    raise ValueError(f"affinity must be 'rbf' or 'nearest_neighbors', got {affinity!r}")


class SpectralClustering(BaseEstimator):
    """Normalised spectral clustering.

    Parameters
    ----------
    n_clusters : int
    affinity : {"nearest_neighbors", "rbf"}
    n_neighbors : int
    gamma : float
    random_state : int or None

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_clusters)
        Row-normalised spectral embedding.
    eigenvalues_ : ndarray of shape (n_clusters,)
        Smallest eigenvalues of $L_{sym}$.
    labels_ : ndarray of shape (n_samples,)
    """

    def __init__(self, *, n_clusters=2, affinity="nearest_neighbors", n_neighbors=10, gamma=1.0, random_state=0):
        self.n_clusters = n_clusters
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        n, k = X.shape[0], int(self.n_clusters)
        if not 1 <= k <= n:
            raise ValueError(f"n_clusters must be in [1, {n}], got {self.n_clusters}")
        self.n_features_in_ = X.shape[1]
        W = affinity_matrix(X, self.affinity, min(self.n_neighbors, n), self.gamma)
        d_inv_sqrt = 1.0 / np.sqrt(np.maximum(W.sum(axis=1), 1e-300))
        M = d_inv_sqrt[:, None] * W * d_inv_sqrt[None, :]  # D^{-1/2} W D^{-1/2}
        evals, evecs = eigh(M, subset_by_index=[n - k, n - 1])  # largest k of M = smallest k of L_sym
        self.eigenvalues_ = 1.0 - evals[::-1]
        U = evecs[:, ::-1]
        U /= np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-300)
        self.embedding_ = U
        self.labels_ = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(U).labels_
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``."""
        return self.fit(X).labels_


ESTIMATOR = SpectralClustering
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"n_neighbors": 5}


def demo(n_neighbors: int = 10, noise: float = 0.06) -> DemoResult:
    """Two moons and two rings: spectral clustering vs k-means, against scikit-learn's SpectralClustering."""
    import warnings

    from sklearn.cluster import SpectralClustering as SkSpectral
    from sklearn.datasets import make_circles, make_moons
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    fig, axes = new_figure(ncols=2)
    ours_ari, ref_ari = [], []
    for ax, (X, y) in zip(axes, (make_moons(300, noise=noise, random_state=0),
                                 make_circles(300, factor=0.4, noise=noise, random_state=0))):
        ours = SpectralClustering(n_clusters=2, n_neighbors=n_neighbors).fit(X)
        with warnings.catch_warnings():  # scikit-learn warns when the kNN graph is disconnected
            warnings.simplefilter("ignore", UserWarning)
            ref = SkSpectral(n_clusters=2, affinity="nearest_neighbors", n_neighbors=n_neighbors,
                             random_state=0).fit(X)
        ours_ari.append(adjusted_rand_score(y, ours.labels_))
        ref_ari.append(adjusted_rand_score(y, ref.labels_))
        km = KMeans(n_clusters=2).fit(X)
        ax.scatter(X[:, 0], X[:, 1], c=ours.labels_, cmap="coolwarm", s=10)
        ax.set_title(f"spectral ARI {ours_ari[-1]:.2f} (k-means {adjusted_rand_score(y, km.labels_):.2f})")
    return DemoResult(
        metrics={"ari_moons": float(ours_ari[0]), "ari_circles": float(ours_ari[1])},
        reference={"ari_moons": float(ref_ari[0]), "ari_circles": float(ref_ari[1])},
        figure=fig,
        reference_name="sklearn.cluster.SpectralClustering(affinity='nearest_neighbors')",
    )
