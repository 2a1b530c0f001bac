"""The retrieval seam: the local index through the Retriever protocol, per-call parameters, filters, the backend
registry (a second backend through every caller), and ``Index.load()`` ranking like the API."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import mlnotes.kb.index
from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.settings import Settings
from mlnotes.kb.fusion import DEFAULT_FUSION, FusionParams
from mlnotes.kb.index import Index, QueryError
from mlnotes.kb.search import BACKENDS, Filters, Retriever, open_retriever
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
QUERIES = ["time complexity of k-means", "bias variance trade-off", "ridge regression L2 penalty",
           "difference between L1 and L2 regularization", "kNN inference time", "regularization"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("search")
    shutil.copytree(FIXTURE, d / "corpus")
    index, _ = Index.build(d / "corpus", d / "index", embedder=HashingEmbedder())
    return index, d / "corpus", d / "index"


def test_local_index_is_a_retriever_with_the_served_defaults(built):
    index, _, _ = built
    assert isinstance(index, Retriever) and index.defaults == DEFAULT_FUSION
    assert Settings(_env_file=None).fusion_params == DEFAULT_FUSION  # one source of the defaults
    c = next(index.iter_chunks())
    assert index.get(c.id) is c and index.get("nope") is None and len(index) == len(list(index.iter_chunks()))
    np.testing.assert_allclose(index.chunk_vectors([c.id])[0], index.embed_texts([c.index_text])[0], atol=1e-6)


def test_per_call_parameters_do_not_leak_between_calls(built):
    index, _, _ = built
    q = "difference between L1 and L2 regularization"
    served = [h.chunk.id for h in index.search(q, k=10)]
    rrf = index.search(q, k=10, fusion="rrf", rrf_k=60)
    view = index.with_defaults(FusionParams("rrf", 60.0, 0.5))
    assert [h.chunk.id for h in view.search(q, k=10)] == [h.chunk.id for h in rrf]
    assert [h.score for h in view.search(q, k=10)] == pytest.approx([h.score for h in rrf])
    assert [h.chunk.id for h in index.search(q, k=10)] == served  # the index itself is unchanged
    with pytest.raises(QueryError, match="valid fusions"):
        index.search(q, fusion="borda")
    with pytest.raises(QueryError, match="w_dense"):
        index.search(q, w_dense=1.5)


@pytest.mark.parametrize("mode", ["bm25", "dense"])
@pytest.mark.parametrize("filters", [Filters(kind="interview"), Filters(document="ml-basics"),
                                     Filters(document="guides/ml-basics.md"), Filters(topic="linear-models")])
def test_filters_equal_the_unfiltered_ranking_restricted_to_matching_chunks(built, mode, filters):
    """Oracle: rank everything without a filter, keep the matching chunks, in order."""
    index, _, _ = built
    docs = index.docs

    def keep(c):
        return ((filters.kind is None or c.kind == filters.kind)
                and filters.document in (None, c.doc_id, c.path)
                and (filters.topic is None or filters.topic in docs[c.doc_id]["topics"]))

    for q in QUERIES:
        every = index.search(q, k=len(index), mode=mode, candidates=len(index))
        want = [h.chunk.id for h in every if keep(h.chunk)][:5]
        got = index.search(q, k=5, mode=mode, filters=filters)
        assert [h.chunk.id for h in got] == want, (q, filters)
        assert [h.score for h in got] == pytest.approx([h.score for h in every if keep(h.chunk)][:5], abs=1e-5)


def test_hybrid_filter_returns_only_matching_chunks_and_an_unknown_topic_nothing(built):
    index, _, _ = built
    hits = index.search("regularization penalty", k=10, filters=Filters(kind="guide"))
    assert hits and all(h.chunk.kind == "guide" for h in hits)
    assert index.search("regularization", filters=Filters(topic="no-such-topic")) == []


def test_unknown_backend_is_refused_with_the_registered_names(built, tmp_path):
    with pytest.raises(ValueError, match=r"registered backends: \['local', 'qdrant'\]"):
        open_retriever("elastic", index_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown search backend"):
        Settings(_env_file=None, search_backend="elastic")


def test_a_second_backend_is_one_file_and_one_registration_line(built, monkeypatch, tmp_path):
    """The dummy backend (tests/kb/dummy_backend.py) serves the API, the answers and the CLI's retriever."""
    _, corpus, index_dir = built
    monkeypatch.setitem(BACKENDS, "dummy", "tests.kb.dummy_backend:open_dummy")  # the one line
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=index_dir, data_dir=tmp_path / "data",
                        search_backend="dummy")
    with TestClient(create_app(settings, with_ui=False), raise_server_exceptions=False) as client:
        assert client.get("/api/health").json()["backend"] == "dummy"
        hits = client.post("/api/search", json={"query": "time complexity of k-means", "k": 3, "mode": "bm25"})
        assert hits.status_code == 200 and hits.json()["hits"][0]["section_id"] == "complexity-table"
        ans = client.post("/api/ask", json={"question": "What does ridge regression do to coefficients?"})
        assert ans.status_code == 200 and ans.json()["sources"], ans.text
        assert type(client.app.state.index).__name__ == "DummyRetriever"


def test_index_load_in_plain_python_ranks_like_the_api(built, monkeypatch, tmp_path):
    """A notebook's ``Index.load(dir)`` and the served API (Settings defaults) give the same top 10."""
    _, corpus, index_dir = built
    monkeypatch.setattr(mlnotes.kb.index, "_default_embedder", lambda cache_dir=None: HashingEmbedder())
    plain = Index.load(index_dir)
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=index_dir, data_dir=tmp_path / "data")
    with TestClient(create_app(settings, with_ui=False), raise_server_exceptions=False) as client:
        def api(q):
            return [h["chunk_id"] for h in client.get("/api/search", params={"q": q, "k": 10}).json()["hits"]]

        for q in QUERIES:
            assert api(q) == [h.chunk.id for h in plain.search(q, k=10)], q
        # the comparison can fail: a server configured with other fusion weights ranks differently
        other = Settings(_env_file=None, corpus_dir=corpus, index_dir=index_dir, data_dir=tmp_path / "data",
                         fusion="rrf", rrf_k=60.0)
    with TestClient(create_app(other, with_ui=False), raise_server_exceptions=False) as client:
        diffs = [q for q in QUERIES if [h["chunk_id"] for h in client.get(
            "/api/search", params={"q": q, "k": 10}).json()["hits"]] != [h.chunk.id for h in plain.search(q, k=10)]]
    assert diffs
