"""Trees and ensembles against scikit-learn, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import ensemble as ske
from sklearn import tree as skt
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from mlnotes.algorithms.trees.adaboost import AdaBoostClassifier
from mlnotes.algorithms.trees.bagging import BaggingClassifier
from mlnotes.algorithms.trees.cart import DecisionTreeClassifier, DecisionTreeRegressor
from mlnotes.algorithms.trees.catboost_style import (
    CatBoostStyleClassifier,
    make_categorical_data,
    ordered_target_statistic,
)
from mlnotes.algorithms.trees.extra_trees import ExtraTreesClassifier
from mlnotes.algorithms.trees.gradient_boosting import GradientBoostingClassifier, GradientBoostingRegressor
from mlnotes.algorithms.trees.isolation_forest import IsolationForest, average_path_length
from mlnotes.algorithms.trees.lightgbm_style import LightGBMStyleClassifier, goss_sample
from mlnotes.algorithms.trees.random_forest import RandomForestClassifier
from mlnotes.algorithms.trees.stacking import StackingClassifier
from mlnotes.algorithms.trees.xgboost_style import XGBoostStyleRegressor

SETTINGS = settings(max_examples=20, deadline=None)


@pytest.fixture(scope="module")
def cls_data():
    X, y = make_classification(300, 6, n_informative=4, random_state=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0)


# --- CART ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("depth", [1, 2, 4])
def test_cart_classifier_matches_sklearn(cls_data, criterion, depth):
    Xtr, Xte, ytr, yte = cls_data
    ours = DecisionTreeClassifier(criterion=criterion, max_depth=depth, min_samples_leaf=5).fit(Xtr, ytr)
    ref = skt.DecisionTreeClassifier(criterion=criterion, max_depth=depth, min_samples_leaf=5,
                                     random_state=0).fit(Xtr, ytr)
    # Equal-impurity splits (ties between features at small nodes) may be broken differently, so the exact
    # check is on the greedy objective: the weighted leaf impurity, node by node identical up to ties (rtol 1e-10).
    la, lb = ours.children_left_ == -1, ref.tree_.children_left == -1
    leaf_obj = lambda imp, n, leaf: float(np.sum(imp[leaf] * n[leaf]))
    assert leaf_obj(ours.impurity_, ours.n_node_samples_, la) == pytest.approx(
        leaf_obj(ref.tree_.impurity, ref.tree_.n_node_samples, lb), rel=1e-10)
    assert ours.node_count_ == ref.tree_.node_count
    np.testing.assert_array_equal(ours.n_node_samples_, ref.tree_.n_node_samples)
    assert np.mean(ours.predict(Xtr) == ref.predict(Xtr)) >= 0.95


def test_cart_regressor_matches_sklearn():
    X, y = load_diabetes(return_X_y=True)
    ours = DecisionTreeRegressor(max_depth=5, min_samples_leaf=3).fit(X, y)
    ref = skt.DecisionTreeRegressor(max_depth=5, min_samples_leaf=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-9)


def test_cart_full_tree_fits_training_data_and_weights_matter(cls_data):
    Xtr, _, ytr, _ = cls_data
    assert DecisionTreeClassifier().fit(Xtr, ytr).score(Xtr, ytr) == 1.0
    w = np.where(ytr == 1, 10.0, 1.0)
    stump_w = DecisionTreeClassifier(max_depth=1).fit(Xtr, ytr, sample_weight=w)
    ref = skt.DecisionTreeClassifier(max_depth=1, random_state=0).fit(Xtr, ytr, sample_weight=w)
    np.testing.assert_allclose(stump_w.predict_proba(Xtr), ref.predict_proba(Xtr), atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_cart_is_invariant_to_row_order(seed):
    X, y = make_classification(80, 4, random_state=seed)
    perm = np.random.default_rng(seed).permutation(80)
    a = DecisionTreeClassifier(max_depth=3, min_samples_leaf=3).fit(X, y)
    b = DecisionTreeClassifier(max_depth=3, min_samples_leaf=3).fit(X[perm], y[perm])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)


# --- bagging family -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ours_cls,ref_factory", [
    (lambda: BaggingClassifier(n_estimators=30), lambda: ske.BaggingClassifier(skt.DecisionTreeClassifier(),
                                                                              n_estimators=30, random_state=0)),
    (lambda: RandomForestClassifier(n_estimators=50), lambda: ske.RandomForestClassifier(50, random_state=0)),
    (lambda: ExtraTreesClassifier(n_estimators=50), lambda: ske.ExtraTreesClassifier(50, random_state=0)),
])
def test_tree_ensembles_match_sklearn_accuracy(cancer, ours_cls, ref_factory):
    Xtr, Xte, ytr, yte = cancer
    ours, ref = ours_cls().fit(Xtr, ytr), ref_factory().fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= ref.score(Xte, yte) - 0.03  # tol: 3 points of test accuracy
    P = ours.predict_proba(Xte)
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
    assert abs(ours.feature_importances_.sum() - 1.0) < 1e-9


def test_forest_oob_estimates_test_accuracy(cancer):
    Xtr, Xte, ytr, yte = cancer
    rf = RandomForestClassifier(n_estimators=60).fit(Xtr, ytr)
    assert abs(rf.oob_score_ - rf.score(Xte, yte)) < 0.05


# --- boosting -----------------------------------------------------------------------------------------------
def test_adaboost_matches_sklearn_samme(cls_data):
    Xtr, Xte, ytr, yte = cls_data
    ours = AdaBoostClassifier(n_estimators=20).fit(Xtr, ytr)
    ref = ske.AdaBoostClassifier(skt.DecisionTreeClassifier(max_depth=1), n_estimators=20, random_state=0).fit(Xtr, ytr)
    np.testing.assert_allclose(ours.estimator_weights_, ref.estimator_weights_[: len(ours.estimator_weights_)],
                               rtol=1e-8)  # same stumps, same weights
    np.testing.assert_array_equal(ours.predict(Xtr), ref.predict(Xtr))


def test_gradient_boosting_matches_sklearn(cls_data):
    Xtr, Xte, ytr, yte = cls_data
    ours = GradientBoostingClassifier(n_estimators=30, max_depth=3).fit(Xtr, ytr)
    ref = ske.GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(Xtr, ytr)
    np.testing.assert_allclose(ours.predict_proba(Xtr), ref.predict_proba(Xtr), atol=1e-10)
    X, y = load_diabetes(return_X_y=True)
    r_ours = GradientBoostingRegressor(n_estimators=30).fit(X, y)
    r_ref = ske.GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y)
    np.testing.assert_allclose(r_ours.predict(X), r_ref.predict(X), atol=1e-8)
    assert np.all(np.diff(r_ours.train_loss_) <= 1e-12)  # squared-error boosting never increases training loss


def test_xgboost_style_reduces_to_gradient_boosting_and_regularises():
    X, y = load_diabetes(return_X_y=True)
    ours = XGBoostStyleRegressor(n_estimators=20, learning_rate=0.1, reg_lambda=0.0, min_child_weight=0.0).fit(X, y)
    ref = ske.GradientBoostingRegressor(n_estimators=20, learning_rate=0.1, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-8)  # lambda = gamma = 0: identical
    # one depth-0 round: the leaf weight is -G / (H + lambda) = 0, since F0 is the mean and so G = sum(F0 - y) = 0
    stump = XGBoostStyleRegressor(n_estimators=1, learning_rate=1.0, max_depth=0, reg_lambda=5.0).fit(X, y)
    assert stump.estimators_[0].value[0] == pytest.approx(0.0, abs=1e-9)
    big_gamma = XGBoostStyleRegressor(n_estimators=3, gamma=1e12).fit(X, y)
    assert all(len(t.value) == 1 for t in big_gamma.estimators_)  # gamma prunes every split


def test_xgboost_style_logistic_accuracy(cancer):
    Xtr, Xte, ytr, yte = cancer
    ours = XGBoostStyleRegressor(n_estimators=60, objective="logistic").fit(Xtr, ytr)
    ref = ske.HistGradientBoostingClassifier(max_iter=60, max_depth=3, l2_regularization=1.0,
                                             learning_rate=0.3, early_stopping=False).fit(Xtr, ytr)
    assert np.mean((ours.predict(Xte) > 0.5) == yte) >= ref.score(Xte, yte) - 0.03
    assert np.all(np.diff(ours.train_loss_) <= 1e-9)


def test_lightgbm_style_without_goss_matches_exact_leafwise_quality(cls_data):
    Xtr, Xte, ytr, yte = cls_data
    ours = LightGBMStyleClassifier(n_estimators=40, num_leaves=8, top_rate=1.0, other_rate=0.0).fit(Xtr, ytr)
    ref = ske.HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=8, early_stopping=False).fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= ref.score(Xte, yte) - 0.04  # tol: 4 points of test accuracy
    # training log-loss of the two histogram boosters agrees to 10 %
    from sklearn.metrics import log_loss

    assert log_loss(ytr, ours.predict_proba(Xtr)) == pytest.approx(log_loss(ytr, ref.predict_proba(Xtr)), rel=0.1)


def test_goss_sums_are_unbiased():
    rng = np.random.default_rng(0)
    g = rng.normal(size=2000) * rng.exponential(size=2000)
    est = []
    for _ in range(300):
        rows, w = goss_sample(g, 0.2, 0.1, rng)
        est.append(np.sum(g[rows] * w))
    # the mean of 300 GOSS estimates is within 4 standard errors of the true sum
    assert abs(np.mean(est) - g.sum()) < 4 * np.std(est) / np.sqrt(300)


def test_ordered_target_statistic_has_no_leakage():
    codes = np.array([0, 0, 1, 0, 1])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    perm = np.array([4, 3, 2, 1, 0])
    ts = ordered_target_statistic(codes, y, perm, prior=0.5, a=1.0)
    # row 4 is first: prior only; row 1 sees row 3 (y=1); row 0 sees rows 3, 1 (y=1, 0)
    np.testing.assert_allclose(ts, [(1 + 0 + 0.5) / 3, (1 + 0.5) / 2, (0 + 0.5) / 2, 0.5, 0.5])


def test_catboost_style_ordered_beats_chance_and_reference():
    X, y = make_categorical_data(1500, 100, seed=1)
    Xtr, ytr, Xte, yte = X[:1000], y[:1000], X[1000:], y[1000:]
    m = CatBoostStyleClassifier(n_estimators=40, cat_features=(0,)).fit(Xtr, ytr)
    ref = ske.HistGradientBoostingClassifier(max_iter=40, max_depth=4, categorical_features=[0],
                                             early_stopping=False).fit(Xtr, ytr)
    assert m.score(Xte, yte) >= ref.score(Xte, yte) - 0.03
    np.testing.assert_allclose(m.predict_proba(Xte).sum(1), 1.0)


# --- isolation forest / stacking -----------------------------------------------------------------------------
def test_average_path_length_values():
    np.testing.assert_allclose(average_path_length([1, 2, 256]),
                               [0.0, 1.0, 2 * (np.log(255) + 0.5772156649015329) - 2 * 255 / 256])


def test_isolation_forest_agrees_with_sklearn():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (400, 2)), rng.uniform(-6, 6, (20, 2))]
    truth = np.r_[np.zeros(400), np.ones(20)]
    ours = IsolationForest(n_estimators=100).fit(X)
    ref = ske.IsolationForest(n_estimators=100, random_state=0).fit(X)
    s_ours, s_ref = ours.score_samples(X), -ref.score_samples(X)
    assert roc_auc_score(truth, s_ours) >= roc_auc_score(truth, s_ref) - 0.02
    from scipy.stats import spearmanr

    assert spearmanr(s_ours, s_ref).statistic > 0.9  # same ranking up to Monte Carlo noise
    assert np.mean(ours.predict(X) == -1) == pytest.approx(0.1, abs=0.01)


def test_stacking_is_at_least_as_good_as_reference(cancer):
    Xtr, Xte, ytr, yte = cancer
    mu, sd = Xtr.mean(0), Xtr.std(0)
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    ours = StackingClassifier(n_folds=3).fit(Xtr, ytr)
    ref = ske.StackingClassifier([("lr", LogisticRegression()), ("rf", ske.RandomForestClassifier(30, random_state=0))],
                                 cv=3).fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= ref.score(Xte, yte) - 0.03
    assert ours.oof_predictions_.shape == (len(ytr), 3)
