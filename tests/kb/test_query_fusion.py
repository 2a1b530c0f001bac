"""Query preparation (mlnotes.kb.query) and the z-score weighted fusion (mlnotes.kb.fusion.weighted)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.fusion import minmax, weighted, zscore
from mlnotes.kb.query import bm25_query, diagnosis, expand_query, normalize_query, with_diagnosis

# ---------------------------------------------------------------- query preparation


@pytest.mark.parametrize("asked,core", [
    ("Do you know what dropout is?", "what dropout is?"),
    ("What do you know about latent semantic analysis?", "latent semantic analysis?"),
    ("Can you explain in your own words how boosting works?", "how boosting works?"),
    ("What are possible options for handling missing values?", "handling missing values?"),
    ("In general, how do I pick a learning rate, please?", "how do I pick a learning rate?"),
    ("I was wondering whether PCA needs scaling", "PCA needs scaling"),
])
def test_filler_phrases_are_removed_and_the_topic_kept(asked, core):
    assert normalize_query(asked) == core


@pytest.mark.parametrize("q", ["explain PCA", "do you know?", "please", "How would you explain a model to a manager?"])
def test_content_words_and_too_short_results_are_left_alone(q):
    assert normalize_query(q) == q


def test_filler_no_longer_reaches_bm25():
    """The issue: "Do you know ..." questions pulled in the section "When you do not know the answer"."""
    assert "know" in tokenize("Do you know what gradient clipping is?")
    assert "know" not in tokenize(bm25_query("Do you know what gradient clipping is?"))


def test_synonyms_and_rewrites():
    assert "neural network" in expand_query("are local minima a problem for deep nets?")
    assert "net" not in tokenize(expand_query("are local minima a problem for deep nets?"))  # not elastic *net*
    assert tokenize("coefficients")[0] in tokenize(expand_query("how do I read the weights of a linear model?"))
    assert tokenize("weights")[0] in tokenize(expand_query("why do ridge coefficients shrink?"))
    assert "cluster" in tokenize(expand_query("how do I pick k for k-means?"))
    assert "kmean" in tokenize(expand_query("how do I choose the number of clusters?")) or \
        "mean" in tokenize(expand_query("how do I choose the number of clusters?"))
    assert expand_query("k-NN and kNN classifiers") == "k-NN and kNN classifiers"  # the NN of k-NN is not a network
    assert "normalization" in expand_query("batch normalisation")


@pytest.mark.parametrize("q", [
    "My model gets 99% on the training data but only 70% on validation. What is going on?",
    "my validation loss goes up while the training loss keeps going down",
    "Training accuracy keeps climbing to nearly 100% while validation accuracy stalls around 70%.",
    "train loss is decreasing nicely but the val loss has plateaued for 20 epochs",
])
def test_a_described_overfitting_symptom_is_named_for_both_legs(q):
    assert diagnosis(q) == "overfitting"
    assert bm25_query(q).endswith("overfitting") and with_diagnosis(q) == f"{q} (overfitting)"


@pytest.mark.parametrize("q", [
    "What is the difference between the training, validation and test sets?",
    "why is my test accuracy lower than my training accuracy, is that overfitting?",  # already named
    "how do I decrease the learning rate during training?",
    "validation loss goes up",  # no training side
])
def test_no_diagnosis_without_every_part_of_the_symptom(q):
    assert diagnosis(q) is None and with_diagnosis(q) == q


def test_the_described_symptom_finds_the_overfitting_sections():
    """g492 of the gold tune split: without the diagnosis, one of its three labelled overfitting sections was in
    the top 5 (R@5 .33); named for both legs, all three are."""
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.data import load_gold
    from mlnotes.eval.retrieval import dedupe, section_key
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    q = next(q for q in load_gold("tune") if q.id == "g492")
    top = dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in index.search(q.question, k=30)])[:5]
    assert set(q.relevant) <= set(top), top


def test_expansion_only_adds_words_and_is_idempotent_on_plain_queries():
    for q in ["gradient boosting learning rate", "time complexity of k-means", "t-SNE perplexity"]:
        assert expand_query(q) == q and bm25_query(q) == q
    q = "weights and coefficients"
    assert expand_query(q) == q  # both words already present: nothing appended


# ---------------------------------------------------------------- fusion


# scores on a 0.01 grid, like real BM25 and cosine scores (not denormals, whose spread is below float precision)
maps = st.dictionaries(st.integers(0, 40), st.integers(-5000, 5000).map(lambda x: x / 100), min_size=1, max_size=25)


@settings(deadline=None, max_examples=60)
@given(maps)
def test_zscore_matches_scipy(scores):
    from scipy import stats

    ids = list(scores)
    vals = np.array([scores[i] for i in ids])
    got = zscore(scores)
    if np.ptp(vals) == 0:
        assert all(v == 0.0 for v in got.values())
    else:
        np.testing.assert_allclose([got[i] for i in ids], stats.zscore(vals), rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=60)
@given(maps, maps, st.floats(0, 1))
def test_weighted_matches_an_independent_numpy_reference(dense, sparse, w):
    from scipy import stats

    def z(m):
        ids = list(m)
        v = np.array([m[i] for i in ids])
        zz = np.zeros(len(v)) if np.ptp(v) == 0 else stats.zscore(v)
        return dict(zip(ids, zz)), float(zz.min())

    zd, md = z(dense)
    zs, ms = z(sparse)
    ref = {d: w * zd.get(d, md) + (1 - w) * zs.get(d, ms) for d in set(dense) | set(sparse)}
    got = weighted(dense, sparse, w_dense=w)
    assert set(got) == set(ref)
    np.testing.assert_allclose([got[d] for d in ref], [ref[d] for d in ref], rtol=1e-9, atol=1e-9)


def test_a_legs_top_hit_gets_no_constant_floor():
    """Min-max gave a leg's first hit exactly (1 - w) however weakly it stood out (0.65 for BM25 at w_dense 0.35,
    even with no dense support). With z-scores the first hit's share depends on how far it stands out."""
    w = 0.35
    dense = {1: 0.62, 2: 0.55, 3: 0.41, 4: 0.40, 5: 0.38}  # document 99 has no dense support
    barely = {99: 5.1, 6: 5.0, 7: 4.9, 8: 4.8, 9: 4.7}  # BM25's top hit is one step above the next
    clearly = {99: 25.0, 6: 5.0, 7: 4.9, 8: 4.8, 9: 4.7}  # BM25's top hit is an outlier
    for sparse in (barely, clearly):
        nd, ns = minmax(dense), minmax(sparse)
        assert w * nd.get(99, 0.0) + (1 - w) * ns[99] == pytest.approx(0.65)  # the old floor, whatever the shape
    weak, strong = weighted(dense, barely, w_dense=w)[99], weighted(dense, clearly, w_dense=w)[99]
    assert weak < strong
    # a document a leg did not retrieve gets that leg's lowest z, so it never beats the leg's own candidates there
    fused = weighted(dense, barely, w_dense=w)
    assert fused[99] - (1 - w) * zscore(barely)[99] == pytest.approx(w * min(zscore(dense).values()))


def test_weighted_rejects_a_bad_weight():
    with pytest.raises(ValueError, match="w_dense"):
        weighted({1: 1.0}, {1: 1.0}, w_dense=1.5)
