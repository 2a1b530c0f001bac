r"""Agglomerative hierarchical clustering with single, complete, average and Ward linkage.

Start with every point as its own cluster; repeatedly merge the two closest clusters until one remains. The
sequence of merges and their heights is the dendrogram; cutting it gives any number of clusters. "Closest"
depends on the linkage, and after merging $i$ and $j$ into $i\cup j$ the distance to any other cluster $k$
follows the Lance-Williams recurrence (sizes $n_i, n_j, n_k$):

| linkage | $d(i\cup j, k)$ |
| --- | --- |
| single | $\min(d_{ik}, d_{jk})$ |
| complete | $\max(d_{ik}, d_{jk})$ |
| average | $(n_id_{ik} + n_jd_{jk})/(n_i+n_j)$ |
| Ward | $\sqrt{\big((n_i+n_k)d_{ik}^2 + (n_j+n_k)d_{jk}^2 - n_kd_{ij}^2\big)/(n_i+n_j+n_k)}$ |

Ward's distance between two clusters is $\sqrt{2\,\Delta}$ where $\Delta$ is the increase in within-cluster sum of
squares caused by merging them, so Ward greedily minimises the k-means objective; single linkage follows
chains (it equals a minimum spanning tree), complete linkage makes compact clusters. This naive implementation
keeps the full distance matrix: $O(n^2)$ memory and $O(n^3)$ time in the worst case ($n$ merges, each an
$O(n^2)$ arg-min), which is fine for a few thousand points.

References: [@murtagh2012algorithms], [@ward1963hierarchical], [@mullner2011modern].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array
from mlnotes.algorithms.registry import DemoResult


class AgglomerativeClustering(BaseEstimator):
    """Bottom-up hierarchical clustering.

    Parameters
    ----------
    n_clusters : int
        Number of clusters at which the dendrogram is cut.
    linkage : {"single", "complete", "average", "ward"}

    Attributes
    ----------
    linkage_matrix_ : ndarray of shape (n_samples - 1, 4)
        SciPy's format: merged cluster ids, merge height, size of the new cluster.
    labels_ : ndarray of shape (n_samples,)
    """

    def __init__(self, *, n_clusters=2, linkage="ward"):
        self.n_clusters = n_clusters
        self.linkage = linkage

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        if self.linkage not in ("single", "complete", "average", "ward"):
            raise ValueError(f"linkage must be single, complete, average or ward, got {self.linkage!r}")
        n = X.shape[0]
        if not 1 <= self.n_clusters <= n:
            raise ValueError(f"n_clusters must be in [1, {n}], got {self.n_clusters}")
        self.n_features_in_ = X.shape[1]
        D = np.sqrt(np.maximum(np.sum(X**2, 1)[:, None] + np.sum(X**2, 1)[None, :] - 2 * X @ X.T, 0.0))
        np.fill_diagonal(D, np.inf)
        size = np.ones(n)
        cluster_id = np.arange(n)  # SciPy id of the cluster stored in each active row
        active = np.ones(n, dtype=bool)
        members = {i: [i] for i in range(n)}
        Z = np.zeros((n - 1, 4))
        for step in range(n - 1):
            flat = int(np.argmin(D))
            i, j = divmod(flat, n)
            if i > j:
                i, j = j, i
            h = D[i, j]
            Z[step] = [min(cluster_id[i], cluster_id[j]), max(cluster_id[i], cluster_id[j]), h, size[i] + size[j]]
            # Lance-Williams update of row/column i (the merged cluster); row j is retired
            dik, djk = D[i].copy(), D[j].copy()
            if self.linkage == "single":
                new = np.minimum(dik, djk)
            elif self.linkage == "complete":
                new = np.maximum(dik, djk)
            elif self.linkage == "average":
                new = (size[i] * dik + size[j] * djk) / (size[i] + size[j])
            else:
                nk = size
                new = np.sqrt(np.maximum(((size[i] + nk) * dik**2 + (size[j] + nk) * djk**2 - nk * h**2)
                                         / (size[i] + size[j] + nk), 0.0))
            new[~active] = np.inf
            D[i, :], D[:, i] = new, new
            D[i, i] = np.inf
            D[j, :], D[:, j] = np.inf, np.inf
            active[j] = False
            size[i] += size[j]
            members[i] += members.pop(j)
            cluster_id[i] = n + step
        self.linkage_matrix_ = Z
        self.labels_ = self._cut(Z, n, int(self.n_clusters))
        return self

    @staticmethod
    def _cut(Z, n, k):
        """Labels after undoing the last k-1 merges (union-find over the first n-k merges)."""
        parent = np.arange(2 * n - 1)

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for step in range(n - k):
            a, b = int(Z[step, 0]), int(Z[step, 1])
            parent[find(a)] = n + step
            parent[find(b)] = n + step
        roots = np.array([find(i) for i in range(n)])
        _, labels = np.unique(roots, return_inverse=True)
        return labels

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``."""
        return self.fit(X).labels_


ESTIMATOR = AgglomerativeClustering
EXAMPLE_DATA = "clustering"


def demo(n_clusters: int = 3, linkage: str = "ward") -> DemoResult:
    """Iris: dendrogram heights and the cut, against SciPy's linkage and scikit-learn's AgglomerativeClustering."""
    from scipy.cluster.hierarchy import dendrogram
    from scipy.cluster.hierarchy import linkage as scipy_linkage
    from sklearn.cluster import AgglomerativeClustering as SkAgglomerative
    from sklearn.datasets import load_iris
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_iris(return_X_y=True)
    ours = AgglomerativeClustering(n_clusters=n_clusters, linkage=linkage).fit(X)
    Z_ref = scipy_linkage(X, method=linkage)
    ref = SkAgglomerative(n_clusters=n_clusters, linkage=linkage).fit(X)
    fig, ax = new_figure(width=7)
    dendrogram(ours.linkage_matrix_, ax=ax, no_labels=True, color_threshold=ours.linkage_matrix_[-n_clusters + 1, 2])
    ax.set_ylabel("merge height")
    ax.set_title(f"{linkage} linkage on iris")
    return DemoResult(
        metrics={"top_merge_height": float(ours.linkage_matrix_[-1, 2]),
                 "ari_vs_truth": float(adjusted_rand_score(y, ours.labels_))},
        reference={"top_merge_height": float(Z_ref[-1, 2]), "ari_vs_truth": float(adjusted_rand_score(y, ref.labels_))},
        figure=fig,
        reference_name="scipy.cluster.hierarchy.linkage; sklearn.cluster.AgglomerativeClustering",
    )
