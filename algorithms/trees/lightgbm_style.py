r"""LightGBM-style boosting: histogram split finding, leaf-wise growth and GOSS sampling.

The loss is handled as in XGBoost (second order: leaf weight $-G/(H+\lambda)$, split gain
$\frac12[G_L^2/(H_L+\lambda) + G_R^2/(H_R+\lambda) - G^2/(H+\lambda)]$); what changes is how splits are found and
which rows are used.

* **Histograms.** Each feature is bucketed once into at most ``max_bins`` bins (cut points at quantiles, or
  between the distinct values when there are fewer). Finding a node's best split then means summing $g$ and $h$
  per bin — $O(n)$ per feature, no sorting — and scanning at most ``max_bins`` bin boundaries. The histogram of
  a child equals the parent's minus its sibling's, so only the smaller child is built from data
  (the *histogram subtraction* trick).
* **Leaf-wise growth.** Instead of growing level by level, repeatedly split the leaf whose best split has the
  largest gain, until the tree has ``num_leaves`` leaves. For the same number of leaves this lowers the loss
  more than depth-wise growth, at the risk of deep, narrow trees (hence ``min_child_samples``).
* **GOSS (gradient-based one-side sampling).** Keep the $a\cdot n$ rows with the largest $|g_i|$, sample
  $b\cdot n$ of the rest uniformly, and multiply the sampled rows' $g$ and $h$ by $(1-a)/b$ so that sums over
  the sample remain unbiased estimates of sums over all rows. Small-gradient rows are already well fitted,
  so they carry little information about the split gain.

References: [@ke2017lightgbm], [@chen2016xgboost].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def bin_edges(x: np.ndarray, max_bins: int) -> np.ndarray:
    """Upper bin edges for one feature: bin b holds edges[b-1] < x <= edges[b] (the last bin is open)."""
    u = np.unique(x)
    if len(u) <= max_bins:
        return (u[:-1] + u[1:]) / 2
    q = np.quantile(x, np.linspace(0, 1, max_bins + 1)[1:-1])
    return np.unique(q)


def goss_sample(g: np.ndarray, top_rate: float, other_rate: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and multiplicative weights chosen by GOSS (weights are 1 for the top rows)."""
    n = len(g)
    if top_rate + other_rate >= 1.0:
        return np.arange(n), np.ones(n)
    # at least one row of each kind: on tiny data int(rate * n) is 0 and the tree would see no gradient at all
    n_top = min(n, max(1, int(top_rate * n)))
    n_other = min(n - n_top, max(1, int(other_rate * n)) if other_rate > 0 else 0)
    order = np.argsort(-np.abs(g), kind="stable")
    top, rest = order[:n_top], order[n_top:]
    other = rng.choice(rest, size=n_other, replace=False)
    weights = np.r_[np.ones(n_top), np.full(n_other, (1.0 - top_rate) / other_rate if n_other else 1.0)]
    return np.r_[top, other], weights


