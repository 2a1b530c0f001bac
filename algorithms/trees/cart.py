r"""CART decision trees for classification and regression.

A binary tree partitions feature space by axis-aligned tests $x_j \le t$. It is grown greedily: at a node holding
samples $S$ (with weights $w_i$), try every feature $j$ and every threshold $t$ half-way between consecutive
distinct sorted values, and keep the split that minimises the weighted child impurity

$$ \frac{W_L}{W}\, I(S_L) + \frac{W_R}{W}\, I(S_R), \qquad W_\bullet = \textstyle\sum_{i\in S_\bullet} w_i . $$

Impurities: Gini $I = 1 - \sum_k p_k^2$ or entropy $I = -\sum_k p_k\log_2 p_k$ for classification ($p_k$ the
weighted class shares), and the weighted variance $I = \frac1W\sum_i w_i(y_i - \bar y)^2$ for regression (the
squared-error criterion). With the samples sorted by $x_j$, the class counts (or $\sum w, \sum wy, \sum wy^2$) of
every left child are prefix sums, so one feature costs $O(n\log n)$ and a level of the tree $O(dn\log n)$.
Growth stops at ``max_depth``, below ``min_samples_split``, at pure nodes, or when no split leaves
``min_samples_leaf`` samples on both sides. A leaf predicts its class distribution (its majority class) or its
mean.

Randomised variants used by the ensembles in this folder: ``max_features`` draws a random subset of features at
every node (random forests [@breiman2001random]; if none of them admits a valid split, further features are tried,
as scikit-learn does), and ``splitter="random"`` draws one uniform threshold per candidate feature (extremely
randomised trees [@geurts2006extremely]). Feature importance is the total weighted impurity decrease a feature
achieves, normalised to sum to one (mean decrease in impurity).

References: [@breiman1984classification], [@hastie2009elements] §9.2.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def _n_candidate_features(max_features, d: int) -> int:
    if max_features is None:
        return d
    if max_features == "sqrt":
        return max(1, int(np.sqrt(d)))
    if max_features == "log2":
        return max(1, int(np.log2(d)))
    if isinstance(max_features, float):
        return max(1, int(max_features * d))
    if isinstance(max_features, (int, np.integer)) and 1 <= max_features <= d:
        return int(max_features)
    raise ValueError(f"max_features must be None, 'sqrt', 'log2', a float in (0, 1] or an int in [1, {d}]; "
                     f"got {max_features!r}")


def _impurity(stats: np.ndarray, weight: np.ndarray, criterion: str) -> np.ndarray:
    """Impurity of candidate children from their sufficient statistics.

    ``stats`` is (m, K) weighted class counts for classification, or (m, 2) = (sum w y, sum w y^2) for regression;
    ``weight`` is (m,) total weights. Returns (m,) impurities.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if criterion == "gini":
            p = stats / weight[:, None]
            return 1.0 - np.sum(p**2, axis=1)
        if criterion == "entropy":
            p = stats / weight[:, None]
            return -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0), axis=1)
        mean = stats[:, 0] / weight
        return np.maximum(stats[:, 1] / weight - mean**2, 0.0)  # weighted variance


