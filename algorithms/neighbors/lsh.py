r"""Locality-sensitive hashing for approximate cosine nearest neighbours (random hyperplanes, SimHash).

A hash family is locality-sensitive if near points collide more often than far ones. For the angle
$\theta(x,y)$, a random hyperplane through the origin with normal $r\sim\mathcal N(0, I)$ gives the bit
$h_r(x) = \mathbb 1[r^\top x\ge 0]$, and

$$ \Pr[h_r(x) = h_r(y)] = 1 - \frac{\theta(x,y)}{\pi} . $$

Concatenating $b$ bits into one key makes a collision require all $b$ to agree, probability $(1-\theta/\pi)^b$
(sharper, fewer candidates); using $L$ independent tables and taking the union of the buckets gives the
probability of finding a neighbour at angle $\theta$ as $1 - (1 - (1-\theta/\pi)^b)^L$ (higher recall). The
query then re-ranks the candidates by exact cosine similarity. Memory $O(nL)$; a query costs $O(Lbd)$ for hashing
plus the candidates' re-ranking, sub-linear in $n$ when buckets are small.

References: [@charikar2002similarity], [@indyk1998approximate].
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)
from mlnotes.algorithms.registry import DemoResult


class CosineLSH(BaseEstimator):
    """Random-hyperplane LSH index with exact re-ranking of the candidates.

    Parameters
    ----------
    n_bits : int
        Bits per hash key $b$.
    n_tables : int
        Number of hash tables $L$.
    random_state : int or None

    Attributes
    ----------
    planes_ : ndarray of shape (n_tables, n_bits, n_features)
    tables_ : list of dict
        Key -> array of row indices, per table.
    """

    def __init__(self, *, n_bits=8, n_tables=10, random_state=0):
        self.n_bits = n_bits
        self.n_tables = n_tables
        self.random_state = random_state

    def _keys(self, X):
        bits = np.einsum("lbd,nd->lnb", self.planes_, X) >= 0  # (L, n, b)
        return bits @ (1 << np.arange(self.n_bits))  # (L, n) integer keys

    def fit(self, X, y=None):
        X = check_array(X)
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        self.planes_ = rng.standard_normal((self.n_tables, self.n_bits, X.shape[1]))
        self.data_ = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
        keys = self._keys(self.data_)
        self.tables_ = []
        for l in range(self.n_tables):
            buckets = defaultdict(list)
            for i, key in enumerate(keys[l]):
                buckets[int(key)].append(i)
            self.tables_.append({k: np.array(v) for k, v in buckets.items()})
        return self

    def query(self, X, k=1):
        """Approximate k most cosine-similar rows: (similarities, indices), each (n_queries, k); -1 pads misses."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        Xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
        keys = self._keys(Xn)
        sims = np.full((X.shape[0], k), -np.inf)
        inds = np.full((X.shape[0], k), -1)
        self.n_candidates_ = np.zeros(X.shape[0], dtype=int)
        for r in range(X.shape[0]):
            cand = [self.tables_[l].get(int(keys[l, r]), np.empty(0, int)) for l in range(self.n_tables)]
            cand = np.unique(np.concatenate(cand))
            self.n_candidates_[r] = len(cand)
            if len(cand) == 0:
                continue
            s = self.data_[cand] @ Xn[r]
            top = np.argsort(-s, kind="stable")[:k]
            sims[r, : len(top)], inds[r, : len(top)] = s[top], cand[top]
        return sims, inds


def collision_probability(theta: float, n_bits: int, n_tables: int) -> float:
    """Probability that a point at angle ``theta`` shares a bucket with the query in at least one table."""
    return 1.0 - (1.0 - (1.0 - theta / np.pi) ** n_bits) ** n_tables


def demo(n_bits: int = 10, n_tables: int = 16, n_points: int = 5000) -> DemoResult:
    """Clustered random vectors: recall@10 and candidate share, against exact cosine search (scikit-learn)."""
    from sklearn.neighbors import NearestNeighbors

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(50, 32))
    X = centres[rng.integers(0, 50, n_points)] + 0.5 * rng.normal(size=(n_points, 32))
    Q = centres[rng.integers(0, 50, 100)] + 0.5 * rng.normal(size=(100, 32))
    index = CosineLSH(n_bits=n_bits, n_tables=n_tables).fit(X)
    _, approx = index.query(Q, k=10)
    exact = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(X).kneighbors(Q)[1]
    recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)]))
    theta = np.linspace(0, np.pi, 200)
    fig, ax = new_figure()
    for b, L in ((n_bits, n_tables), (n_bits, 1), (2 * n_bits, n_tables)):
        ax.plot(np.degrees(theta), [collision_probability(t, b, L) for t in theta], label=f"b={b}, L={L}")
    ax.set_xlabel("angle between query and point (degrees)")
    ax.set_ylabel("probability of becoming a candidate")
    ax.set_title("LSH S-curves")
    ax.legend()
    return DemoResult(
        metrics={"recall_at_10": recall, "candidate_share": float(index.n_candidates_.mean() / n_points)},
        reference={"recall_at_10": 1.0, "candidate_share": 1.0},
        figure=fig,
        reference_name="sklearn.neighbors.NearestNeighbors(metric='cosine', algorithm='brute')",
    )
