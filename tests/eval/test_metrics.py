"""Unit tests of the evaluation metrics (no index needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlnotes.eval.answers import abstention_scores, lcs_len, rouge_l
from mlnotes.eval.metrics import (
    bootstrap_ci,
    dedupe,
    mrr_at,
    ndcg_at,
    paired_bootstrap_delta,
    per_question,
    recall_at,
)


def test_recall_mrr_ndcg_by_hand():
    ranking = ["a", "b", "c", "d"]
    assert recall_at(ranking, ["c", "z"], 1) == 0.0
    assert recall_at(ranking, ["c", "z"], 5) == 0.5
    assert mrr_at(ranking, ["c"], 10) == pytest.approx(1 / 3)
    assert mrr_at(ranking, ["z"], 10) == 0.0
    # one relevant at rank 3: DCG = 1/log2(4) = 0.5, IDCG = 1
    assert ndcg_at(ranking, ["c"], 10) == pytest.approx(0.5)
    # two relevant at ranks 1 and 2 are ideal
    assert ndcg_at(ranking, ["a", "b"], 10) == pytest.approx(1.0)
    assert ndcg_at(ranking, ["b", "a", "q"], 10) == pytest.approx((1 + 1 / math.log2(3)) / (1 + 1 / math.log2(3) + 0.5))
    row = per_question(ranking, ["a"])
    assert row["recall@1"] == row["mrr@10"] == row["ndcg@10"] == 1.0


def test_dedupe_keeps_first_occurrence():
    assert dedupe(["x", "y", "x", "z", "y"]) == ["x", "y", "z"]


def test_bootstrap_ci_brackets_the_mean_and_is_deterministic():
    rng = np.random.default_rng(1)
    x = rng.random(200)
    lo, hi = bootstrap_ci(x)
    assert lo < x.mean() < hi
    assert (lo, hi) == bootstrap_ci(x)
    d = paired_bootstrap_delta(x, x)
    assert d["mean"] == 0.0 and d["lo"] == 0.0 and d["hi"] == 0.0


def test_rouge_l_by_hand():
    assert lcs_len("a b c d".split(), "a c d e".split()) == 3
    # candidate 4 tokens, reference 4 tokens, LCS 3 -> P = R = 0.75
    assert rouge_l("a b c d", "a c d e") == pytest.approx(0.75)
    assert rouge_l("", "x") == 0.0
    assert rouge_l("The cat [1] sat.", "the cat sat") == pytest.approx(1.0)


def test_abstention_scores():
    s = abstention_scores([0.6, 0.7, 0.35], [0.2, 0.3, 0.5], threshold=0.4)
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (2, 1, 1, 2)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
