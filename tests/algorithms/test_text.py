"""Text algorithms against scikit-learn and rank-bm25, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

from mlnotes.algorithms.text._corpus import DOCUMENTS
from mlnotes.algorithms.text.bm25 import BM25, whitespace_tokenize
from mlnotes.algorithms.text.bpe import BPETokenizer
from mlnotes.algorithms.text.ngram_lm import NGramLanguageModel
from mlnotes.algorithms.text.tfidf import TfidfVectorizer

QUERIES = ["gradient descent learning rate", "decision tree impurity", "the", "attention transformer token",
           "unknownword boosting boosting"]


@pytest.mark.parametrize("sublinear", [False, True])
def test_tfidf_matches_sklearn(sublinear):
    ours = TfidfVectorizer(sublinear_tf=sublinear).fit(DOCUMENTS)
    ref = SkTfidf(sublinear_tf=sublinear).fit(DOCUMENTS)
    assert ours.vocabulary_ == ref.vocabulary_
    np.testing.assert_allclose(ours.idf_, ref.idf_, atol=1e-12)
    np.testing.assert_allclose(ours.transform(DOCUMENTS), ref.transform(DOCUMENTS).toarray(), atol=1e-12)
    np.testing.assert_allclose(ours.transform(QUERIES), ref.transform(QUERIES).toarray(), atol=1e-12)


def test_tfidf_rejects_a_bare_string():
    with pytest.raises(ValueError):
        TfidfVectorizer().fit("one string, not a list")


@pytest.mark.parametrize("k1,b", [(1.5, 0.75), (1.2, 0.0), (2.0, 1.0)])
def test_bm25_matches_rank_bm25(k1, b):
    ours = BM25(k1=k1, b=b).fit(DOCUMENTS)
    ref = BM25Okapi([whitespace_tokenize(d) for d in DOCUMENTS], k1=k1, b=b)
    for q in QUERIES:
        np.testing.assert_allclose(ours.get_scores(q), ref.get_scores(whitespace_tokenize(q)), atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.sampled_from(["gradient", "tree", "the", "data", "kernel", "zzz"]), min_size=1, max_size=5),
       seed=st.integers(0, 1000))
def test_bm25_is_invariant_to_document_order_and_saturates(words, seed):
    perm = np.random.default_rng(seed).permutation(len(DOCUMENTS))
    a = BM25().fit(DOCUMENTS).get_scores(words)
    b = BM25().fit([DOCUMENTS[i] for i in perm]).get_scores(words)
    np.testing.assert_allclose(b, a[perm], atol=1e-12)
    # saturation: one term's contribution is bounded by (k1 + 1) * idf however often it appears
    m = BM25().fit(["kernel " * 50 + "trick", "other words here", "more other words"])
    assert m.get_scores(["kernel"])[0] < (m.k1 + 1) * m.idf_["kernel"]


@pytest.mark.parametrize("vocab_size", [60, 150, 300])
def test_bpe_matches_huggingface_tokenizers(vocab_size):
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    ours = BPETokenizer(vocab_size=vocab_size, min_frequency=1).fit(DOCUMENTS)
    ref = Tokenizer(models.BPE())
    ref.pre_tokenizer = pre_tokenizers.Whitespace()
    ref.train_from_iterator(DOCUMENTS, trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=1, special_tokens=[],
                                                          show_progress=False))
    merges = [tuple(m) for m in json.loads(ref.to_str())["model"]["merges"]]
    assert ours.merges_ == merges  # same merges in the same order (same tie-breaking)
    assert ours.vocab_ == ref.get_vocab()
    for text in DOCUMENTS + QUERIES:  # (characters outside the alphabet: HF drops them, we keep them)
        assert ours.tokenize(text) == ref.encode(text).tokens


_TOKENIZER = BPETokenizer(vocab_size=120, min_frequency=1).fit(DOCUMENTS)


@settings(max_examples=20, deadline=None)
@given(text=st.text(alphabet="abcdefghijklmnoprstu ", min_size=1, max_size=40))
def test_bpe_tokens_concatenate_back_to_the_words(text):
    tok = _TOKENIZER
    assert "".join(tok.tokenize(text)) == "".join(text.split())


_WORDS = sorted({w for d in DOCUMENTS for w in d.split()})


@settings(max_examples=25, deadline=None)
@given(order=st.integers(1, 4), context=st.lists(st.sampled_from(_WORDS + ["unseenword"]), max_size=4),
       smoothing=st.sampled_from(["kneser_ney", "add_k"]), d=st.floats(0.05, 0.95))
def test_ngram_probabilities_sum_to_one(order, context, smoothing, d):
    m = NGramLanguageModel(order=order, smoothing=smoothing, discount=d).fit(DOCUMENTS)
    assert sum(m.prob(w, context) for w in m.vocab_) == pytest.approx(1.0, abs=1e-9)


def test_ngram_add_k_and_kneser_ney_by_hand():
    docs = ["aa bb aa bb", "aa cc"]  # words a = aa, b = bb, c = cc (tokens need two characters)
    m = NGramLanguageModel(order=2, smoothing="add_k", k=1.0).fit(docs)
    # vocabulary a, b, c, </s>, <unk>: c(a, b) = 2, c(a, .) = 3
    assert m.prob("bb", ["aa"]) == pytest.approx((2 + 1) / (3 + 5))
    kn = NGramLanguageModel(order=2, smoothing="kneser_ney", discount=0.5).fit(docs)
    # bigram types: (<s>,a) (a,b) (b,a) (b,</s>) (a,c) (c,</s>): N1+(..) = 6; b follows only a: N1+(.b) = 1;
    # 4 words have a continuation count (a, b, c, </s>); the uniform floor spreads over |V| = 5
    p_cont_b = (1 - 0.5) / 6 + 0.5 * 4 / 6 / 5
    expected = (2 - 0.5) / 3 + 0.5 * 2 / 3 * p_cont_b  # a is followed by 2 distinct words (b, c)
    assert kn.prob("bb", ["aa"]) == pytest.approx(expected)