class _TreeBuilder:
    """Grows one tree depth-first and stores it in flat arrays (node 0 is the root)."""

    def __init__(self, *, criterion, max_depth, min_samples_split, min_samples_leaf, max_features, splitter, rng):
        self.criterion, self.max_depth = criterion, max_depth
        self.min_samples_split, self.min_samples_leaf = min_samples_split, min_samples_leaf
        self.max_features, self.splitter, self.rng = max_features, splitter, rng

    def build(self, X, T, w):
        """X (n, d); T (n, K) per-sample statistics (one-hot labels, or (y, y^2)); w (n,) sample weights."""
        self.X, self.T, self.w = X, T, w
        self.k_features = _n_candidate_features(self.max_features, X.shape[1])
        self.feature, self.threshold, self.left, self.right, self.value = [], [], [], [], []
        self.n_node_samples, self.weighted_n_node_samples = [], []
        self.impurity, self.importance = [], np.zeros(X.shape[1])
        # depth-first, left child first, with an explicit stack: an unbounded tree on n points can be n - 1 levels
        # deep (2,100 alternating labels on one feature), beyond Python's recursion limit
        stack = [(np.arange(X.shape[0]), 0, -1, False)]  # (rows, depth, parent, is_right_child)
        while stack:
            idx, depth, parent, is_right = stack.pop()
            node, split = self._make_node(idx, depth)
            if parent >= 0:
                (self.right if is_right else self.left)[parent] = node
            if split is not None:
                go_left = split
                stack.append((idx[~go_left], depth + 1, node, True))
                stack.append((idx[go_left], depth + 1, node, False))
        return self

    def _node_value(self, stats, weight):
        if self.criterion in ("gini", "entropy"):
            return stats / weight  # class distribution
        return np.array([stats[0] / weight])  # mean

    def _make_node(self, idx, depth):
        """Append the node for rows ``idx``; return (its index, the left-child mask of its split or None)."""
        node = len(self.feature)
        stats = (self.T[idx] * self.w[idx, None]).sum(0)  # (K,)
        weight = self.w[idx].sum()
        imp = float(_impurity(stats[None], np.array([weight]), self.criterion)[0])
        for lst, v in ((self.feature, -1), (self.threshold, np.nan), (self.left, -1), (self.right, -1)):
            lst.append(v)
        self.value.append(self._node_value(stats, weight))
        self.n_node_samples.append(len(idx))
        self.weighted_n_node_samples.append(float(weight))
        self.impurity.append(imp)
        if (self.max_depth is not None and depth >= self.max_depth) or len(idx) < self.min_samples_split \
                or len(idx) < 2 * self.min_samples_leaf or imp <= 1e-12:
            return node, None
        split = self._best_split(idx, stats, weight)
        if split is None:
            return node, None
        j, t, child_imp = split
        self.importance[j] += weight * imp - child_imp  # weighted impurity decrease (normalised later)
        self.feature[node], self.threshold[node] = j, t
        return node, self.X[idx, j] <= t

    def _best_split(self, idx, stats, weight):
        d = self.X.shape[1]
        order_features = self.rng.permutation(d) if self.k_features < d else np.arange(d)
        best, best_score, visited = None, np.inf, 0
        msl = self.min_samples_leaf
        Xi, Ti, wi = self.X[idx], self.T[idx], self.w[idx]  # the node's rows, gathered once
        for j in order_features:
            if visited >= self.k_features and best is not None:
                break
            visited += 1
            xs = Xi[:, j]
            if self.splitter == "random":
                lo, hi = xs.min(), xs.max()
                if hi <= lo:
                    continue
                t = self.rng.uniform(lo, hi)
                left = xs <= t
                if left.sum() < msl or (~left).sum() < msl:
                    continue
                wl = wi[left]
                s_l = (Ti[left] * wl[:, None]).sum(0)
                W_l = wl.sum()
                W_r = weight - W_l
                if W_l <= 0 or W_r <= 0:  # a child of zero weight has no value to predict
                    continue
                imp_l = _impurity(s_l[None], np.array([W_l]), self.criterion)[0]
                imp_r = _impurity((stats - s_l)[None], np.array([W_r]), self.criterion)[0]
                score = W_l * imp_l + W_r * imp_r
                if score < best_score - 1e-12:
                    best, best_score = (j, t, score), score
                continue
            order = np.argsort(xs, kind="stable")
            xs_sorted = xs[order]
            w_sorted = wi[order]
            cum_stats = np.cumsum(Ti[order] * w_sorted[:, None], axis=0)  # (m, K) left stats at i+1
            cum_w = np.cumsum(w_sorted)
            m = len(idx)
            pos = np.arange(msl, m - msl + 1)  # left child = first `pos` sorted samples
            pos = pos[xs_sorted[pos - 1] < xs_sorted[np.minimum(pos, m - 1)]]  # only between distinct values
            pos = pos[(cum_w[pos - 1] > 0) & (weight - cum_w[pos - 1] > 0)]  # both children of positive weight
            if len(pos) == 0:
                continue
            W_l = cum_w[pos - 1]
            W_r = weight - W_l
            imp_l = _impurity(cum_stats[pos - 1], W_l, self.criterion)
            imp_r = _impurity(stats[None] - cum_stats[pos - 1], W_r, self.criterion)
            scores = W_l * imp_l + W_r * imp_r  # (len(pos),) weighted child impurity
            k = int(np.argmin(scores))
            if scores[k] < best_score - 1e-12:
                p = pos[k]
                t = 0.5 * (xs_sorted[p - 1] + xs_sorted[p])
                if t == xs_sorted[p]:  # midpoint rounded up onto the right value
                    t = xs_sorted[p - 1]
                best, best_score = (j, t, float(scores[k])), float(scores[k])
        return best


