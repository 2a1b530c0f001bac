r"""Mean shift clustering with a flat kernel.

Mean shift climbs the kernel density estimate $\hat f(x) \propto \sum_i K(\lVert x - x_i\rVert/h)$ to its modes.
With the flat kernel (uniform on the ball of radius $h$, the ``bandwidth``) the update moves a point to the mean
of the data inside its ball,

$$ x \leftarrow m(x) = \frac{\sum_{i:\lVert x_i-x\rVert\le h} x_i}{|\{i:\lVert x_i-x\rVert\le h\}|} , $$

which is a gradient-ascent step on the density estimate built with the Epanechnikov kernel (the flat kernel's
"shadow"). Starting from every data point (the seeds), iterate until the shift is below $10^{-3}h$. Then sort
the converged points by how many data points lie within $h$ of them and greedily drop any that lies within $h$
of a better one (strength: the points inside the ball at the last step); the survivors are the cluster centres, and each point joins its nearest centre. The number of
clusters is not given but follows from $h$; a common default for $h$ is the mean distance to the
$\lfloor qn\rfloor$-th nearest neighbour ($q = 0.3$). Cost $O(n^2)$ per iteration with all points as seeds.

References: [@fukunaga1975estimation], [@comaniciu2002mean].
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


def _distances(A, B):
    return np.sqrt(np.maximum(np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T, 0.0))


def estimate_bandwidth(X: np.ndarray, quantile: float = 0.3) -> float:
    """Mean distance from each point to its ``int(n * quantile)``-th nearest neighbour (itself counted)."""
    k = max(1, int(X.shape[0] * quantile))
    D = np.sort(_distances(X, X), axis=1)
    return float(D[:, k - 1].mean())


class MeanShift(BaseEstimator):
    """Flat-kernel mean shift.

    Parameters
    ----------
    bandwidth : float or None
        Kernel radius $h$ (``None``: :func:`estimate_bandwidth`).
    max_iter : int

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    bandwidth_ : float
    """

    def __init__(self, *, bandwidth=None, max_iter=300):
        self.bandwidth = bandwidth
        self.max_iter = max_iter

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        self.n_features_in_ = X.shape[1]
        h = float(self.bandwidth) if self.bandwidth is not None else estimate_bandwidth(X)
        if h <= 0:
            raise ValueError(f"bandwidth must be > 0, got {h}")
        self.bandwidth_ = h
        modes = X.copy()  # one seed per point
        support = np.zeros(len(X), dtype=int)  # points inside the ball at the last step
        active = np.ones(len(X), dtype=bool)
        it = 0
        for it in range(self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            if not np.any(active):
                break
            idx = np.flatnonzero(active)
            inside = _distances(modes[idx], X) <= h  # (m, n)
            counts = inside.sum(axis=1)
            new = (inside @ X) / np.maximum(counts, 1)[:, None]
            moved = np.linalg.norm(new - modes[idx], axis=1)
            modes[idx] = np.where(counts[:, None] > 0, new, modes[idx])
            support[idx] = counts
            active[idx[(moved <= 1e-3 * h) | (counts == 0)]] = False
        # converged when every seed stopped moving; the pass that only confirms it does not count
        report_convergence(self, it if not np.any(active) else self.max_iter, not np.any(active),
                           max_iter=self.max_iter, what="the mean-shift iteration")
        # distinct modes, strongest first (ties: larger coordinates first, as scikit-learn orders them)
        strength = {tuple(m): int(c) for m, c in zip(modes, support) if c > 0}
        ranked = sorted(strength.items(), key=lambda item: (item[1], item[0]), reverse=True)
        cand = np.array([m for m, _ in ranked])
        # suppress every mode within h of a stronger surviving one
        keep = np.ones(len(cand), dtype=bool)
        Dc = _distances(cand, cand)
        for i in range(len(cand)):
            if keep[i]:
                keep[Dc[i] <= h] = False
                keep[i] = True
        self.cluster_centers_ = cand[keep]
        self.labels_ = np.argmin(_distances(X, self.cluster_centers_), axis=1)
        return self

    def predict(self, X):
        """Nearest cluster centre."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.argmin(_distances(X, self.cluster_centers_), axis=1)


ESTIMATOR = MeanShift
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"bandwidth": 0.5}


def demo(bandwidth: float = 1.0, cluster_std: float = 0.6) -> DemoResult:
    """Blobs: the modes found and the number of clusters, against scikit-learn's MeanShift (0 = estimate h)."""
    from sklearn.cluster import MeanShift as SkMeanShift
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_blobs(200, centers=[[1, 1], [-1, -1], [1, -1]], cluster_std=cluster_std, random_state=0)
    h = bandwidth if bandwidth > 0 else estimate_bandwidth(X)
    ours = MeanShift(bandwidth=h).fit(X)
    ref = SkMeanShift(bandwidth=h).fit(X)
    fig, ax = new_figure()
    ax.scatter(X[:, 0], X[:, 1], c=ours.labels_, cmap="tab10", s=10)
    ax.scatter(*ours.cluster_centers_.T, c="k", marker="x", s=100, label="ours")
    ax.scatter(*ref.cluster_centers_.T, facecolors="none", edgecolors="r", s=150, label="sklearn")
    ax.set_title(f"mean shift, bandwidth {h:.2f}")
    ax.legend()
    return DemoResult(
        metrics={"n_clusters": float(len(ours.cluster_centers_)), "ari_vs_truth": float(adjusted_rand_score(y, ours.labels_))},
        reference={"n_clusters": float(len(ref.cluster_centers_)), "ari_vs_truth": float(adjusted_rand_score(y, ref.labels_))},
        figure=fig,
        reference_name="sklearn.cluster.MeanShift",
    )