class _HistogramTree:
    """A leaf-wise tree over binned features; stores splits as (feature, raw threshold)."""

    def __init__(self, num_leaves, reg_lambda, min_child_samples, n_bins):
        self.num_leaves, self.reg_lambda = num_leaves, reg_lambda
        self.min_child_samples, self.n_bins = min_child_samples, n_bins

    def _histogram(self, Xb, g, h, idx):
        """(d, B, 3) sums of g, h and counts per feature and bin over rows idx."""
        d, B = Xb.shape[1], self.n_bins
        codes = (Xb[idx] + np.arange(d) * B).ravel()  # (len(idx) * d,)
        hist = np.empty((d, B, 3))
        hist[:, :, 0] = np.bincount(codes, np.repeat(g[idx], d), minlength=d * B).reshape(d, B)
        hist[:, :, 1] = np.bincount(codes, np.repeat(h[idx], d), minlength=d * B).reshape(d, B)
        hist[:, :, 2] = np.bincount(codes, minlength=d * B).reshape(d, B)
        return hist

    def _best_split(self, hist):
        lam = self.reg_lambda
        cum = np.cumsum(hist, axis=1)[:, :-1, :]  # (d, B-1, 3): left sums for "bin <= b"
        tot = hist.sum(axis=1)[:, None, :]  # (d, 1, 3)
        GL, HL, NL = cum[..., 0], cum[..., 1], cum[..., 2]
        GR, HR, NR = tot[..., 0] - GL, tot[..., 1] - HL, tot[..., 2] - NL
        with np.errstate(divide="ignore", invalid="ignore"):  # empty sides with lambda = 0
            gain = 0.5 * (GL**2 / (HL + lam) + GR**2 / (HR + lam) - tot[..., 0] ** 2 / (tot[..., 1] + lam))
        ok = (NL >= self.min_child_samples) & (NR >= self.min_child_samples) & np.isfinite(gain)
        gain = np.where(ok, gain, -np.inf)
        if gain.size == 0:  # one bin per feature (every column constant): nothing to split
            return -np.inf, 0, 0
        j, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
        return float(gain[j, b]), int(j), int(b)

    def fit(self, Xb, edges, g, h, rows):
        self.feature, self.threshold, self.left, self.right, self.value = [-1], [np.nan], [-1], [-1], [0.0]
        hist = self._histogram(Xb, g, h, rows)
        leaves = {0: (rows, hist, *self._best_split(hist))}  # node -> (rows, histogram, gain, feature, bin)
        while len(leaves) < self.num_leaves:
            node = max(leaves, key=lambda k: leaves[k][2])
            idx, hist, gain, j, b = leaves[node]
            if not np.isfinite(gain) or gain <= 1e-12:
                break
            del leaves[node]
            go_left = Xb[idx, j] <= b
            li, ri = idx[go_left], idx[~go_left]
            small, large = (li, ri) if len(li) <= len(ri) else (ri, li)
            h_small = self._histogram(Xb, g, h, small)
            h_large = hist - h_small  # histogram subtraction
            h_left, h_right = (h_small, h_large) if small is li else (h_large, h_small)
            self.feature[node], self.threshold[node] = j, edges[j][b] if b < len(edges[j]) else np.inf
            for child_rows, child_hist, side in ((li, h_left, self.left), (ri, h_right, self.right)):
                side[node] = len(self.feature)
                self.feature.append(-1)
                self.threshold.append(np.nan)
                self.left.append(-1)
                self.right.append(-1)
                self.value.append(0.0)
                leaves[side[node]] = (child_rows, child_hist, *self._best_split(child_hist))
        for node, (_rows, hist, *_rest) in leaves.items():
            G, H = hist[0, :, 0].sum(), hist[0, :, 1].sum()
            self.value[node] = -G / (H + self.reg_lambda) if H + self.reg_lambda > 0 else 0.0
        for name in ("feature", "threshold", "left", "right", "value"):
            setattr(self, name, np.array(getattr(self, name)))
        return self

    def predict(self, X):
        node = np.zeros(X.shape[0], dtype=int)
        while True:
            inner = self.left[node] != -1
            if not np.any(inner):
                return self.value[node]
            i = np.flatnonzero(inner)
            go_left = X[i, self.feature[node[i]]] <= self.threshold[node[i]]
            node[i] = np.where(go_left, self.left[node[i]], self.right[node[i]])


