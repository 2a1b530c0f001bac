r"""Bootstrap aggregating (bagging) of decision trees.

Draw $B$ bootstrap samples (size $n$, with replacement) from the training set, fit a full-depth tree $f_b$ on
each and average their class-probability estimates:

$$ \hat p(y=k\mid x) = \frac1B\sum_{b=1}^B \hat p_b(y=k\mid x). $$

If each tree has variance $\sigma^2$ and two trees' predictions correlate with coefficient $\rho$, the average has
variance $\rho\sigma^2 + \frac{1-\rho}{B}\sigma^2$: bagging removes the second term, so it helps unstable,
low-bias learners such as deep trees. A bootstrap sample leaves out each point with probability
$(1-1/n)^n \to e^{-1}\approx 0.368$; predicting every point with only the trees that did not see it gives the
out-of-bag (OOB) estimate of generalisation accuracy for free.

References: [@breiman1996bagging], [@hastie2009elements] §8.7.
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
from mlnotes.algorithms.trees.cart import DecisionTreeClassifier


class BaggingClassifier(ClassifierMixin, BaseEstimator):
    """Bagged CART classifiers with an out-of-bag score.

    Parameters
    ----------
    n_estimators : int
        Number of trees $B$.
    max_depth : int or None
        Depth limit of each tree (``None``: grow until pure).
    max_features : None, "sqrt", "log2", int or float
        Features examined per split (``None`` for plain bagging; the random forest subclasses this).
    splitter : {"best", "random"}
    bootstrap : bool
        Resample the rows (``False`` trains every tree on all rows, as extra trees do).
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    estimators_ : list of DecisionTreeClassifier
    oob_score_ : float
        OOB accuracy (``nan`` without bootstrap).
    feature_importances_ : ndarray of shape (n_features,)
    """

    def __init__(self, *, n_estimators=50, max_depth=None, max_features=None, splitter="best", bootstrap=True,
                 random_state=0):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_features = max_features
        self.splitter = splitter
        self.bootstrap = bootstrap
        self.random_state = random_state

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n, d = X.shape
        K = len(self.classes_)
        self.n_features_in_ = d
        rng = check_random_state(self.random_state)
        self.estimators_ = []
        oob_sum = np.zeros((n, K))
        for _ in range(self.n_estimators):
            rows = rng.integers(0, n, n) if self.bootstrap else np.arange(n)
            tree = DecisionTreeClassifier(max_depth=self.max_depth, max_features=self.max_features,
                                          splitter=self.splitter, random_state=int(rng.integers(2**31)))
            # fit on the bootstrap rows; a tree may miss a class, so map its classes back to ours
            tree.fit(X[rows], y_idx[rows])
            self.estimators_.append(tree)
            if self.bootstrap:
                out = np.setdiff1d(np.arange(n), rows)
                if len(out):
                    oob_sum[np.ix_(out, tree.classes_)] += tree.predict_proba(X[out])
        covered = oob_sum.sum(1) > 0
        self.oob_score_ = float(np.mean(np.argmax(oob_sum[covered], 1) == y_idx[covered])) if self.bootstrap \
            else float("nan")
        self.feature_importances_ = np.mean([t.feature_importances_ for t in self.estimators_], axis=0)
        return self

    def predict_proba(self, X):
        """Average of the trees' class distributions, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        P = np.zeros((X.shape[0], len(self.classes_)))
        for tree in self.estimators_:
            P[:, tree.classes_] += tree.predict_proba(X)
        return P / len(self.estimators_)

    def predict(self, X):
        """Class with the highest averaged probability."""
        P = self.predict_proba(X)
        return self.classes_[np.argmax(P, axis=1)]


ESTIMATOR = BaggingClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 5}


def demo(n_estimators: int = 30, max_depth: int = 0) -> DemoResult:
    """Two moons: bagged trees vs a single tree; accuracy against scikit-learn's BaggingClassifier."""
    from sklearn.datasets import make_moons
    from sklearn.ensemble import BaggingClassifier as SkBagging
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier as SkTree

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    depth = None if max_depth == 0 else max_depth
    X, y = make_moons(400, noise=0.3, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    ours = BaggingClassifier(n_estimators=n_estimators, max_depth=depth).fit(Xtr, ytr)
    single = DecisionTreeClassifier(max_depth=depth).fit(Xtr, ytr)
    ref = SkBagging(SkTree(max_depth=depth), n_estimators=n_estimators, oob_score=True, random_state=0).fit(Xtr, ytr)
    fig, (ax0, ax1) = new_figure(ncols=2)
    decision_boundary(ax0, single.predict, X, y, "one deep tree")
    decision_boundary(ax1, ours.predict, X, y, f"bagging, {n_estimators} trees")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "oob_accuracy": ours.oob_score_},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "oob_accuracy": float(ref.oob_score_)},
        figure=fig,
        reference_name="sklearn.ensemble.BaggingClassifier",
        extra={"single_tree_test_accuracy": single.score(Xte, yte)},
    )
