"""Evaluation metrics against sklearn.metrics and brute force (pair counts, loops over thresholds and bins)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve as sk_calibration_curve

from mlnotes.algorithms.metrics.calibration import (
    brier_score,
    calibration_curve,
    expected_calibration_error,
    maximum_calibration_error,
)
from mlnotes.algorithms.metrics.f1_threshold import best_threshold, f1_score, threshold_curve
from mlnotes.algorithms.metrics.ndcg import dcg, ndcg
from mlnotes.algorithms.metrics.pr_curve import average_precision, precision_recall_curve
from mlnotes.algorithms.metrics.roc_auc import auc, auc_mann_whitney, roc_auc, roc_curve


def _data(seed, n, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = rng.normal(y * 0.8, 1.0)
    if ties:
        s = np.round(s, 0)  # many ties
    return y, s


def _pair_count_auc(y, s):
    pos, neg = s[y == 1], s[y == 0]
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))


# --- ROC / AUC -------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), ties=st.booleans())
def test_roc_matches_sklearn_and_pair_count(seed, n, ties):
    y, s = _data(seed, n, ties)
    fpr, tpr, thr = roc_curve(y, s)
    rf, rt, rthr = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, rf, atol=1e-12)
    np.testing.assert_allclose(tpr, rt, atol=1e-12)
    np.testing.assert_array_equal(thr, rthr)
    brute = _pair_count_auc(y, s)
    assert roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert roc_auc(y, s) == pytest.approx(brute, abs=1e-12)
    assert auc_mann_whitney(y, s) == pytest.approx(brute, abs=1e-12)


def test_roc_edge_cases():
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5  # all tied: the diagonal
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([True, False], [0.2, 0.9]) == 0.0
    with pytest.raises(ValueError, match="single class"):
        roc_auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="empty"):
        roc_curve([], [])
    with pytest.raises(ValueError, match="NaN"):
        roc_auc([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="only 0 and 1"):
        roc_auc([0, 2], [0.1, 0.3])
    with pytest.raises(ValueError, match="one score per label"):
        roc_auc([0, 1, 1], [0.1, 0.3])
    with pytest.raises(ValueError, match="monotone"):
        auc([0, 1, 0.5], [0, 1, 1])


# --- PR / AP ---------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), ties=st.booleans())
def test_pr_curve_and_ap_match_sklearn(seed, n, ties):
    y, s = _data(seed, n, ties)
    p, r, t = precision_recall_curve(y, s)
    rp, rr, rt = skm.precision_recall_curve(y, s)
    np.testing.assert_allclose(p, rp, atol=1e-12)
    np.testing.assert_allclose(r, rr, atol=1e-12)
    np.testing.assert_array_equal(t, rt)
    assert average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)


def test_ap_hand_case_and_edges():
    # ranks: + - + -  -> precision at the two positives: 1, 2/3 -> AP = (1 + 2/3) / 2
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    # all negatives scored below all positives: AP = 1; single-class positive data is allowed
    assert average_precision([1, 1, 0], [0.9, 0.8, 0.1]) == pytest.approx(1.0)
    assert average_precision([1, 1], [0.3, 0.1]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no positive"):
        precision_recall_curve([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="NaN"):
        average_precision([0, 1], [np.inf, 0.2])


# --- F1 and thresholds -----------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 50), k=st.integers(2, 5))
def test_f1_matches_sklearn(seed, n, k):
    rng = np.random.default_rng(seed)
    yt, yp = rng.integers(0, k, n), rng.integers(0, k, n)
    for avg in ("micro", "macro", "weighted"):
        assert f1_score(yt, yp, avg) == pytest.approx(
            skm.f1_score(yt, yp, average=avg, labels=np.unique(np.r_[yt, yp]), zero_division=0), abs=1e-12)
    yb, pb = yt % 2, yp % 2
    assert f1_score(yb, pb) == pytest.approx(skm.f1_score(yb, pb, zero_division=0), abs=1e-12)


def test_f1_edge_cases():
    assert f1_score([0, 0, 0], [0, 0, 0]) == 0.0  # no positives anywhere: zero_division = 0
    assert f1_score(["a", "b", "b"], ["a", "b", "a"], pos_label="b") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="empty"):
        f1_score([], [])
    with pytest.raises(ValueError, match="at most 2 labels"):
        f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="NaN"):
        f1_score([0.0, np.nan], [0.0, 1.0])
    with pytest.raises(ValueError, match="average"):
        f1_score([0, 1], [0, 1], "samples")
    with pytest.raises(ValueError, match="pos_label"):
        f1_score(["a", "b"], ["a", "a"])  # default pos_label=1 is not a label here, as sklearn refuses too


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 50), ties=st.booleans())
def test_best_thresholds_match_brute_force(seed, n, ties):
    y, s = _data(seed, n, ties)
    grid = np.unique(s)[::-1]  # decreasing: ties in the criterion go to the highest threshold
    f1s = [skm.f1_score(y, (s >= t).astype(int), zero_division=0) for t in grid]
    t, v = best_threshold(y, s, "f1")
    assert v == pytest.approx(max(f1s), abs=1e-12) and t == grid[int(np.argmax(f1s))]
    youden = [skm.recall_score(y, s >= t) - np.mean(s[y == 0] >= t) for t in grid]
    t, v = best_threshold(y, s, "youden")
    assert v == pytest.approx(max(youden), abs=1e-12) and t == grid[int(np.argmax(youden))]
    costs = [np.sum((s >= t) & (y == 0)) + 3 * np.sum((s < t) & (y == 1)) for t in grid]
    t, v = best_threshold(y, s, "cost", 1.0, 3.0)
    assert v == pytest.approx(min(min(costs), 3 * y.sum()))
    c = threshold_curve(y, s)
    assert np.all(c["tp"] + c["fn"] == y.sum()) and np.all(c["fp"] + c["tn"] == len(y) - y.sum())


def test_threshold_edge_cases():
    with pytest.raises(ValueError, match="single class"):
        best_threshold([1, 1], [0.2, 0.4])
    with pytest.raises(ValueError, match="criterion"):
        best_threshold([0, 1], [0.2, 0.4], "accuracy")
    with pytest.raises(ValueError, match="cost_fp"):
        best_threshold([0, 1], [0.2, 0.4], "cost", 0.0, 0.0)
    # only negatives, cost criterion: predicting nothing positive costs 0
    assert best_threshold([0, 0], [0.2, 0.4], "cost") == (float("inf"), 0.0)


# --- calibration -----------------------------------------------------------------------------------------------
def _brute_bins(y, p, edges):
    acc, conf, cnt = [], [], []
    for b in range(len(edges) - 1):
        members = [i for i in range(len(p)) if (p[i] > edges[b] or (b == 0 and p[i] >= edges[b]))
                   and p[i] <= edges[b + 1]]
        if members:
            acc.append(np.mean(y[members]))
            conf.append(np.mean(p[members]))
            cnt.append(len(members))
    return np.array(acc), np.array(conf), np.array(cnt, dtype=float)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), n_bins=st.integers(1, 12),
       strategy=st.sampled_from(["uniform", "quantile"]), grid=st.booleans())
def test_calibration_matches_sklearn_and_brute_force(seed, n, n_bins, strategy, grid):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    if grid:
        p = np.round(p * 4) / 4  # probabilities on bin edges and ties
    y = (rng.random(n) < p).astype(int)
    acc, conf, cnt = calibration_curve(y, p, n_bins, strategy)
    r_acc, r_conf = sk_calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    np.testing.assert_allclose(acc, r_acc, atol=1e-12)
    np.testing.assert_allclose(conf, r_conf, atol=1e-12)
    # quantile edges computed as scikit-learn does (percentiles at linspace(0, 1) * 100): with linspace(0, 100) an
    # edge that falls exactly on a data point can differ in the last bit and move that point to the next bin
    edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100) if strategy == "quantile" else \
        np.linspace(0, 1, n_bins + 1)
    b_acc, b_conf, b_cnt = _brute_bins(y, p, edges)
    np.testing.assert_allclose(cnt, b_cnt)
    ece = float(np.sum(b_cnt / n * np.abs(b_acc - b_conf)))
    assert expected_calibration_error(y, p, n_bins, strategy) == pytest.approx(ece, abs=1e-12)
    assert maximum_calibration_error(y, p, n_bins, strategy) == pytest.approx(np.max(np.abs(b_acc - b_conf)))
    assert brier_score(y, p) == pytest.approx(skm.brier_score_loss(y, p), abs=1e-12)


def test_calibration_edge_cases():
    # perfectly calibrated in every bin: ECE = 0; a single class is fine for calibration
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0
    assert expected_calibration_error([1, 1], [1.0, 1.0]) == 0.0
    assert expected_calibration_error([0, 0], [0.9, 0.9]) == pytest.approx(0.9)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration_curve([0, 1], [0.2, 1.3])
    with pytest.raises(ValueError, match="NaN"):
        expected_calibration_error([0, 1], [0.2, np.nan])
    with pytest.raises(ValueError, match="n_bins"):
        calibration_curve([0, 1], [0.2, 0.3], n_bins=0)
    with pytest.raises(ValueError, match="empty"):
        calibration_curve([], [])


# --- NDCG ------------------------------------------------------------------------------------------------------
def _brute_dcg(rel, score, k, gain):
    """Average DCG over every order of the tied items (explicit permutations)."""
    g = rel if gain == "linear" else 2.0**rel - 1
    groups = [np.nonzero(score == v)[0] for v in sorted(set(score), reverse=True)]
    totals = []
    for perms in itertools.product(*[itertools.permutations(gr) for gr in groups]):
        order = [i for p in perms for i in p]
        totals.append(sum(g[i] / np.log2(pos + 2) for pos, i in enumerate(order[:k])))
    return np.mean(totals)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(1, 7), k=st.integers(1, 8),
       gain=st.sampled_from(["linear", "exponential"]))
def test_ndcg_matches_brute_force_permutations_and_sklearn(seed, m, k, gain):
    rng = np.random.default_rng(seed)
    rel = rng.integers(0, 4, m).astype(float)
    score = rng.integers(0, 3, m).astype(float)  # many ties
    assert dcg(rel, score, k, gain)[0] == pytest.approx(_brute_dcg(rel, score, k, gain), abs=1e-12)
    ideal = _brute_dcg(rel, rel, k, gain)
    expected = _brute_dcg(rel, score, k, gain) / ideal if ideal > 0 else 0.0
    assert ndcg(rel, score, k, gain) == pytest.approx(expected, abs=1e-12)
    if m > 1 and gain == "linear":
        assert ndcg(rel, score, k) == pytest.approx(skm.ndcg_score([rel], [score], k=k), abs=1e-12)


def test_ndcg_batches_and_edges():
    rng = np.random.default_rng(0)
    rel, score = rng.integers(0, 4, (30, 12)), rng.normal(size=(30, 12))
    rel[0] = 0  # a query with no relevant item scores 0, as in sklearn
    np.testing.assert_allclose(ndcg(rel, score, 5, per_query=True),
                               [skm.ndcg_score(rel[i:i + 1], score[i:i + 1], k=5) for i in range(30)], atol=1e-12)
    assert ndcg(rel, score, 5) == pytest.approx(skm.ndcg_score(rel, score, k=5), abs=1e-12)
    assert ndcg([3, 2, 1], [3, 2, 1]) == 1.0
    assert ndcg([5.0], [0.1]) == 1.0  # a single item
    with pytest.raises(ValueError, match="k must be"):
        ndcg([1, 0], [0.2, 0.1], k=0)
    with pytest.raises(ValueError, match="non-negative"):
        ndcg([-1, 0], [0.2, 0.1])
    with pytest.raises(ValueError, match="NaN"):
        ndcg([1, 0], [np.nan, 0.1])
    with pytest.raises(ValueError, match="at least one"):
        ndcg(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="gain"):
        dcg([1, 0], [0.2, 0.1], gain="log")