class LightGBMStyleClassifier(ClassifierMixin, BaseEstimator):
    """Histogram-based, leaf-wise gradient boosting for binary classification, with GOSS.

    Parameters
    ----------
    n_estimators : int
    learning_rate : float
    num_leaves : int
        Leaves per tree (leaf-wise growth).
    max_bins : int
        Histogram bins per feature.
    reg_lambda : float
        L2 penalty on leaf weights.
    min_child_samples : int
        Minimum rows in a child.
    top_rate, other_rate : float
        GOSS fractions $a$ and $b$; ``top_rate + other_rate >= 1`` disables GOSS.
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    bin_edges_ : list of ndarray
    estimators_ : list
    train_loss_ : list of float
    """

    def __init__(self, *, n_estimators=100, learning_rate=0.1, num_leaves=31, max_bins=255, reg_lambda=0.0,
                 min_child_samples=20, top_rate=0.2, other_rate=0.1, random_state=0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_bins = max_bins
        self.reg_lambda = reg_lambda
        self.min_child_samples = min_child_samples
        self.top_rate = top_rate
        self.other_rate = other_rate
        self.random_state = random_state

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        y = (y_raw == self.classes_[1]).astype(float)
        n, d = X.shape
        self.n_features_in_ = d
        self.bin_edges_ = [bin_edges(X[:, j], self.max_bins) for j in range(d)]
        Xb = np.column_stack([np.searchsorted(e, X[:, j], side="left") for j, e in enumerate(self.bin_edges_)])
        n_bins = int(Xb.max()) + 1
        rng = check_random_state(self.random_state)
        p0 = y.mean()
        self.init_ = float(np.log(p0 / (1 - p0)))
        F = np.full(n, self.init_)
        self.estimators_, self.train_loss_ = [], []
        for _ in range(self.n_estimators):
            p = 1.0 / (1.0 + np.exp(-F))
            g, h = p - y, np.maximum(p * (1 - p), 1e-16)
            rows, w = goss_sample(g, self.top_rate, self.other_rate, rng)
            g_w, h_w = np.zeros(n), np.zeros(n)
            g_w[rows], h_w[rows] = g[rows] * w, h[rows] * w  # amplified small-gradient rows
            tree = _HistogramTree(self.num_leaves, self.reg_lambda, self.min_child_samples, n_bins)
            tree.fit(Xb, self.bin_edges_, g_w, h_w, np.sort(rows))
            F += self.learning_rate * tree.predict(X)
            self.estimators_.append(tree)
            self.train_loss_.append(float(np.mean(np.logaddexp(0, F) - y * F)))
        return self

    def decision_function(self, X):
        """Log-odds, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        F = np.full(X.shape[0], self.init_)
        for tree in self.estimators_:
            F += self.learning_rate * tree.predict(X)
        return F

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, 2)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.c_[1 - p, p]

    def predict(self, X):
        """Predicted labels."""
        F = self.decision_function(X)
        return self.classes_[(F > 0).astype(int)]


ESTIMATOR = LightGBMStyleClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 5, "min_child_samples": 2}


def demo(n_estimators: int = 60, num_leaves: int = 15, top_rate: float = 0.2, other_rate: float = 0.1,
         max_bins: int = 63) -> DemoResult:
    """Synthetic 2 000-row task: with and without GOSS, against scikit-learn's HistGradientBoostingClassifier."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(2000, 10, n_informative=6, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    kw = dict(n_estimators=n_estimators, num_leaves=num_leaves, max_bins=max_bins)
    ours = LightGBMStyleClassifier(top_rate=top_rate, other_rate=other_rate, **kw).fit(Xtr, ytr)
    full = LightGBMStyleClassifier(top_rate=1.0, other_rate=0.0, **kw).fit(Xtr, ytr)
    ref = HistGradientBoostingClassifier(max_iter=n_estimators, max_leaf_nodes=num_leaves, max_bins=max_bins,
                                         early_stopping=False, random_state=0).fit(Xtr, ytr)
    fig, ax = new_figure()
    rounds = np.arange(1, n_estimators + 1)
    ax.plot(rounds, ours.train_loss_, label=f"GOSS a={top_rate}, b={other_rate}")
    ax.plot(rounds, full.train_loss_, label="all rows")
    ax.set_xlabel("round")
    ax.set_ylabel("training log-loss")
    ax.set_yscale("log")
    ax.set_title("leaf-wise histogram boosting")
    ax.legend()
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "test_log_loss": float(log_loss(yte, ours.predict_proba(Xte)))},
        reference={"test_accuracy": float(ref.score(Xte, yte)),
                   "test_log_loss": float(log_loss(yte, ref.predict_proba(Xte)))},
        figure=fig,
        reference_name="sklearn.ensemble.HistGradientBoostingClassifier",
        extra={"no_goss_test_accuracy": full.score(Xte, yte)},
    )
