r"""Recursive feature elimination (RFE): refit, drop the least important features, repeat.

Starting from all $d$ features, fit the estimator, rank the surviving features by importance (the squared coefficients:
$w_j^2$ for one output, $\sum_k w_{kj}^2$ over classes for several, Guyon's criterion), remove the ``step`` least
important ones, and refit on the rest, until ``n_features_to_select`` remain (Guyon et al., 2002, for linear SVMs
on gene expression). The ranking gives 1 to the selected features and larger numbers to features removed earlier.
Refitting matters: with correlated features, importances change once a partner is removed, which a single
ranking by the full model's coefficients misses. Coefficients are only comparable on standardised features.
Cost: about $(d - m)/\mathrm{step}$ fits.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted, check_X_y
from mlnotes.algorithms.registry import DemoResult


def _importance(estimator) -> np.ndarray:
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        raise ValueError(f"{type(estimator).__name__} has no coef_ after fit: RFE needs a linear model")
    coef = np.asarray(coef, dtype=float)
    return coef**2 if coef.ndim == 1 else (coef**2).sum(axis=0)


class RFE(BaseEstimator):
    """Recursive feature elimination around any estimator with ``fit`` and ``coef_``."""

    def __init__(self, *, estimator=None, n_features_to_select: int = 1, step: int = 1):
        self.estimator = estimator
        self.n_features_to_select = n_features_to_select
        self.step = step

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        d = X.shape[1]
        if self.estimator is None:
            raise ValueError("estimator is required (e.g. sklearn.linear_model.LogisticRegression())")
        if not 1 <= self.n_features_to_select <= d:
            raise ValueError(f"n_features_to_select must be in [1, {d}], got {self.n_features_to_select}")
        if self.step < 1:
            raise ValueError(f"step must be >= 1, got {self.step}")
        from copy import deepcopy

        support = np.ones(d, dtype=bool)
        ranking = np.ones(d, dtype=int)
        while support.sum() > self.n_features_to_select:
            features = np.flatnonzero(support)
            est = deepcopy(self.estimator).fit(X[:, features], y)
            order = np.argsort(_importance(est), kind="stable")  # least important first
            n_drop = min(self.step, support.sum() - self.n_features_to_select)
            support[features[order[:n_drop]]] = False
            ranking[~support] += 1
        self.support_, self.ranking_ = support, ranking
        self.n_features_in_ = d
        self.estimator_ = deepcopy(self.estimator).fit(X[:, support], y)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must be 2-D with {self.n_features_in_} columns, got shape {X.shape}")
        return X[:, self.support_]

    def predict(self, X):
        return self.estimator_.predict(self.transform(X))


def demo(n_features_to_select: int = 5, step: int = 1, seed: int = 0) -> DemoResult:
    """RFE with logistic regression on synthetic data with 5 informative of 20 features, against sklearn's RFE."""
    from sklearn.datasets import make_classification
    from sklearn.feature_selection import RFE as SkRFE
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=400, n_features=20, n_informative=5, n_redundant=0, shuffle=False,
                               random_state=seed)
    X = StandardScaler().fit_transform(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=seed)
    base = LogisticRegression(max_iter=1000)
    ours = RFE(estimator=base, n_features_to_select=n_features_to_select, step=step).fit(Xtr, ytr)
    ref = SkRFE(base, n_features_to_select=n_features_to_select, step=step).fit(Xtr, ytr)
    informative = np.arange(20) < 5

    fig, ax = new_figure()
    ax.bar(np.arange(20), ours.ranking_, color=np.where(informative, "tab:green", "tab:gray"))
    ax.set_xlabel("feature (green: informative)")
    ax.set_ylabel("RFE rank (1 = selected)")
    ax.set_title("Recursive feature elimination ranking")
    return DemoResult(
        metrics={"test_accuracy": float(np.mean(ours.predict(Xte) == yte)),
                 "informative_selected": float(np.sum(ours.support_ & informative)),
                 "rank_agreement": float(np.mean(ours.ranking_ == ref.ranking_))},
        reference={"test_accuracy": float(ref.score(Xte, yte)),
                   "informative_selected": float(np.sum(ref.support_ & informative)), "rank_agreement": 1.0},
        figure=fig,
        reference_name="sklearn.feature_selection.RFE (same LogisticRegression)",
    )
