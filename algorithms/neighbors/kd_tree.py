r"""k-d tree for exact nearest-neighbour search.

**Build.** Recursively split the points at the median of the coordinate with the largest spread, until a node
holds at most ``leaf_size`` points. Each node stores its bounding box. Build cost $O(n\log n)$ (median by
``np.argpartition``), depth $O(\log(n/\text{leaf\_size}))$.

**Query (branch and bound).** Keep the $k$ best candidates found so far in a max-heap keyed by distance, with
$r$ the current $k$-th best distance. Visit the child on the query's side of the split first; visit the other
child only if the lower bound on the distance from the query to that child's bounding box,
$\mathrm{mindist}(q, \text{box}) = \lVert q - \mathrm{clip}(q, \text{lo}, \text{hi})\rVert$, is smaller than $r$.
In low dimension this prunes most of the tree (about $O(\log n)$ per query); as the dimension grows the boxes all
intersect the query ball and the search degrades toward brute force (the curse of dimensionality), which is
when approximate methods such as LSH pay off.

References: [@bentley1975multidimensional], [@friedman1977algorithm].
"""

from __future__ import annotations

import heapq

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult


class KDTree(BaseEstimator):
    """Exact k-nearest-neighbour and radius search with a k-d tree (Euclidean distance).

    Parameters
    ----------
    leaf_size : int
        Maximum points per leaf.

    Attributes
    ----------
    data_ : ndarray of shape (n_samples, n_features)
    n_nodes_ : int
    """

    def __init__(self, *, leaf_size=16):
        self.leaf_size = leaf_size

    def fit(self, X, y=None):
        X = check_array(X)
        if self.leaf_size < 1:
            raise ValueError(f"leaf_size must be >= 1, got {self.leaf_size}")
        self.data_ = X
        self.n_features_in_ = X.shape[1]
        # flat node storage: indices of points, box, split dim/value, children (-1 for leaves)
        self._idx, self._lo, self._hi, self._dim, self._val, self._left, self._right = [], [], [], [], [], [], []
        self._build(np.arange(X.shape[0]))
        self.n_nodes_ = len(self._idx)
        return self

    def _build(self, idx):
        node = len(self._idx)
        pts = self.data_[idx]
        self._idx.append(idx)
        self._lo.append(pts.min(0))
        self._hi.append(pts.max(0))
        self._dim.append(-1)
        self._val.append(np.nan)
        self._left.append(-1)
        self._right.append(-1)
        if len(idx) > self.leaf_size:
            dim = int(np.argmax(self._hi[node] - self._lo[node]))
            if self._hi[node][dim] > self._lo[node][dim]:
                half = len(idx) // 2
                order = np.argpartition(pts[:, dim], half)
                self._dim[node], self._val[node] = dim, float(pts[order[half], dim])
                self._left[node] = self._build(idx[order[:half]])
                self._right[node] = self._build(idx[order[half:]])
        return node

    def _min_dist(self, q, node):
        return float(np.linalg.norm(q - np.clip(q, self._lo[node], self._hi[node])))

    def query(self, X, k=1):
        """Distances and indices of the k nearest points, each (n_queries, k), nearest first."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        if not 1 <= k <= self.data_.shape[0]:
            raise ValueError(f"k must be in [1, {self.data_.shape[0]}], got {k}")
        dist = np.empty((X.shape[0], k))
        ind = np.empty((X.shape[0], k), dtype=int)
        self.n_distance_evaluations_ = 0
        for r, q in enumerate(X):
            heap = []  # max-heap of (-distance, index) holding the best k so far
            self._search(q, 0, k, heap)
            best = sorted((-d, i) for d, i in heap)
            dist[r], ind[r] = [d for d, _ in best], [i for _, i in best]
        return dist, ind

    def _search(self, q, node, k, heap):
        if len(heap) == k and self._min_dist(q, node) >= -heap[0][0]:
            return  # the whole box is farther than the current k-th neighbour: prune
        if self._left[node] == -1:
            idx = self._idx[node]
            d = np.linalg.norm(self.data_[idx] - q, axis=1)
            self.n_distance_evaluations_ += len(idx)
            for dist, i in zip(d, idx):
                if len(heap) < k:
                    heapq.heappush(heap, (-dist, int(i)))
                elif dist < -heap[0][0]:
                    heapq.heapreplace(heap, (-dist, int(i)))
            return
        near, far = (self._left[node], self._right[node]) if q[self._dim[node]] < self._val[node] \
            else (self._right[node], self._left[node])
        self._search(q, near, k, heap)
        self._search(q, far, k, heap)

    def query_radius(self, x, r):
        """Indices of all points within distance ``r`` of the single point ``x`` (sorted)."""
        check_is_fitted(self)
        x = np.asarray(x, dtype=float).ravel()
        out, stack = [], [0]
        while stack:
            node = stack.pop()
            if self._min_dist(x, node) > r:
                continue
            if self._left[node] == -1:
                idx = self._idx[node]
                out.extend(idx[np.linalg.norm(self.data_[idx] - x, axis=1) <= r].tolist())
            else:
                stack.extend((self._left[node], self._right[node]))
        return np.sort(np.array(out, dtype=int))


def demo(n_points: int = 5000, n_dims: int = 2, k: int = 5) -> DemoResult:
    """Random points: exactness against scipy's cKDTree, and how pruning degrades with the dimension."""
    from scipy.spatial import cKDTree

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    X = rng.random((n_points, n_dims))
    Q = rng.random((100, n_dims))
    tree = KDTree().fit(X)
    d, i = tree.query(Q, k=k)
    frac = tree.n_distance_evaluations_ / (len(Q) * n_points)
    d_ref, i_ref = cKDTree(X).query(Q, k=k)
    d_ref = np.asarray(d_ref).reshape(len(Q), k)
    dims = [1, 2, 4, 8, 16]
    fracs = []
    for dim in dims:
        Xd = rng.random((2000, dim))
        t = KDTree().fit(Xd)
        t.query(rng.random((30, dim)), k=k)
        fracs.append(t.n_distance_evaluations_ / (30 * 2000))
    fig, ax = new_figure()
    ax.plot(dims, fracs, marker="o")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("dimension")
    ax.set_ylabel("share of points whose distance was computed")
    ax.set_title(f"k-d tree pruning vs dimension ({k}-NN, 2000 points)")
    return DemoResult(
        metrics={"mean_kth_distance": float(d[:, -1].mean()), "distance_evals_share": float(frac)},
        reference={"mean_kth_distance": float(d_ref[:, -1].mean()), "distance_evals_share": 1.0},
        figure=fig,
        reference_name="scipy.spatial.cKDTree (distances); brute force evaluates every point",
        notes="the reference's distance_evals_share is that of brute-force search",
    )
