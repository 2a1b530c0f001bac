r"""DBSCAN: density-based clustering with noise.

With radius $\varepsilon$ and threshold ``min_samples``: the $\varepsilon$-neighbourhood of $x_i$ is
$N_\varepsilon(x_i) = \{x_j: d(x_i,x_j)\le\varepsilon\}$ (including $x_i$). A point is a **core** point if
$|N_\varepsilon(x_i)|\ge$ ``min_samples``. Clusters are the connected components of the graph joining core points
within $\varepsilon$ of each other, plus the non-core (**border**) points within $\varepsilon$ of some core point;
everything else is **noise** (label $-1$). We grow each cluster by breadth-first search from an unvisited core
point, visiting points in index order; a border point reachable from two clusters joins the first that reaches
it (the only order-dependent part, as in scikit-learn). No number of clusters is needed and clusters may have
any shape, but a single $\varepsilon$ cannot fit clusters of very different densities.

Cost: the neighbourhoods come from one $n\times n$ distance matrix here, $O(n^2)$ time and memory; a spatial
index (``algorithms/neighbors/kd_tree.py``) brings range queries to about $O(\log n)$ in low dimension.

References: [@ester1996density], [@schubert2017dbscan].
"""

from __future__ import annotations

from collections import deque

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array
from mlnotes.algorithms.registry import DemoResult


class DBSCAN(BaseEstimator):
    """Density-based spatial clustering of applications with noise.

    Parameters
    ----------
    eps : float
        Neighbourhood radius.
    min_samples : int
        Neighbours (including the point itself) needed for a core point.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster index, -1 for noise.
    core_sample_indices_ : ndarray of int
    n_clusters_ : int
    """

    def __init__(self, *, eps=0.5, min_samples=5):
        self.eps = eps
        self.min_samples = min_samples

    def fit(self, X, y=None):
        X = check_array(X)
        if self.eps <= 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        D = np.sqrt(np.maximum(np.sum(X**2, 1)[:, None] + np.sum(X**2, 1)[None, :] - 2 * X @ X.T, 0.0))
        neighbours = [np.flatnonzero(row <= self.eps) for row in D]  # includes the point itself
        core = np.array([len(nb) >= self.min_samples for nb in neighbours])
        labels = np.full(n, -1)
        cluster = 0
        for i in range(n):
            if labels[i] != -1 or not core[i]:
                continue
            labels[i] = cluster
            queue = deque([i])
            while queue:  # breadth-first expansion through core points
                p = queue.popleft()
                for q in neighbours[p]:
                    if labels[q] == -1:
                        labels[q] = cluster
                        if core[q]:
                            queue.append(q)
            cluster += 1
        self.labels_ = labels
        self.core_sample_indices_ = np.flatnonzero(core)
        self.n_clusters_ = cluster
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``."""
        return self.fit(X).labels_


ESTIMATOR = DBSCAN
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"eps": 0.3, "min_samples": 3}


def demo(eps: float = 0.15, min_samples: int = 5, noise: float = 0.08) -> DemoResult:
    """Two moons plus noise: DBSCAN finds both shapes and flags outliers; against scikit-learn's DBSCAN."""
    from sklearn.cluster import DBSCAN as SkDBSCAN
    from sklearn.datasets import make_moons
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_moons(400, noise=noise, random_state=0)
    rng = np.random.default_rng(0)
    X = np.r_[X, rng.uniform(-1.5, 2.5, (20, 2))]
    y = np.r_[y, np.full(20, -1)]
    ours = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    ref = SkDBSCAN(eps=eps, min_samples=min_samples).fit(X)
    fig, ax = new_figure()
    noise_pts = ours.labels_ == -1
    ax.scatter(X[~noise_pts, 0], X[~noise_pts, 1], c=ours.labels_[~noise_pts], cmap="tab10", s=10)
    ax.scatter(X[noise_pts, 0], X[noise_pts, 1], c="k", marker="x", s=20, label="noise")
    ax.set_title(f"DBSCAN: {ours.n_clusters_} clusters, {noise_pts.sum()} noise points")
    ax.legend()
    return DemoResult(
        metrics={"n_clusters": float(ours.n_clusters_), "n_noise": float(noise_pts.sum()),
                 "ari_vs_truth": float(adjusted_rand_score(y, ours.labels_))},
        reference={"n_clusters": float(len(set(ref.labels_) - {-1})), "n_noise": float(np.sum(ref.labels_ == -1)),
                   "ari_vs_truth": float(adjusted_rand_score(y, ref.labels_))},
        figure=fig,
        reference_name="sklearn.cluster.DBSCAN",
    )
