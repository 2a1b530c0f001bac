r"""AdaBoost, multi-class SAMME variant, with decision stumps.

Start with uniform sample weights $w_i = 1/n$. For $m = 1..M$:

1. fit a weak learner $h_m$ (a depth-1 tree) to the weighted data;
2. weighted error $\mathrm{err}_m = \sum_i w_i\,\mathbb 1[h_m(x_i)\ne y_i] / \sum_i w_i$;
3. learner weight $\alpha_m = \eta\left(\log\frac{1-\mathrm{err}_m}{\mathrm{err}_m} + \log(K-1)\right)$;
4. re-weight $w_i \leftarrow w_i \exp\!\big(\alpha_m\mathbb 1[h_m(x_i)\ne y_i]\big)$ and normalise.

Predict $\hat y(x) = \arg\max_k \sum_m \alpha_m \mathbb 1[h_m(x) = k]$. The $\log(K-1)$ term makes
$\alpha_m > 0$ whenever the learner beats random guessing ($\mathrm{err}_m < 1 - 1/K$); for $K=2$ it is the
original AdaBoost. SAMME is forward stagewise additive modelling under the multi-class exponential loss
$\exp(-\frac1K \mathbf y^\top f(x))$. Boosting stops early if a learner is perfect or no better than chance.

References: [@freund1997decision], [@hastie2009multi].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.trees.cart import DecisionTreeClassifier


class AdaBoostClassifier(ClassifierMixin, BaseEstimator):
    """SAMME boosting of shallow trees.

    Parameters
    ----------
    n_estimators : int
        Maximum number of boosting rounds $M$.
    learning_rate : float
        Shrinkage $\\eta$ of each learner weight.
    max_depth : int
        Depth of the weak learners (1: stumps).

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    estimators_ : list of DecisionTreeClassifier
    estimator_weights_ : ndarray of shape (n_rounds,)
    estimator_errors_ : ndarray of shape (n_rounds,)
    """

    def __init__(self, *, n_estimators=50, learning_rate=1.0, max_depth=1):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError("y must contain at least 2 classes")
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        w = np.full(n, 1.0 / n)
        self.estimators_, alphas, errors = [], [], []
        for _ in range(self.n_estimators):
            stump = DecisionTreeClassifier(max_depth=self.max_depth).fit(X, y_idx, sample_weight=w)
            miss = stump.predict(X) != y_idx  # (n,) bool
            err = float(w[miss].sum() / w.sum())
            if err <= 0:  # a perfect learner: keep it with weight 1 and stop
                self.estimators_.append(stump)
                alphas.append(1.0)
                errors.append(0.0)
                break
            if err >= 1.0 - 1.0 / K:  # no better than chance: stop (keep what we have)
                if not self.estimators_:
                    raise ValueError("the first weak learner is no better than chance; boosting cannot start")
                break
            alpha = self.learning_rate * (np.log((1 - err) / err) + np.log(K - 1))
            w = w * np.exp(alpha * miss)
            w /= w.sum()
            self.estimators_.append(stump)
            alphas.append(alpha)
            errors.append(err)
        self.estimator_weights_ = np.array(alphas)
        self.estimator_errors_ = np.array(errors)
        return self

    def decision_function(self, X):
        """Class votes $\\sum_m \\alpha_m \\mathbb 1[h_m(x)=k]$, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        votes = np.zeros((X.shape[0], len(self.classes_)))
        for alpha, stump in zip(self.estimator_weights_, self.estimators_):
            pred = stump.classes_[np.argmax(stump.predict_proba(X), axis=1)]
            votes[np.arange(X.shape[0]), pred] += alpha
        return votes

    def staged_score(self, X, y):
        """Accuracy after each boosting round (a learning curve)."""
        check_is_fitted(self)
        X = check_array(X)
        y = np.asarray(y)
        votes = np.zeros((X.shape[0], len(self.classes_)))
        out = []
        for alpha, stump in zip(self.estimator_weights_, self.estimators_):
            votes[np.arange(X.shape[0]), stump.predict(X)] += alpha
            out.append(float(np.mean(self.classes_[np.argmax(votes, 1)] == y)))
        return out

    def predict(self, X):
        """Class with the most weighted votes."""
        votes = self.decision_function(X)
        return self.classes_[np.argmax(votes, axis=1)]


ESTIMATOR = AdaBoostClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 5}


def demo(n_estimators: int = 50, learning_rate: float = 1.0) -> DemoResult:
    """Breast cancer with stumps: staged accuracy, against scikit-learn's AdaBoostClassifier (SAMME)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import AdaBoostClassifier as SkAda
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier as SkTree

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = AdaBoostClassifier(n_estimators=n_estimators, learning_rate=learning_rate).fit(Xtr, ytr)
    ref = SkAda(SkTree(max_depth=1), n_estimators=n_estimators, learning_rate=learning_rate,
                random_state=0).fit(Xtr, ytr)
    fig, ax = new_figure()
    rounds = np.arange(1, len(ours.estimators_) + 1)
    ax.plot(rounds, ours.staged_score(Xtr, ytr), label="train (ours)")
    ax.plot(rounds, ours.staged_score(Xte, yte), label="test (ours)")
    ax.plot(np.arange(1, len(ref.estimators_) + 1), list(ref.staged_score(Xte, yte)), "--", label="test (sklearn)")
    ax.set_xlabel("boosting round")
    ax.set_ylabel("accuracy")
    ax.set_title("AdaBoost (SAMME) with stumps")
    ax.legend()
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "train_accuracy": ours.score(Xtr, ytr)},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "train_accuracy": float(ref.score(Xtr, ytr))},
        figure=fig,
        reference_name="sklearn.ensemble.AdaBoostClassifier (SAMME)",
    )
