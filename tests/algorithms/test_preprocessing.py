"""Imputation, scaling and categorical encoders against scikit-learn, pandas and brute-force loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import impute
from sklearn import preprocessing as skp
from sklearn.model_selection import KFold

from mlnotes.algorithms.base import NotFittedError
from mlnotes.algorithms.preprocessing.frequency_encoding import FrequencyEncoder
from mlnotes.algorithms.preprocessing.imputation import SimpleImputer
from mlnotes.algorithms.preprocessing.one_hot import OneHotEncoder
from mlnotes.algorithms.preprocessing.scaling import MinMaxScaler, RobustScaler, StandardScaler
from mlnotes.algorithms.preprocessing.target_encoding import TargetEncoder


# --- imputation ------------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), d=st.integers(1, 4), rate=st.floats(0, 0.6),
       strategy=st.sampled_from(["mean", "median", "most_frequent", "constant"]))
def test_imputer_matches_sklearn(seed, n, d, rate, strategy):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (n, d)).astype(float)  # small integers: ties for most_frequent and the median
    X[rng.random((n, d)) < rate] = np.nan
    X[0] = rng.integers(0, 4, d)  # every column keeps an observed value
    ours = SimpleImputer(strategy=strategy, fill_value=-1.0, add_indicator=True).fit(X)
    ref = impute.SimpleImputer(strategy=strategy, fill_value=-1.0, add_indicator=True).fit(X)
    np.testing.assert_allclose(ours.statistics_, np.asarray(ref.statistics_, dtype=float), atol=1e-12)
    X2 = rng.integers(0, 4, (5, d)).astype(float)
    X2[rng.random((5, d)) < 0.5] = np.nan
    np.testing.assert_allclose(ours.transform(X2), ref.transform(X2), atol=1e-12)


def test_imputer_edge_cases():
    X = np.array([[1.0, np.nan], [3.0, np.nan]])
    with pytest.raises(ValueError, match="column 1 has no observed value"):
        SimpleImputer().fit(X)
    np.testing.assert_array_equal(SimpleImputer(strategy="constant", fill_value=7).fit_transform(X),
                                  [[1, 7], [3, 7]])
    with pytest.raises(ValueError, match="infinity"):
        SimpleImputer().fit([[1.0], [np.inf]])
    with pytest.raises(ValueError, match="strategy"):
        SimpleImputer(strategy="mode").fit([[1.0]])
    with pytest.raises(ValueError, match="0 samples"):
        SimpleImputer().fit(np.empty((0, 2)))
    with pytest.raises(NotFittedError):
        SimpleImputer().transform([[1.0]])
    with pytest.raises(ValueError, match="features"):
        SimpleImputer().fit([[1.0, 2.0]]).transform([[1.0]])
    # a single sample and a constant column are fine
    np.testing.assert_array_equal(SimpleImputer(strategy="median").fit([[2.0, 5.0]]).transform([[np.nan, 1.0]]),
                                  [[2.0, 1.0]])


# --- scaling ---------------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), d=st.integers(1, 4), const=st.booleans())
def test_scalers_match_sklearn(seed, n, d, const):
    rng = np.random.default_rng(seed)
    X = rng.standard_t(2, (n, d)) * 10
    if const:
        X[:, 0] = 3.7  # a constant column: scale 1, no division by zero
    Xnew = rng.normal(size=(6, d))
    pairs = [
        (StandardScaler(), skp.StandardScaler()),
        (StandardScaler(with_mean=False), skp.StandardScaler(with_mean=False)),
        (MinMaxScaler(feature_range=(-1.0, 2.0)), skp.MinMaxScaler(feature_range=(-1.0, 2.0))),
        (MinMaxScaler(clip=True), skp.MinMaxScaler(clip=True)),
        (RobustScaler(), skp.RobustScaler()),
        (RobustScaler(quantile_range=(10.0, 90.0)), skp.RobustScaler(quantile_range=(10.0, 90.0))),
    ]
    for ours, ref in pairs:
        ours.fit(X)
        ref.fit(X)
        np.testing.assert_allclose(ours.transform(Xnew), ref.transform(Xnew), rtol=1e-10, atol=1e-10)
        Z = ours.transform(X)
        assert np.all(np.isfinite(Z))
        if not getattr(ours, "clip", False):
            np.testing.assert_allclose(ours.inverse_transform(Z), X, rtol=1e-10, atol=1e-9)


def test_scaler_edge_cases():
    with pytest.raises(ValueError, match="NaN"):
        StandardScaler().fit([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="1-D"):
        RobustScaler().fit([1.0, 2.0])
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range=(1.0, 0.0)).fit([[1.0], [2.0]])
    with pytest.raises(ValueError, match="quantile_range"):
        RobustScaler(quantile_range=(75.0, 25.0)).fit([[1.0], [2.0]])
    with pytest.raises(NotFittedError):
        MinMaxScaler().transform([[1.0]])
    np.testing.assert_array_equal(StandardScaler().fit_transform([[5.0], [5.0]]), [[0.0], [0.0]])
    # float32 input: computed in float64, same result
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    np.testing.assert_allclose(StandardScaler().fit_transform(X), skp.StandardScaler().fit_transform(
        X.astype(np.float64)), atol=1e-12)


# --- one-hot ---------------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), drop=st.sampled_from([None, "first"]),
       strings=st.booleans())
def test_one_hot_matches_sklearn(seed, n, drop, strings):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (n, 2))
    Xnew = np.vstack([X[:1], rng.integers(0, 4, (8, 2))])  # at least one row of known categories
    if strings:
        X, Xnew = X.astype(str), Xnew.astype(str)
    ours = OneHotEncoder(drop=drop).fit(X)
    ref = skp.OneHotEncoder(drop=drop, sparse_output=False).fit(X)
    for a, b in zip(ours.categories_, ref.categories_):
        np.testing.assert_array_equal(a, b)
    known = np.all([np.isin(Xnew[:, j], ours.categories_[j]) for j in range(2)], axis=0)
    np.testing.assert_array_equal(ours.transform(Xnew[known]), ref.transform(Xnew[known]))
    assert ours.get_feature_names_out() == list(ref.get_feature_names_out())


def test_one_hot_unknown_categories():
    X = np.array([["red", "S"], ["blue", "M"], ["red", "M"]])
    new = np.array([["green", "S"], ["blue", "XL"]])
    with pytest.raises(ValueError, match="'green' not seen in fit"):
        OneHotEncoder().fit(X).transform(new)
    ours = OneHotEncoder(handle_unknown="ignore").fit(X).transform(new)
    ref = skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X).transform(new)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(ours, [[0, 0, 0, 1], [1, 0, 0, 0]])  # hand: blue,red | M,S
    # a single category per column: one always-on column (zero columns with drop='first')
    assert OneHotEncoder().fit_transform([["a"], ["a"]]).tolist() == [[1.0], [1.0]]
    assert OneHotEncoder(drop="first").fit_transform([["a"], ["a"]]).shape == (2, 0)
    with pytest.raises(ValueError, match="explicit category"):
        OneHotEncoder().fit(np.array([["a"], [None]], dtype=object))
    with pytest.raises(ValueError, match="explicit category"):
        OneHotEncoder().fit([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="mixes types"):
        OneHotEncoder().fit(np.array([[1], ["a"]], dtype=object))
    with pytest.raises(ValueError, match="0 samples"):
        OneHotEncoder().fit(np.empty((0, 1)))
    with pytest.raises(ValueError, match="handle_unknown"):
        OneHotEncoder(handle_unknown="skip").fit(X)


# --- target encoding -------------------------------------------------------------------------------------------
def _brute_target_encoding(X, y, folds, m):
    out = np.empty(X.shape)
    for tr, te in folds:
        mean = y[tr].mean()
        for j in range(X.shape[1]):
            for i in te:
                rows = [r for r in tr if X[r, j] == X[i, j]]
                out[i, j] = (y[rows].sum() + m * mean) / (len(rows) + m) if rows or m > 0 else mean
    return out


@pytest.mark.parametrize("smooth", [0.5, 10.0])
@pytest.mark.parametrize("binary", [False, True])
def test_target_encoder_matches_sklearn_with_the_same_folds(smooth, binary):
    rng = np.random.default_rng(1)
    X = np.c_[rng.integers(0, 12, 150), rng.choice(["a", "b", "c"], 150)].astype(object)
    X[:, 0] = X[:, 0].astype(int)
    y = (rng.random(150) < 0.4).astype(float) if binary else rng.normal(X[:, 0].astype(float), 1.0)
    folds = list(KFold(5, shuffle=True, random_state=3).split(X))
    ours = TargetEncoder(smooth=smooth)
    oof = ours.fit_transform(X, y, folds=folds)
    ref = skp.TargetEncoder(smooth=smooth, target_type="continuous", cv=folds)
    np.testing.assert_allclose(oof, ref.fit_transform(X, y), rtol=1e-12)
    np.testing.assert_allclose(oof, _brute_target_encoding(X, y, folds, smooth), rtol=1e-12)
    for a, b in zip(ours.encodings_, ref.encodings_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    new = np.array([[5, "a"], [99, "z"]], dtype=object)  # unseen categories -> global mean
    np.testing.assert_allclose(ours.transform(new), ref.transform(new), rtol=1e-12)
    assert ours.transform(new)[1].tolist() == [ours.target_mean_] * 2


def test_target_encoder_default_folds_and_edges():
    X = np.array([["a"], ["a"], ["b"], ["b"], ["c"], ["c"]])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    enc = TargetEncoder(smooth=0.0, cv=3, random_state=0)
    oof = enc.fit_transform(X, y)
    folds = enc.make_folds(6)
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(6))
    np.testing.assert_allclose(oof, _brute_target_encoding(X, y, folds, 0.0))
    # smooth = 0 in-sample: plain category means (hand: a -> 0.5, b -> 1, c -> 0)
    np.testing.assert_allclose(enc.transform(X).ravel(), [0.5, 0.5, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="smooth"):
        TargetEncoder(smooth=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="cv"):
        TargetEncoder(cv=1).fit(X, y)
    with pytest.raises(ValueError, match="at least 7 samples"):
        TargetEncoder(cv=7).fit_transform(X, y)
    # fitting (no cross-fitting) works on a single sample; unseen categories get the mean
    assert TargetEncoder().fit([["a"]], [2.0]).transform([["a"], ["b"]]).ravel().tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="NaN"):
        TargetEncoder().fit(X, np.r_[y[:-1], np.nan])
    with pytest.raises(ValueError, match="inconsistent"):
        TargetEncoder(cv=2).fit(X, y[:-1])
    with pytest.raises(ValueError, match="exactly one test part"):
        TargetEncoder(cv=2).fit_transform(X, y, folds=[(np.arange(3), np.arange(3))])


# --- frequency encoding ----------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), normalize=st.booleans())
def test_frequency_encoder_matches_pandas(seed, n, normalize):
    rng = np.random.default_rng(seed)
    X = np.c_[rng.choice(list("abcde"), n), rng.integers(0, 3, n).astype(str)]
    Xnew = np.c_[rng.choice(list("abcdefg"), 10), rng.integers(0, 5, 10).astype(str)]
    Z = FrequencyEncoder(normalize=normalize).fit(X).transform(Xnew)
    for j in range(2):
        counts = pd.Series(X[:, j]).value_counts(normalize=normalize)
        np.testing.assert_allclose(Z[:, j], pd.Series(Xnew[:, j]).map(counts).fillna(0.0).to_numpy())


def test_frequency_encoder_edges():
    assert FrequencyEncoder(normalize=False).fit_transform([["x"], ["x"]]).tolist() == [[2.0], [2.0]]
    with pytest.raises(ValueError, match="explicit category"):
        FrequencyEncoder().fit(np.array([["a"], [None]], dtype=object))
    with pytest.raises(ValueError, match="1-D"):
        FrequencyEncoder().fit(["a", "b"])
    with pytest.raises(NotFittedError):
        FrequencyEncoder().transform([["a"]])


# --- robustness sweep over the estimators of this family -------------------------------------------------------
ESTIMATORS = [StandardScaler, MinMaxScaler, RobustScaler, OneHotEncoder, FrequencyEncoder, TargetEncoder]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("case", ["float32", "single_sample", "constant_column", "nan", "inf"])
def test_estimators_give_finite_output_or_a_clear_error(cls, case):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, (12, 3)).astype(float)
    if case == "float32":
        X = X.astype(np.float32)
    elif case == "single_sample":
        X = X[:1]
    elif case == "constant_column":
        X[:, 1] = 2.0
    elif case == "nan":
        X[3, 0] = np.nan
    else:
        X[3, 0] = np.inf
    y = rng.normal(size=len(X))
    est = cls()
    if case in ("nan", "inf"):
        with pytest.raises(ValueError, match="NaN|infinity"):
            est.fit(X, y)
        return
    Z = est.fit(X, y).transform(X)
    assert Z.shape[0] == len(X) and np.all(np.isfinite(Z))
