"""The abstention's term coverage (assistant/answering/retrieve.py: TermCoverage) may take each chunk's terms from
the reranker's cached term sets (mlnotes.kb.rerank.RerankData, kept beside a local index) instead of tokenizing
the corpus again: the two tokenizations must agree on every chunk of the corpus, and so must the coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlnotes.assistant.answering.retrieve import TermCoverage, chunk_terms
from mlnotes.kb.chunker import chunk_corpus
from mlnotes.kb.rerank import RerankData

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus_chunks():
    chunks, _ = chunk_corpus(REPO / "corpus")
    return chunks


def test_reranker_term_sets_equal_the_coverage_terms_on_every_chunk(corpus_chunks):
    data = RerankData(corpus_chunks)
    differ = [c.id for c in corpus_chunks if data.info[c.id][5] != frozenset(chunk_terms(c))]
    assert not differ, f"{len(differ)} chunks differ, e.g. {differ[:3]}"


def test_coverage_from_the_cached_sets_equals_coverage_from_tokenizing(corpus_chunks, tmp_path):
    data = RerankData(corpus_chunks, cache=tmp_path / "rerank_terms.npz")
    sets = {cid: info[5] for cid, info in RerankData(corpus_chunks, cache=tmp_path / "rerank_terms.npz").info.items()}
    assert sets == {cid: info[5] for cid, info in data.info.items()}
    plain, cached = TermCoverage(corpus_chunks), TermCoverage(corpus_chunks, sets)
    assert plain.n == cached.n and plain.df == cached.df
    for q in ("What is the time complexity of k-NN prediction?", "How does dropout behave at inference time?",
              "Explain the bias-variance trade-off"):
        for c in corpus_chunks[::97]:
            assert cached.coverage(q, c) == plain.coverage(q, c)
