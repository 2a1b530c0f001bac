"""BM25 against rank-bm25, FAISS against NumPy brute force, and fusion properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi, BM25Plus

from mlnotes.kb.bm25 import BM25Index, tokenize
from mlnotes.kb.dense import DenseIndex, brute_force
from mlnotes.kb.fusion import fuse, rank_list, rrf, weighted

DOCS = [
    "The bias variance tradeoff explains underfitting and overfitting of models.",
    "k-means clustering assigns points to the nearest centroid and updates centroids.",
    "Gradient boosting fits trees to the negative gradient of the loss function.",
    "Random forests average many decorrelated decision trees to reduce variance.",
    "Dropout randomly zeroes activations during training to regularize networks.",
    "Ridge regression shrinks coefficients with an L2 penalty; lasso uses L1.",
    "Attention scales dot products by the square root of the key dimension.",
    "Trees trees trees: decision trees split on features to reduce impurity.",
]
QUERIES = ["variance of trees", "gradient of the loss", "attention dot products", "centroid clustering k-means",
           "regularize with dropout and L2 penalty"]


@pytest.mark.parametrize("query", QUERIES)
def test_bm25plus_scores_equal_rank_bm25(query):
    """BM25+ is implemented identically by both libraries (rank-bm25's BM25L multiplies by tf once more)."""
    ours = BM25Index(method="bm25+", k1=1.5, b=0.75, delta=1.0).index(DOCS)
    ref = BM25Plus([tokenize(d) for d in DOCS], k1=1.5, b=0.75, delta=1.0)
    np.testing.assert_allclose(ours.scores(query), ref.get_scores(tokenize(query)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("query", ["attention dot products", "centroid clustering", "ridge lasso penalty"])
def test_robertson_scores_equal_rank_bm25_okapi(query):
    """Okapi/Robertson BM25 agrees with rank-bm25's BM25Okapi when no query term has a negative idf
    (rank-bm25 floors those at epsilon times the mean idf; the queries here use terms in < N/2 documents).
    bm25s' Robertson variant drops the constant factor (k1 + 1) from the tf part, which does not change the
    ranking, so its scores times (k1 + 1) must equal rank-bm25's."""
    ours = BM25Index(method="robertson", k1=1.5, b=0.75).index(DOCS)
    ref = BM25Okapi([tokenize(d) for d in DOCS], k1=1.5, b=0.75)
    assert all(ref.idf[t] > 0 for t in tokenize(query))
    np.testing.assert_allclose(ours.scores(query) * (1.5 + 1), ref.get_scores(tokenize(query)), rtol=1e-6, atol=1e-6)


def test_lucene_bm25_matches_its_formula():
    """The default (Lucene) variant: idf = ln(1 + (N - df + .5)/(df + .5)), tf part tf/(tf + k1(1-b+b dl/avg)).

    Like Lucene since version 8, bm25s omits the rank-preserving constant (k1 + 1) in the numerator."""
    toks = [tokenize(d) for d in DOCS]
    N, avg = len(toks), sum(map(len, toks)) / len(toks)
    k1, b = 1.5, 0.75
    idx = BM25Index(method="lucene", k1=k1, b=b).index(DOCS)
    for query in QUERIES:
        q = [t for t in tokenize(query)]
        expected = []
        for d in toks:
            s = 0.0
            for t in q:
                df = sum(t in dd for dd in toks)
                if df == 0:
                    continue
                tf = d.count(t)
                idf = math.log(1 + (N - df + 0.5) / (df + 0.5))
                s += idf * tf / (tf + k1 * (1 - b + b * len(d) / avg))
            expected.append(s)
        np.testing.assert_allclose(idx.scores(query), expected, rtol=1e-5, atol=1e-6)


def test_bm25_unknown_terms_and_save_load(tmp_path):
    idx = BM25Index().index(DOCS)
    assert not idx.scores("zzzz qqqq").any()
    ids, scores = idx.search("trees variance", 3)
    assert list(scores) == sorted(scores, reverse=True)
    idx.save(tmp_path)
    again = BM25Index.load(tmp_path, n_docs=len(DOCS))
    np.testing.assert_allclose(again.scores("trees variance"), idx.scores("trees variance"))


def test_bm25_rejects_unknown_method():
    with pytest.raises(ValueError, match="valid methods"):
        BM25Index(method="okapi-ish")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(2, 16), st.integers(1, 70), st.integers(0, 2**31 - 1))
def test_faiss_equals_numpy_brute_force(n, dim, k, seed):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = rng.standard_normal(dim).astype(np.float32)
    q /= np.linalg.norm(q)
    ids, scores = DenseIndex(v).search(q, k)
    bids, bscores = brute_force(v, q, k)
    np.testing.assert_allclose(scores, bscores, rtol=1e-5, atol=1e-5)
    # ids agree except where scores tie within float error
    for a, b, s in zip(ids, bids, scores):
        assert a == b or abs((v[a] - v[b]) @ q) < 1e-5, (a, b, s)


score_maps = st.dictionaries(st.integers(0, 50), st.floats(-10, 10, allow_nan=False), min_size=1, max_size=20)


@given(score_maps)
def test_rrf_of_a_single_list_preserves_its_order(scores):
    assert rank_list(rrf([scores])) == rank_list(scores)


int_maps = st.dictionaries(st.integers(0, 50), st.integers(-1000, 1000).map(float), min_size=1, max_size=20)


@given(int_maps, int_maps)
def test_weighted_with_weight_one_or_zero_reproduces_a_single_mode(dense, sparse):
    for w, single in ((1.0, dense), (0.0, sparse)):
        fused = weighted(dense, sparse, w_dense=w)
        restricted = {d: fused[d] for d in single}
        assert rank_list(restricted) == rank_list(single)
        # and ids that only the other list found never outrank an id of this list's top
        top = rank_list(single)[0]
        assert all(fused[d] <= fused[top] for d in fused)


def test_rrf_rewards_agreement_and_uses_k():
    a = {1: 3.0, 2: 2.0, 3: 1.0}
    b = {2: 9.0, 4: 8.0, 1: 1.0}
    fused = rrf([a, b], k=60)
    assert rank_list(fused)[0] == 2  # ranked 2nd and 1st beats 1st and 3rd
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    with pytest.raises(ValueError, match="valid fusions"):
        fuse("borda", a, b)
