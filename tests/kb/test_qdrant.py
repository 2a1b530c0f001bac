"""The Qdrant backend against the local index as the oracle.

In CI these run on qdrant-client's embedded mode (``:memory:``, no server). With ``MLNOTES_QDRANT_URL`` pointing at
a server (and ``MLNOTES_QDRANT_API_KEY`` when it needs one) the same tests run against it, each in its own
collections, which it deletes afterwards.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import mlnotes.kb.index
from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.settings import Settings, get_settings
from mlnotes.kb.fusion import rrf
from mlnotes.kb.index import Index, QueryError
from mlnotes.kb.qdrant import (
    QdrantStaleError,
    QdrantUnavailableError,
    connect,
    is_server_url,
    open_qdrant,
    point_id,
    sync_collection,
    sync_from_index,
)
from mlnotes.kb.search import Filters, Retriever, open_retriever
from tests.kb.fakes import HashingEmbedder

pytest.importorskip("qdrant_client")

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
QUERIES = ["time complexity of k-means", "bias variance trade-off", "ridge regression L2 penalty",
           "difference between L1 and L2 regularization", "kNN inference time", "regularization",
           "L2 regularizaton penalty"]  # a typo: both backends correct it the same way (mlnotes.kb.query.QueryPrep)
SETTINGS = Settings(_env_file=None)
URL = SETTINGS.qdrant_url if is_server_url(SETTINGS.qdrant_url) else ":memory:"


@pytest.fixture
def client():
    c = connect(URL, SETTINGS.qdrant_api_key)
    before = {x.name for x in c.get_collections().collections}
    yield c
    if is_server_url(URL):  # leave a real server as it was
        for x in c.get_collections().collections:
            if x.name not in before:
                c.delete_collection(x.name)
    c.close()


@pytest.fixture
def alias():
    return f"mlnotes-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    d = tmp_path_factory.mktemp("qdrant")
    shutil.copytree(FIXTURE, d / "corpus")
    index, _ = Index.build(d / "corpus", d / "index", embedder=HashingEmbedder())
    return index, d


@pytest.fixture
def remote(local, client, alias):
    index, _ = local
    stats = sync_from_index(index, client, alias)
    assert stats.rebuilt and stats.upserted == len(index)
    return open_qdrant(client=client, collection=alias, url=URL, embedder=HashingEmbedder())


def ids(hits):
    return [h.chunk.id for h in hits]


def test_it_is_a_retriever_holding_the_same_chunks_and_vectors(local, remote):
    index, _ = local
    assert isinstance(remote, Retriever) and len(remote) == len(index)
    assert sorted(c.id for c in remote.iter_chunks()) == sorted(c.id for c in index.iter_chunks())
    c = next(index.iter_chunks())
    assert remote.get(c.id) == c and remote.get("nope#nope") is None
    np.testing.assert_allclose(remote.chunk_vectors([c.id]), index.chunk_vectors([c.id]), atol=1e-6)
    assert remote.describe()["chunks"] == len(index) and remote.describe()["model"] == HashingEmbedder.model_id


@pytest.mark.parametrize("mode,fusion", [("bm25", None), ("dense", None), ("hybrid", "weighted"),
                                         ("hybrid", "rrf")])
def test_every_mode_ranks_and_scores_like_the_local_index(local, remote, mode, fusion):
    """BM25 through Qdrant's IDF modifier equals bm25s' lucene scores; dense equals FAISS inner products."""
    index, _ = local
    for q in QUERIES:
        a = index.search(q, k=10, mode=mode, fusion=fusion)
        b = remote.search(q, k=10, mode=mode, fusion=fusion)
        assert ids(a) == ids(b), q
        assert [h.score for h in b] == pytest.approx([h.score for h in a], rel=1e-5, abs=1e-6)
        if mode == "bm25":
            assert [h.bm25_score for h in b] == pytest.approx([h.bm25_score for h in a], rel=1e-5)


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_the_learned_reranker_reorders_like_the_local_index(local, remote, fusion):
    """mlnotes.kb.rerank over the first fused candidates: the same features (heading cosines from the points' last
    unit vectors) and so the same order in both backends, with or without it."""
    index, _ = local
    for q in QUERIES:
        for rerank in (True, False):
            a = index.search(q, k=10, fusion=fusion, rerank=rerank)
            b = remote.search(q, k=10, fusion=fusion, rerank=rerank)
            assert ids(a) == ids(b), (q, rerank)


def test_both_backends_prepare_queries_from_the_same_chunks(local, remote):
    index, _ = local
    q = "L2 regularizaton penalty"
    assert remote.query_prep().correct(q) == index.query_prep().correct(q) == "L2 regularization penalty"
    assert remote.query_prep().acronyms == index.query_prep().acronyms


@pytest.mark.parametrize("filters", [Filters(kind="interview"), Filters(document="ml-basics"),
                                     Filters(document="guides/ml-basics.md"), Filters(topic="linear-models"),
                                     Filters(kind="guide", topic="nope")])
@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_filters_pass_through_like_the_local_index(local, remote, filters, mode):
    index, _ = local
    for q in QUERIES:
        assert ids(remote.search(q, k=10, mode=mode, filters=filters)) == ids(
            index.search(q, k=10, mode=mode, filters=filters)), (q, filters)


def test_qdrant_server_side_rrf_equals_our_rrf_of_the_two_legs(local, client, alias, remote):
    server = open_qdrant(client=client, collection=alias, url=URL, embedder=HashingEmbedder(), server_rrf=True)
    for q in QUERIES:
        for k in (0.0, 1.0, 5.0, 60.0, 2.5):  # 2.5: not an integer, fused client-side
            legs = [remote.search(q, k=50, mode=m) for m in ("bm25", "dense")]
            ours = rrf([{h.chunk.id: h.score for h in leg} for leg in legs], k=k)  # mlnotes.kb.fusion.rrf as the oracle
            got = server.search(q, k=5, fusion="rrf", rrf_k=k, rerank=False)  # the fusion itself, not reranked
            assert [h.score for h in got] == pytest.approx(sorted(ours.values(), reverse=True)[:5])
            assert all(ours[h.chunk.id] == pytest.approx(h.score) for h in got)


def test_bad_queries_are_refused_like_the_local_index(remote):
    for kwargs, msg in (({"query": "  "}, "empty"), ({"query": "x", "k": 0}, "between"),
                        ({"query": "x", "mode": "nope"}, "valid modes"), ({"query": "x", "fusion": "borda"},
                                                                          "valid fusions")):
        with pytest.raises(QueryError, match=msg):
            remote.search(**kwargs)


def _edit_corpus(corpus: Path) -> None:
    p = corpus / "guides" / "ml-basics.md"
    text = p.read_text(encoding="utf-8")
    first = text.index("\n## ")  # a blank line above the first section: its text stays, its lines move
    p.write_text(text[:first] + "\n" + text[first:] + "\n\n## Early stopping\n\nStop training when the "
                 "validation loss stops improving; it acts as a regulariser on gradient descent.\n", encoding="utf-8")
    interview = sorted((corpus / "interview").glob("*.md"))[0]
    interview.unlink()


def test_reindexing_upserts_changed_chunks_deletes_removed_ones_and_keeps_the_collection(local, client, alias,
                                                                                         tmp_path):
    index, d = local
    shutil.copytree(d / "corpus", tmp_path / "corpus")
    shutil.copytree(d / "index", tmp_path / "index")
    first = sync_from_index(index, client, alias)
    _edit_corpus(tmp_path / "corpus")
    new, _ = Index.build(tmp_path / "corpus", tmp_path / "index", embedder=HashingEmbedder())
    old_hash = {c.id: c.to_dict() for c in index.iter_chunks()}
    new_hash = {c.id: c.to_dict() for c in new.iter_chunks()}
    changed = {i for i, h in new_hash.items() if old_hash.get(i) != h}
    removed = set(old_hash) - set(new_hash)
    moved = {i for i in changed & set(old_hash) if old_hash[i]["text"] == new_hash[i]["text"]}
    assert changed and removed and moved  # the edit changes, removes and moves chunks
    second = sync_from_index(new, client, alias)
    assert not second.rebuilt and second.collection == first.collection
    assert (second.upserted, second.deleted, second.unchanged) == (len(changed), len(removed),
                                                                   len(new_hash) - len(changed))
    r = open_qdrant(client=client, collection=alias, url=URL, embedder=HashingEmbedder())
    assert sorted(c.id for c in r.iter_chunks()) == sorted(new_hash)
    assert all(r.get(i) == new.get(i) for i in new_hash)  # moved chunks cite their new lines
    for q in QUERIES + ["early stopping validation loss"]:
        for mode in ("bm25", "dense", "hybrid"):
            a, b = new.search(q, k=10, mode=mode), r.search(q, k=10, mode=mode)
            assert ids(a) == ids(b), (q, mode)
            assert [h.score for h in b] == pytest.approx([h.score for h in a], rel=1e-5, abs=1e-6)
    assert sync_from_index(new, client, alias).upserted == 0  # nothing changed: nothing uploaded


def test_force_and_a_new_embedder_switch_the_alias_to_a_fresh_collection(local, client, alias, remote):
    index, _ = local
    before = {x.name for x in client.get_collections().collections}
    (old,) = [a.collection_name for a in client.get_aliases().aliases if a.alias_name == alias]
    forced = sync_from_index(index, client, alias, force=True)
    assert forced.rebuilt and forced.collection != old
    after = {x.name for x in client.get_collections().collections}
    assert forced.collection in after and old not in after and after - before == {forced.collection}
    assert ids(remote.search("regularization", k=5)) == ids(index.search("regularization", k=5))
    chunks = list(index.iter_chunks())
    other = sync_collection(client, alias, chunks, np.ones((len(chunks), 8), np.float32) / np.sqrt(8),
                            model_id="other/model")
    assert other.rebuilt and "embedder 'test/hashing-embedder'" in other.reason


def test_a_collection_from_another_embedder_or_chunker_is_refused_with_reindex(local, client, alias, remote,
                                                                               monkeypatch):
    class Other(HashingEmbedder):
        model_id = "other/model"

    stale = open_qdrant(client=client, collection=alias, url=URL, embedder=Other(), log=lambda m: None)
    with pytest.raises(QdrantStaleError, match="re-index with 'mlnotes index --backend qdrant --force'"):
        stale.search("regularization")
    monkeypatch.setattr("mlnotes.kb.qdrant.CHUNKER_VERSION", "999")
    fresh = open_qdrant(client=client, collection=alias, url=URL, embedder=HashingEmbedder(), log=lambda m: None)
    with pytest.raises(QdrantStaleError, match="chunker version '2', expected '999'"):
        fresh.search("regularization")


def test_a_missing_collection_says_how_to_build_it(client):
    logged = []
    r = open_qdrant(client=client, collection="mlnotes-absent", url=URL, embedder=HashingEmbedder(),
                    log=logged.append)
    assert "no collection 'mlnotes-absent'" in logged[0] and "mlnotes index --backend qdrant" in logged[0]
    with pytest.raises(QdrantUnavailableError, match="mlnotes index --backend qdrant"):
        r.search("x")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Refuse(http.server.BaseHTTPRequestHandler):
    def _deny(self):
        body = json.dumps({"status": {"error": "Invalid api-key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _deny

    def log_message(self, *args):
        pass


def test_an_unreachable_server_is_a_503_naming_the_url_and_recovers(local, tmp_path, client, alias, remote):
    index, d = local
    url = f"http://127.0.0.1:{_free_port()}"
    logged = []
    down = open_qdrant(url=url, collection=alias, embedder=HashingEmbedder(), log=logged.append)
    assert logged and f"cannot reach Qdrant at {url}" in logged[0]
    with pytest.raises(QdrantUnavailableError, match=f"cannot reach Qdrant at {url}"):
        down.search("regularization")
    settings = Settings(_env_file=None, corpus_dir=d / "corpus", index_dir=d / "index", data_dir=tmp_path / "data",
                        search_backend="qdrant", qdrant_url=url, qdrant_collection=alias)
    from mlnotes.assistant.services import build_services

    svc = build_services(settings, log_fn=lambda m: None, retriever=down, with_generator=False, with_interview=False)
    with TestClient(create_app(settings, services=svc, with_ui=False), raise_server_exceptions=False) as api:
        r = api.get("/api/search", params={"q": "regularization", "k": 3})
        assert r.status_code == 503 and url in r.text and "Traceback" not in r.text
        down.client = client  # the server "comes back": the next request succeeds without a restart
        r = api.get("/api/search", params={"q": "regularization", "k": 3})
        assert r.status_code == 200 and [h["chunk_id"] for h in r.json()["hits"]] == ids(
            index.search("regularization", k=3))


def test_wrong_credentials_get_a_clear_message():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        logged = []
        r = open_qdrant(url=url, api_key="wrong", collection="mlnotes", embedder=HashingEmbedder(),
                        log=logged.append)
        assert "refused the credentials (HTTP 401)" in logged[0] and url in logged[0]
        assert "MLNOTES_QDRANT_API_KEY" in logged[0]
    finally:
        server.shutdown()
    assert r.url == url


def test_cli_index_backend_qdrant_then_search_through_the_settings(local, tmp_path, monkeypatch):
    """``mlnotes index --backend qdrant`` into an embedded folder, re-run in place, then search served by it."""
    from mlnotes.assistant.cli import app

    _, d = local
    shutil.copytree(d / "corpus", tmp_path / "corpus")
    shutil.copytree(d / "index", tmp_path / "index")  # current: the CLI reuses it (no MiniLM needed)
    monkeypatch.setattr(mlnotes.kb.index, "_default_embedder", lambda: HashingEmbedder())
    monkeypatch.setattr("mlnotes.kb.qdrant._default_model_id", lambda: HashingEmbedder.model_id)
    for k, v in {"CORPUS_DIR": tmp_path / "corpus", "INDEX_DIR": tmp_path / "index",
                 "QDRANT_URL": tmp_path / "qdrant", "QDRANT_COLLECTION": "notes"}.items():
        monkeypatch.setenv(f"MLNOTES_{k}", str(v))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["index", "--backend", "qdrant"])
        assert r.exit_code == 0 and "rebuilt" in r.output, r.output
        r = runner.invoke(app, ["index", "--backend", "qdrant"])
        assert r.exit_code == 0 and "0 uploaded, 0 deleted" in r.output and "in place" in r.output, r.output
        monkeypatch.setenv("MLNOTES_SEARCH_BACKEND", "qdrant")
        get_settings.cache_clear()
        r = runner.invoke(app, ["search", "bias variance tradeoff", "--json", "-k", "3"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["hits"][0]["section_id"] == "biasvariance-trade-off"
        r = runner.invoke(app, ["index", "--backend", "elastic"])
        assert r.exit_code == 2 and "valid: local, qdrant" in r.output
    finally:
        get_settings.cache_clear()


def test_open_retriever_passes_the_settings_options(local, tmp_path):
    settings = Settings(_env_file=None, search_backend="qdrant", qdrant_url=":memory:", qdrant_collection="abc",
                        qdrant_api_key="")
    assert settings.backend_options == {"url": ":memory:", "api_key": None, "collection": "abc",
                                        "server_rrf": False}
    assert Settings(_env_file=None).backend_options == {}
    r = open_retriever("qdrant", index_dir=tmp_path, embedder=HashingEmbedder(), log=lambda m: None,
                       **settings.backend_options)
    assert r.name == "qdrant" and r.collection == "abc"
    assert point_id("a#b") == point_id("a#b") != point_id("a#c")


def test_eval_backends_section_reports_both_backends_on_each_set(local):
    """`mlnotes eval --backends`: the local index and a Qdrant collection filled from it, side by side per set, with
    the report section; on the same chunks and vectors the two rank alike (delta 0 in every configuration)."""
    from mlnotes.eval.backends import CONFIGS, METRICS, backends_markdown, backends_section
    from mlnotes.eval.data import Question, section_key

    index, _ = local
    chunks = list(index.iter_chunks())[:6]
    qs = [Question(f"q{i}", c.heading or c.index_text[:60], "definition", "heldout",
                   (section_key(c.doc_id, c.section_id),)) for i, c in enumerate(chunks)]
    res = backends_section(index, url=":memory:", collection="eval-side-by-side",
                           sets={"gold": qs[:3], "external": qs[3:]}, log=lambda m: None)
    assert set(res["sets"]) == {"gold", "external"}
    for part in res["sets"].values():
        assert part["questions"] == 3 and set(part["configs"]) == {c.name for c in CONFIGS}
        for row in part["configs"].values():
            assert all(0.0 <= row[b][m] <= 1.0 for b in ("local", "qdrant") for m in METRICS)
            assert row["delta_mrr@10"] == pytest.approx(row["qdrant"]["mrr@10"] - row["local"]["mrr@10"])
            assert abs(row["delta_mrr@10"]) <= 0.01
    md = "\n".join(backends_markdown(res))
    assert "## Backends side by side" in md and "### gold (3 questions)" in md and "### external (3 questions)" in md
