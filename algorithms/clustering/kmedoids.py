r"""k-medoids by PAM (partitioning around medoids): BUILD then SWAP.

Choose $k$ of the data points as medoids $M$ to minimise the total dissimilarity of each point to its closest
medoid,

$$ \mathrm{TD}(M) = \sum_{i=1}^n \min_{m\in M} d(x_i, x_m), $$

for any dissimilarity $d$ (here Euclidean or Manhattan, from a precomputed $n\times n$ matrix). Unlike k-means
the centres are actual points and $d$ need not be squared Euclidean, so outliers pull less and any distance
works.

* **BUILD** (greedy initialisation): the first medoid minimises $\sum_i d(x_i, x_m)$; each next one is the point
  that lowers TD the most given those already chosen.
* **SWAP**: for every medoid $m$ and non-medoid $o$, compute the change $\Delta\mathrm{TD}(m\leftrightarrow o)$;
  apply the best swap if it is negative; repeat until no swap improves. Each pass evaluates $k(n-k)$ swaps, each
  in $O(n)$ with the nearest and second-nearest medoid distances cached, so a pass costs $O(k(n-k)n)$.

PAM reaches a local optimum where no single swap helps; on small problems this is usually the global one
(the tests compare it with exhaustive search).

References: [@kaufman1990finding], [@schubert2021fast].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def dissimilarity_matrix(A: np.ndarray, B: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """Pairwise Euclidean or Manhattan distances, shape (len(A), len(B))."""
    diff = A[:, None, :] - B[None, :, :]
    if metric == "euclidean":
        return np.sqrt(np.sum(diff**2, axis=2))
    if metric == "manhattan":
        return np.sum(np.abs(diff), axis=2)
    raise ValueError(f"metric must be 'euclidean' or 'manhattan', got {metric!r}")


def total_deviation(D: np.ndarray, medoids) -> float:
    """$\\mathrm{TD}(M) = \\sum_i \\min_{m\\in M} D_{im}$."""
    return float(D[:, list(medoids)].min(axis=1).sum())


class KMedoids(BaseEstimator):
    """PAM k-medoids.

    Parameters
    ----------
    n_clusters : int
    metric : {"euclidean", "manhattan"}
    max_iter : int
        Maximum SWAP passes.

    Attributes
    ----------
    medoid_indices_ : ndarray of shape (n_clusters,)
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
        Total deviation TD.
    n_swaps_ : int
    """

    def __init__(self, *, n_clusters=3, metric="euclidean", max_iter=100):
        self.n_clusters = n_clusters
        self.metric = metric
        self.max_iter = max_iter

    def fit(self, X, y=None):
        X = check_array(X)
        n, k = X.shape[0], int(self.n_clusters)
        if not 1 <= k <= n:
            raise ValueError(f"n_clusters must be in [1, n_samples={n}], got {self.n_clusters}")
        self.n_features_in_ = X.shape[1]
        D = dissimilarity_matrix(X, X, self.metric)  # (n, n)
        # BUILD
        medoids = [int(np.argmin(D.sum(axis=0)))]
        nearest = D[:, medoids[0]].copy()  # (n,) distance to the closest medoid
        for _ in range(1, k):
            gain = np.maximum(nearest[:, None] - D, 0.0).sum(axis=0)  # TD decrease if column o is added
            gain[medoids] = -np.inf
            o = int(np.argmax(gain))
            medoids.append(o)
            nearest = np.minimum(nearest, D[:, o])
        # SWAP
        self.n_swaps_, converged, it = 0, False, 0
        for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            Dm = D[:, medoids]  # (n, k)
            order = np.argsort(Dm, axis=1)
            d1 = Dm[np.arange(n), order[:, 0]]  # nearest medoid distance
            d2 = Dm[np.arange(n), order[:, 1]] if k > 1 else np.full(n, np.inf)  # second nearest
            best_delta, best_swap = -1e-12, None
            for mi in range(k):
                owned = order[:, 0] == mi  # points whose nearest medoid is being removed
                # new distance of each point to its medoid after swapping medoid mi for candidate o (columns)
                fallback = np.where(owned, d2, d1)  # (n,) distance without medoid mi
                new_d = np.minimum(fallback[:, None], D)  # (n, n): column o = candidate
                delta = new_d.sum(axis=0) - d1.sum()  # (n,)
                delta[medoids] = np.inf
                o = int(np.argmin(delta))
                if delta[o] < best_delta:
                    best_delta, best_swap = delta[o], (mi, o)
            if best_swap is None:  # no swap lowers the total deviation: a local optimum
                converged = True
                break
            medoids[best_swap[0]] = best_swap[1]
            self.n_swaps_ += 1
        report_convergence(self, it, converged, max_iter=self.max_iter, what="the SWAP phase")
        self.medoid_indices_ = np.array(medoids)
        self.cluster_centers_ = X[self.medoid_indices_]
        self.labels_ = np.argmin(D[:, medoids], axis=1)
        self.inertia_ = total_deviation(D, medoids)
        return self

    def predict(self, X):
        """Index of the closest medoid, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.argmin(dissimilarity_matrix(X, self.cluster_centers_, self.metric), axis=1)


ESTIMATOR = KMedoids
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"n_clusters": 2}


def demo(n_clusters: int = 3, n_outliers: int = 10, metric: str = "euclidean") -> DemoResult:
    """Blobs with far outliers: medoids stay put, means drift; the reference is scikit-learn's KMeans."""
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_blobs(300, centers=3, cluster_std=0.8, random_state=1)
    rng = np.random.default_rng(0)
    X = np.r_[X, rng.uniform(-40, 40, (n_outliers, 2))]
    y = np.r_[y, np.full(n_outliers, -1)]
    ours = KMedoids(n_clusters=n_clusters, metric=metric).fit(X)
    ref = SkKMeans(n_clusters=n_clusters, n_init=10, random_state=0).fit(X)
    inl = y >= 0
    fig, ax = new_figure()
    ax.scatter(X[:, 0], X[:, 1], c=ours.labels_, cmap="tab10", s=8)
    ax.scatter(*ours.cluster_centers_.T, c="k", marker="*", s=150, label="medoids")
    ax.scatter(*ref.cluster_centers_.T, c="r", marker="x", s=80, label="k-means centres")
    ax.set_title("PAM k-medoids vs k-means with outliers")
    ax.legend(fontsize=8)
    return DemoResult(
        metrics={"ari_inliers": float(adjusted_rand_score(y[inl], ours.labels_[inl]))},
        reference={"ari_inliers": float(adjusted_rand_score(y[inl], ref.labels_[inl]))},
        figure=fig,
        reference_name="sklearn.cluster.KMeans (comparison; no k-medoids in scikit-learn)",
        extra={"total_deviation": ours.inertia_, "n_swaps": ours.n_swaps_},
    )
