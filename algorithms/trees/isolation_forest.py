r"""Isolation forest: anomaly scores from how quickly random splits isolate a point.

Build $T$ isolation trees, each on a random subsample of $\psi$ rows (256 by default, without replacement). A node
picks a feature uniformly at random and a threshold uniformly between that feature's minimum and maximum in the
node, and recursion stops when a node holds one row or the height limit $\lceil\log_2\psi\rceil$ is reached.
Anomalies are few and different, so they end up in short branches.

The path length $h(x)$ of a point is the depth of the leaf it reaches plus $c(m)$ for the $m$ training rows still
in that leaf, where

$$ c(m) = 2H(m-1) - \frac{2(m-1)}{m}, \qquad H(i) \approx \ln i + 0.5772156649, $$

is the average path length of an unsuccessful search in a binary search tree of $m$ keys ($c(2) = 1$,
$c(1) = 0$). The anomaly score normalises the mean path length over trees by $c(\psi)$:

$$ s(x) = 2^{-\mathbb E[h(x)]/c(\psi)} \in (0, 1], $$

near 1 for anomalies, well below 0.5 for normal points. Training costs $O(T\psi\log\psi)$ and is independent of
$n$ beyond the subsampling.

References: [@liu2008isolation].
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
from mlnotes.algorithms.registry import DemoResult

EULER_GAMMA = 0.5772156649015329


def average_path_length(m) -> np.ndarray:
    """$c(m)$, elementwise, with $c(1) = c(0) = 0$ and $c(2) = 1$."""
    m = np.asarray(m, dtype=float)
    out = np.zeros_like(m)
    big = m > 2
    out[m == 2] = 1.0
    out[big] = 2.0 * (np.log(m[big] - 1.0) + EULER_GAMMA) - 2.0 * (m[big] - 1.0) / m[big]
    return out


class _IsolationTree:
    def __init__(self, height_limit, rng):
        self.height_limit, self.rng = height_limit, rng

    def fit(self, X):
        self.feature, self.threshold, self.left, self.right, self.size = [], [], [], [], []
        self._grow(X, 0)
        for name in ("feature", "threshold", "left", "right", "size"):
            setattr(self, name, np.array(getattr(self, name)))
        return self

    def _grow(self, X, depth):
        node = len(self.feature)
        self.feature.append(-1)
        self.threshold.append(np.nan)
        self.left.append(-1)
        self.right.append(-1)
        self.size.append(len(X))
        if depth >= self.height_limit or len(X) <= 1:
            return node
        lo, hi = X.min(0), X.max(0)
        candidates = np.flatnonzero(hi > lo)
        if len(candidates) == 0:  # all rows identical: cannot split further
            return node
        j = int(self.rng.choice(candidates))
        t = self.rng.uniform(lo[j], hi[j])
        go_left = X[:, j] < t
        self.feature[node], self.threshold[node] = j, t
        self.left[node] = self._grow(X[go_left], depth + 1)
        self.right[node] = self._grow(X[~go_left], depth + 1)
        return node

    def path_length(self, X):
        node, depth = np.zeros(X.shape[0], dtype=int), np.zeros(X.shape[0])
        while True:
            inner = self.left[node] != -1
            if not np.any(inner):
                return depth + average_path_length(self.size[node])
            i = np.flatnonzero(inner)
            go_left = X[i, self.feature[node[i]]] < self.threshold[node[i]]
            node[i] = np.where(go_left, self.left[node[i]], self.right[node[i]])
            depth[i] += 1


class IsolationForest(BaseEstimator):
    """Isolation forest anomaly detector.

    Parameters
    ----------
    n_estimators : int
        Number of trees $T$.
    max_samples : int
        Subsample size $\\psi$ per tree (capped at n).
    contamination : float
        Expected share of anomalies; sets the threshold used by ``predict``.
    random_state : int or None

    Attributes
    ----------
    estimators_ : list
    max_samples_ : int
    threshold_ : float
        Score above which ``predict`` returns -1 (anomaly).
    """

    def __init__(self, *, n_estimators=100, max_samples=256, contamination=0.1, random_state=0):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X)
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        self.max_samples_ = min(int(self.max_samples), n)
        height = int(np.ceil(np.log2(max(self.max_samples_, 2))))
        self.estimators_ = []
        for _ in range(self.n_estimators):
            rows = rng.choice(n, self.max_samples_, replace=False)
            self.estimators_.append(_IsolationTree(height, rng).fit(X[rows]))
        self.threshold_ = float(np.quantile(self.score_samples(X), 1.0 - self.contamination))
        return self

    def score_samples(self, X):
        """Anomaly score $s(x) = 2^{-E[h(x)]/c(\\psi)}$, shape (n_samples,); higher is more anomalous."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        mean_path = np.mean([t.path_length(X) for t in self.estimators_], axis=0)
        c = float(average_path_length(self.max_samples_))
        if c == 0.0:  # trees grown on one sample isolate nothing: the neutral score 0.5, as scikit-learn gives
            return np.full(X.shape[0], 0.5)
        return 2.0 ** (-mean_path / c)

    def predict(self, X):
        """-1 for anomalies (score above ``threshold_``), +1 for inliers."""
        return np.where(self.score_samples(X) > self.threshold_, -1, 1)


ESTIMATOR = IsolationForest
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"n_estimators": 10}


def demo(n_estimators: int = 100, max_samples: int = 256, n_outliers: int = 30) -> DemoResult:
    """Two Gaussian clusters plus uniform outliers: ROC AUC of the scores against scikit-learn's IsolationForest."""
    from sklearn.ensemble import IsolationForest as SkIsolationForest
    from sklearn.metrics import roc_auc_score

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    inliers = np.r_[rng.normal(-2, 0.6, (250, 2)), rng.normal(2, 0.6, (250, 2))]
    outliers = rng.uniform(-6, 6, (n_outliers, 2))
    X = np.r_[inliers, outliers]
    is_out = np.r_[np.zeros(len(inliers)), np.ones(n_outliers)]
    ours = IsolationForest(n_estimators=n_estimators, max_samples=max_samples).fit(X)
    ref = SkIsolationForest(n_estimators=n_estimators, max_samples=min(max_samples, len(X)), random_state=0).fit(X)
    g = np.linspace(-7, 7, 120)
    gx, gy = np.meshgrid(g, g)
    s = ours.score_samples(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    fig, ax = new_figure()
    cs = ax.contourf(gx, gy, s, levels=20, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="anomaly score $s(x)$")
    ax.scatter(inliers[:, 0], inliers[:, 1], s=5, c="w")
    ax.scatter(outliers[:, 0], outliers[:, 1], s=15, c="r", marker="x")
    ax.set_title("isolation forest scores")
    return DemoResult(
        metrics={"roc_auc": float(roc_auc_score(is_out, ours.score_samples(X)))},
        reference={"roc_auc": float(roc_auc_score(is_out, -ref.score_samples(X)))},
        figure=fig,
        reference_name="sklearn.ensemble.IsolationForest",
    )
