r"""Extremely randomised trees (extra trees).

Like a random forest, but (i) every tree sees the whole training set (no bootstrap) and (ii) at each node, for
each of $m$ randomly chosen features, a single threshold is drawn uniformly between the feature's minimum and
maximum in the node; the best of these $m$ random splits (by Gini impurity decrease) is kept. Choosing cut-points
at random trades a little bias for a large cut in variance and makes training cheaper: no sorting, $O(n)$ per
candidate feature instead of $O(n\log n)$. The averaged trees give smooth, almost piecewise-linear decision
boundaries.

This module reuses :class:`mlnotes.algorithms.trees.bagging.BaggingClassifier` with ``splitter="random"`` and
``bootstrap=False``.

References: [@geurts2006extremely].
"""

from __future__ import annotations

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.trees.bagging import BaggingClassifier


class ExtraTreesClassifier(BaggingClassifier):
    """Extremely randomised trees.

    Parameters
    ----------
    n_estimators : int
    max_depth : int or None
    max_features : None, "sqrt", "log2", int or float
    random_state : int or None
    """

    def __init__(self, *, n_estimators=100, max_depth=None, max_features="sqrt", random_state=0):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_features = max_features
        self.random_state = random_state

    splitter = "random"
    bootstrap = False


ESTIMATOR = ExtraTreesClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 5}


def demo(n_estimators: int = 50) -> DemoResult:
    """Two moons: extra-trees decision regions; test accuracy against scikit-learn's ExtraTreesClassifier."""
    from sklearn.datasets import make_moons
    from sklearn.ensemble import ExtraTreesClassifier as SkExtra
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    X, y = make_moons(400, noise=0.3, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    ours = ExtraTreesClassifier(n_estimators=n_estimators, max_features=None).fit(Xtr, ytr)
    ref = SkExtra(n_estimators=n_estimators, max_features=None, random_state=0).fit(Xtr, ytr)
    fig, (ax0, ax1) = new_figure(ncols=2)
    decision_boundary(ax0, ours.predict, X, y, "extra trees (ours)")
    decision_boundary(ax1, ref.predict, X, y, "extra trees (scikit-learn)")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte)},
        reference={"test_accuracy": float(ref.score(Xte, yte))},
        figure=fig,
        reference_name="sklearn.ensemble.ExtraTreesClassifier",
    )
