"""Text algorithms against scikit-learn and rank-bm25, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

from algorithms.text._corpus import DOCUMENTS
from algorithms.text.bm25 import BM25, whitespace_tokenize
from algorithms.text.tfidf import TfidfVectorizer

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
