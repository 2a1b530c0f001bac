r"""Stacked generalisation: a meta-model learns how to combine base models from out-of-fold predictions.

Split the training set into $K$ folds. For each base model $m$ and fold $k$, fit $m$ on the other folds and
predict the held-out fold; concatenating gives out-of-fold predictions $\hat Z \in \mathbb R^{n\times M}$ (for binary
classification, the probability of class 1 from each base model). A meta-model (here a logistic regression) is
fitted on $(\hat Z, y)$. Finally each base model is refitted on all the data; at prediction time the base models'
outputs are fed to the meta-model.

Why out-of-fold: if the meta-model saw predictions made on the base models' own training rows, it would learn
to trust whichever base model overfits most. Out-of-fold predictions mimic the base models' behaviour on new
data. Stacking helps most when the base models are accurate and make different errors.

References: [@wolpert1992stacked], [@breiman1996stacked].
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
from mlnotes.algorithms.linear.logistic_regression import LogisticRegression
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.trees.cart import DecisionTreeClassifier
from mlnotes.algorithms.trees.random_forest import RandomForestClassifier


def default_base_models():
    """A linear model, a shallow tree and a small forest: accurate and different."""
    return [LogisticRegression(C=1.0), DecisionTreeClassifier(max_depth=4),
            RandomForestClassifier(n_estimators=20, random_state=0)]


def _clone(model):
    return type(model)(**model.get_params())


class StackingClassifier(ClassifierMixin, BaseEstimator):
    """Binary stacking with out-of-fold base predictions and a logistic-regression meta-model.

    Parameters
    ----------
    base_models : list of estimators or None
        Unfitted base models with ``fit`` and ``predict_proba`` (``None``: :func:`default_base_models`).
    n_folds : int
        Folds $K$ for the out-of-fold predictions.
    random_state : int or None
        Seed of the fold assignment.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    base_models_ : list
        Base models refitted on all rows.
    meta_model_ : LogisticRegression
    oof_predictions_ : ndarray of shape (n_samples, n_models)
    """

    def __init__(self, *, base_models=None, n_folds=5, random_state=0):
        self.base_models = base_models
        self.n_folds = n_folds
        self.random_state = random_state

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        y = (y_raw == self.classes_[1]).astype(int)
        n = X.shape[0]
        self.n_features_in_ = X.shape[1]
        models = self.base_models if self.base_models is not None else default_base_models()
        folds = check_random_state(self.random_state).permutation(n) % self.n_folds  # fold id per row
        Z = np.zeros((n, len(models)))
        for k in range(self.n_folds):
            test = folds == k
            for m, model in enumerate(models):
                fitted = _clone(model).fit(X[~test], y[~test])
                Z[test, m] = fitted.predict_proba(X[test])[:, 1]
        self.oof_predictions_ = Z
        self.meta_model_ = LogisticRegression(C=1.0).fit(Z, y)
        self.base_models_ = [_clone(model).fit(X, y) for model in models]
        return self

    def transform(self, X):
        """Base-model probabilities of class 1, shape (n_samples, n_models) — the meta-model's input."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.base_models_])

    def predict_proba(self, X):
        """Meta-model probabilities, shape (n_samples, 2)."""
        Z = self.transform(X)  # checks that the stack is fitted
        return self.meta_model_.predict_proba(Z)

    def predict(self, X):
        """Predicted labels."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p > 0.5).astype(int)]


ESTIMATOR = StackingClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_folds": 3}


def demo(n_folds: int = 3) -> DemoResult:
    """Breast cancer: stacked vs individual models, against scikit-learn's StackingClassifier."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier as SkForest
    from sklearn.ensemble import StackingClassifier as SkStacking
    from sklearn.linear_model import LogisticRegression as SkLogistic
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier as SkTree

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = StackingClassifier(n_folds=n_folds).fit(Xtr, ytr)
    ref = SkStacking([("lr", SkLogistic()), ("tree", SkTree(max_depth=4, random_state=0)),
                      ("rf", SkForest(20, random_state=0))],
                     final_estimator=make_pipeline(StandardScaler(with_std=False), SkLogistic()),
                     cv=n_folds).fit(Xtr, ytr)
    names = ["logistic", "tree", "forest"]
    single = [float(np.mean((m.predict_proba(Xte)[:, 1] > 0.5) == yte)) for m in ours.base_models_]
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.bar(names + ["stack"], single + [ours.score(Xte, yte)])
    ax0.set_ylim(0.85, 1.0)
    ax0.set_ylabel("test accuracy")
    ax0.set_title("base models vs stack")
    ax1.bar(names, ours.meta_model_.coef_)
    ax1.set_ylabel("meta-model weight")
    ax1.set_title("how the meta-model combines them")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte)},
        reference={"test_accuracy": float(ref.score(Xte, yte))},
        figure=fig,
        reference_name="sklearn.ensemble.StackingClassifier",
        extra=dict(zip([f"{n}_test_accuracy" for n in names], single)),
    )
