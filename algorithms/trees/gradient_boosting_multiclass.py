r"""Multiclass gradient boosting with the softmax (multinomial deviance) loss.

With $K$ classes the model keeps one raw score per class, $F_k(x)$, and predicts
$p_k(x) = e^{F_k(x)} / \sum_j e^{F_j(x)}$; the loss is the cross-entropy $-\sum_k y_k \log p_k$ [@friedman2001greedy].
Each boosting round fits $K$ regression trees, tree $k$ to the negative gradient $r_{ik} = y_{ik} - p_k(x_i)$, then
replaces each leaf's value by one Newton step for that leaf (Friedman's multiclass formula, also scikit-learn's):

$$ \gamma_{jk} = \frac{K-1}{K}\,\frac{\sum_{i \in R_{jk}} r_{ik}}{\sum_{i \in R_{jk}} |r_{ik}|\,(1 - |r_{ik}|)}, $$

and updates $F_k \leftarrow F_k + \nu\,\gamma_{jk}$ with learning rate $\nu$. The initial scores are the log class
priors. Cost: $K$ trees per round, so $O(K \cdot \text{rounds} \cdot n d \log n)$ to train. Binary classification is
the $K = 2$ case with one tree per round (the two gradients are negatives of each other).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, ClassifierMixin, check_array, check_is_fitted, check_X_y
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.trees.cart import DecisionTreeRegressor


def _softmax(F: np.ndarray) -> np.ndarray:
    e = np.exp(F - F.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class GradientBoostingMulticlass(ClassifierMixin, BaseEstimator):
    """Softmax gradient boosting with K CART regression trees per round and Newton leaf values."""

    def __init__(self, *, n_estimators: int = 50, learning_rate: float = 0.1, max_depth: int = 3,
                 min_samples_leaf: int = 1):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.n_estimators < 1:
            raise ValueError(f"n_estimators must be >= 1, got {self.n_estimators}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        self.classes_, yi = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError("y has a single class: there is nothing to separate")
        Y = np.eye(K)[yi]
        self.init_ = np.log(Y.mean(axis=0))
        F = np.tile(self.init_, (len(X), 1))
        self.trees_ = []
        for _ in range(self.n_estimators):
            R = Y - _softmax(F)  # negative gradients, (n, K)
            round_trees = []
            for k in range(K):
                tree = DecisionTreeRegressor(max_depth=self.max_depth,
                                             min_samples_leaf=self.min_samples_leaf).fit(X, R[:, k])
                leaves = tree.apply(X)
                gamma = {}
                for leaf in np.unique(leaves):
                    r = R[leaves == leaf, k]
                    den = np.sum(np.abs(r) * (1 - np.abs(r)))
                    gamma[leaf] = 0.0 if den < 1e-150 else (K - 1) / K * r.sum() / den
                F[:, k] += self.learning_rate * np.array([gamma[leaf] for leaf in leaves])
                round_trees.append((tree, gamma))
            self.trees_.append(round_trees)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        X = check_array(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, expected {self.n_features_in_}")
        F = np.tile(self.init_, (len(X), 1))
        for round_trees in self.trees_:
            for k, (tree, gamma) in enumerate(round_trees):
                F[:, k] += self.learning_rate * np.array([gamma[leaf] for leaf in tree.apply(X)])
        return F

    def predict_proba(self, X):
        return _softmax(self.decision_function(X))

    def predict(self, X):
        F = self.decision_function(X)
        return self.classes_[np.argmax(F, axis=1)]



ESTIMATOR = GradientBoostingMulticlass
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 3, "max_depth": 2}


def demo(n_estimators: int = 30, learning_rate: float = 0.2, max_depth: int = 2, seed: int = 0) -> DemoResult:
    """Softmax boosting on synthetic 3-class data against sklearn's GradientBoostingClassifier."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, n_redundant=0, n_classes=3,
                               random_state=seed)
    X = X.astype(np.float32).astype(float)  # sklearn's trees threshold in float32: use float32-exact inputs
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=seed, stratify=y)
    ours = GradientBoostingMulticlass(n_estimators=n_estimators, learning_rate=learning_rate,
                                      max_depth=max_depth).fit(Xtr, ytr)
    ref = GradientBoostingClassifier(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth,
                                     criterion="squared_error", random_state=0).fit(Xtr, ytr)

    def nll(P, yy):
        return float(-np.mean(np.log(np.clip(P[np.arange(len(yy)), yy], 1e-15, 1))))

    P, Pr = ours.predict_proba(Xtr), ref.predict_proba(Xtr)
    fig, ax = new_figure()
    ax.plot(P.ravel(), Pr.ravel(), ".", alpha=0.5)
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_xlabel("our class probabilities (train)")
    ax.set_ylabel("sklearn's")
    ax.set_title(f"Softmax gradient boosting, {n_estimators} rounds x 3 trees")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "train_log_loss": nll(P, ytr),
                 "test_log_loss": nll(ours.predict_proba(Xte), yte)},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "train_log_loss": nll(Pr, ytr),
                   "test_log_loss": nll(ref.predict_proba(Xte), yte)},
        figure=fig,
        reference_name="sklearn.ensemble.GradientBoostingClassifier(criterion='squared_error')",
        notes="Probabilities agree to rounding; on data where two splits tie exactly (pure nodes, repeated values) "
              "the trees can differ, since sklearn breaks ties by a random feature order.",
    )
