r"""Random forest: bagged trees that also sample the candidate features at every split.

Each of the $B$ trees is grown to full depth on a bootstrap sample, and at every node only a random subset of
$m$ of the $d$ features is searched (``max_features``, $m=\lfloor\sqrt d\rfloor$ by default for classification).
Predictions average the trees' class distributions. Feature sampling decorrelates the trees: the variance of the
average, $\rho\sigma^2 + \frac{1-\rho}{B}\sigma^2$, falls with the between-tree correlation $\rho$, which bagging
alone cannot reduce when a few strong features dominate every tree's top splits. Out-of-bag accuracy estimates
test accuracy; mean decrease in impurity (averaged over trees) ranks features, biased toward high-cardinality
features [@strobl2007bias].

This module reuses :class:`mlnotes.algorithms.trees.bagging.BaggingClassifier` with ``max_features`` set.

References: [@breiman2001random], [@hastie2009elements] ch. 15.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.trees.bagging import BaggingClassifier


class RandomForestClassifier(BaggingClassifier):
    """Random forest classifier.

    Parameters
    ----------
    n_estimators : int
    max_depth : int or None
    max_features : None, "sqrt", "log2", int or float
        Features examined at each split (default ``"sqrt"``).
    random_state : int or None

    Attributes
    ----------
    classes_, estimators_, oob_score_, feature_importances_
        As in :class:`BaggingClassifier`.
    """

    def __init__(self, *, n_estimators=100, max_depth=None, max_features="sqrt", random_state=0):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_features = max_features
        self.random_state = random_state

    splitter = "best"
    bootstrap = True


ESTIMATOR = RandomForestClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 5}


def demo(n_estimators: int = 50, max_features: str = "sqrt") -> DemoResult:
    """Breast cancer: test and OOB accuracy, feature importances, against scikit-learn's random forest."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier as SkForest
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    data = load_breast_cancer()
    Xtr, Xte, ytr, yte = train_test_split(data.data, data.target, test_size=0.3, random_state=0)
    mf = None if max_features == "all" else max_features
    ours = RandomForestClassifier(n_estimators=n_estimators, max_features=mf).fit(Xtr, ytr)
    ref = SkForest(n_estimators=n_estimators, max_features=mf, oob_score=True, random_state=0).fit(Xtr, ytr)
    top = np.argsort(ref.feature_importances_)[::-1][:10]
    fig, ax = new_figure(width=7)
    pos = np.arange(len(top))
    ax.barh(pos - 0.2, ours.feature_importances_[top], height=0.4, label="ours")
    ax.barh(pos + 0.2, ref.feature_importances_[top], height=0.4, label="sklearn")
    ax.set_yticks(pos, [data.feature_names[i] for i in top], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mean decrease in impurity")
    ax.set_title("random forest feature importances (top 10)")
    ax.legend()
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "oob_accuracy": ours.oob_score_},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "oob_accuracy": float(ref.oob_score_)},
        figure=fig,
        reference_name="sklearn.ensemble.RandomForestClassifier",
    )