class _BaseDecisionTree(BaseEstimator):
    def _fit(self, X, T, sample_weight, criterion):
        n, d = X.shape
        self.n_features_in_ = d
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("sample_weight must be a finite, non-negative array of shape (n_samples,)")
        if w.sum() <= 0:
            raise ValueError("sample_weight sums to zero; give at least one sample a positive weight.")
        check_params(self, splitter=dict(choices=("best", "random")),
                     max_depth=dict(kind=int, low=1, optional=True), min_samples_split=dict(kind=int, low=2),
                     min_samples_leaf=dict(kind=int, low=1))
        builder = _TreeBuilder(criterion=criterion, max_depth=self.max_depth,
                               min_samples_split=self.min_samples_split, min_samples_leaf=self.min_samples_leaf,
                               max_features=self.max_features, splitter=self.splitter,
                               rng=check_random_state(self.random_state)).build(X, T, w)
        self.feature_ = np.array(builder.feature)
        self.threshold_ = np.array(builder.threshold)
        self.children_left_ = np.array(builder.left)
        self.children_right_ = np.array(builder.right)
        self.value_ = np.array(builder.value)  # (n_nodes, K) or (n_nodes, 1)
        self.n_node_samples_ = np.array(builder.n_node_samples)
        self.weighted_n_node_samples_ = np.array(builder.weighted_n_node_samples)  # total sample weight per node
        self.impurity_ = np.array(builder.impurity)
        total = builder.importance.sum()
        self.feature_importances_ = builder.importance / total if total > 0 else builder.importance
        self.node_count_ = len(self.feature_)
        self.depth_ = self._depth(0)
        return self

    def _depth(self, root):
        depth, stack = 0, [(root, 0)]
        while stack:  # iterative: deep trees exceed the recursion limit
            node, d = stack.pop()
            depth = max(depth, d)
            if self.children_left_[node] != -1:
                stack += [(self.children_left_[node], d + 1), (self.children_right_[node], d + 1)]
        return depth

    def apply(self, X):
        """Index of the leaf each sample lands in, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        node = np.zeros(X.shape[0], dtype=int)
        active = self.children_left_[node] != -1
        while np.any(active):  # route all samples one level per pass
            i = np.flatnonzero(active)
            f = self.feature_[node[i]]
            go_left = X[i, f] <= self.threshold_[node[i]]
            node[i] = np.where(go_left, self.children_left_[node[i]], self.children_right_[node[i]])
            active = self.children_left_[node] != -1
        return node


class DecisionTreeClassifier(ClassifierMixin, _BaseDecisionTree):
    """CART classification tree.

    Parameters
    ----------
    criterion : {"gini", "entropy"}
    max_depth : int or None
    min_samples_split : int
    min_samples_leaf : int
    max_features : None, "sqrt", "log2", int or float
        Features examined per split (random subset when fewer than all).
    splitter : {"best", "random"}
        Exhaustive thresholds, or one random threshold per feature (extra trees).
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    feature_, threshold_, children_left_, children_right_ : ndarray of shape (n_nodes,)
        The tree; leaves have ``feature_ == -1``.
    value_ : ndarray of shape (n_nodes, K)
        Weighted class distribution at each node.
    n_node_samples_, weighted_n_node_samples_ : ndarray of shape (n_nodes,)
        Training samples reaching each node, and their total ``sample_weight`` (the node's cover).
    feature_importances_ : ndarray of shape (n_features,)
    """

    def __init__(self, *, criterion="gini", max_depth=None, min_samples_split=2, min_samples_leaf=1,
                 max_features=None, splitter="best", random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.splitter = splitter
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = check_X_y(X, y, y_numeric=False)
        if self.criterion not in ("gini", "entropy"):
            raise ValueError(f"criterion must be 'gini' or 'entropy', got {self.criterion!r}")
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        T = np.eye(len(self.classes_))[y_idx]  # (n, K) one-hot
        return self._fit(X, T, sample_weight, self.criterion)

    def predict_proba(self, X):
        """Leaf class distributions, shape (n_samples, K)."""
        leaves = self.apply(X)  # checks that the tree is fitted
        return self.value_[leaves]

    def predict(self, X):
        """Majority class of the leaf."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, _BaseDecisionTree):
    """CART regression tree (squared-error criterion); parameters as :class:`DecisionTreeClassifier`."""

    def __init__(self, *, max_depth=None, min_samples_split=2, min_samples_leaf=1, max_features=None,
                 splitter="best", random_state=None):
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.splitter = splitter
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = check_X_y(X, y)
        T = np.c_[y, y**2]  # (n, 2) sufficient statistics of the squared error
        return self._fit(X, T, sample_weight, "squared_error")

    def predict(self, X):
        """Leaf means, shape (n_samples,)."""
        leaves = self.apply(X)
        return self.value_[leaves, 0]


ESTIMATOR = DecisionTreeClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"max_depth": 3}


def demo(max_depth: int = 4, min_samples_leaf: int = 1, criterion: str = "gini") -> DemoResult:
    """Two moons: decision regions of a depth-limited tree; test accuracy against scikit-learn's tree."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier as SkTree

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    X, y = make_moons(400, noise=0.3, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    ours = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, criterion=criterion)
    ours.fit(Xtr, ytr)
    ref = SkTree(max_depth=max_depth, min_samples_leaf=min_samples_leaf, criterion=criterion,
                 random_state=0).fit(Xtr, ytr)
    fig, ax = new_figure()
    decision_boundary(ax, ours.predict, X, y, f"CART, depth {ours.depth_}, {ours.node_count_} nodes")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "n_nodes": float(ours.node_count_)},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "n_nodes": float(ref.tree_.node_count)},
        figure=fig,
        reference_name="sklearn.tree.DecisionTreeClassifier",
    )
