"""Hot reload through the API (issue #18, item 3): the admin call is guarded, the old index keeps answering while the
new one builds, the switch happens at once, and a failed build keeps the old index and says why."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from fastapi.testclient import TestClient

from mlnotes.assistant.api.app import create_app
from mlnotes.kb.index import Index
from tests.kb.fakes import HashingEmbedder

KEY = "reload-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture()
def own_corpus(corpus_dir, tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(corpus_dir, d)
    return d


def _health(c):
    return c.get("/api/health", headers=AUTH).json()


def _wait(c, pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        h = _health(c)
        if pred(h):
            return h
        time.sleep(0.05)
    raise AssertionError(f"timed out; last health {h}")


def test_admin_reload_is_guarded(settings, services):
    with TestClient(create_app(settings, services=services, with_ui=False, reload_build=lambda: services.index)) as c:
        r = c.post("/api/admin/reload")  # no key set, and the test client is not on loopback
        assert r.status_code == 403 and "loopback" in r.json()["error"]
    s = settings.model_copy(update={"api_key": KEY})
    with TestClient(create_app(s, services=services, with_ui=False, reload_build=lambda: services.index)) as c:
        assert c.post("/api/admin/reload").status_code == 401
        assert c.post("/api/admin/reload", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert c.post("/api/admin/reload", headers=AUTH).status_code == 202


def test_old_index_serves_while_the_new_one_builds_then_switches(settings, services, own_corpus, tmp_path):
    out = tmp_path / "index"
    first, _ = Index.build(own_corpus, out, embedder=HashingEmbedder())
    go = threading.Event()

    def slow_build():
        go.wait(30)
        return Index.load_or_build(own_corpus, out, embedder=HashingEmbedder(), log=lambda m: None)[0]

    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.services import Services

    svc = Services(index=first, answerer=Answerer(first, own_corpus, abstain_threshold=0.05),
                   runner=services.runner)
    s = settings.model_copy(update={"api_key": KEY})
    with TestClient(create_app(s, services=svc, with_ui=False, reload_build=slow_build)) as c:
        v0 = _health(c)["index_version"]
        (own_corpus / "guides" / "new.md").write_text("---\nid: new-doc\ntitle: New\nkind: guide\n---\n# New\n\n"
                                                      "## Part\n\nThe flumox estimator shrinks towards zero.\n")
        r = c.post("/api/admin/reload", headers=AUTH)
        assert r.status_code == 202 and r.json() == {"status": "reloading", "served_version": v0}
        assert c.post("/api/admin/reload", headers=AUTH).json()["status"] == "already reloading"
        for _ in range(5):  # the build is blocked: the old index answers meanwhile
            r = c.post("/api/search", json={"query": "flumox", "mode": "bm25"}, headers=AUTH)
            assert r.status_code == 200 and r.json()["hits"] == []
            assert c.post("/api/ask", json={"question": "What is ridge regression?"}, headers=AUTH).status_code == 200
        h = _health(c)
        assert h["reloading"] and h["index_version"] == v0
        go.set()
        h = _wait(c, lambda h: not h["reloading"])
        assert h["index_version"] != v0 and h["last_reload"]["ok"] and h["last_reload"]["version"] == h["index_version"]
        hits = c.post("/api/search", json={"query": "flumox", "mode": "bm25"}, headers=AUTH).json()["hits"]
        assert hits and hits[0]["doc_id"] == "new-doc"
        r = c.post("/api/ask", json={"question": "What does the flumox estimator do?"}, headers=AUTH)
        assert r.status_code == 200 and "new-doc" in r.text


def test_a_failed_reload_keeps_the_old_index(settings, services):
    def broken():
        raise OSError(28, "No space left on device")

    s = settings.model_copy(update={"api_key": KEY})
    with TestClient(create_app(s, services=services, with_ui=False, reload_build=broken)) as c:
        v0 = _health(c)["index_version"]
        assert c.post("/api/admin/reload", headers=AUTH).status_code == 202
        h = _wait(c, lambda h: h["last_reload"] is not None)
        assert h["last_reload"]["ok"] is False and "No space left" in h["last_reload"]["error"]
        assert h["index_version"] == v0
        assert c.post("/api/search", json={"query": "ridge"}, headers=AUTH).status_code == 200


def test_a_stale_index_is_served_at_start_while_it_rebuilds(settings, own_corpus, tmp_path):
    from mlnotes.assistant.api.reload import stale_index

    out = tmp_path / "index"
    s = settings.model_copy(update={"corpus_dir": own_corpus, "index_dir": out})
    assert stale_index(s) is None  # no index: the normal path builds it before serving
    Index.build(own_corpus, out, embedder=HashingEmbedder())
    assert stale_index(s) is None  # current: the normal path loads it
    (own_corpus / "guides" / "ml-basics.md").write_text("---\nid: ml-basics\ntitle: B\nkind: guide\n---\n# B\n\nx\n")
    logs: list[str] = []
    old = stale_index(s, log=logs.append)
    assert old is not None and old.directory == Index.load(out).directory
    assert any("serving the previous index while a new one builds" in line for line in logs)
    assert stale_index(s.model_copy(update={"search_backend": "qdrant"})) is None


@pytest.mark.slow
def test_a_served_app_starts_on_a_stale_index_and_swaps_in_the_rebuild(own_corpus, tmp_path):
    """The real start-up path (the packaged MiniLM, the lifespan's build_services and warm-up): an out-of-date
    index is served at once and the rebuilt one replaces it."""
    from mlnotes.assistant.settings import Settings

    out = tmp_path / "index"
    s = Settings(corpus_dir=own_corpus, index_dir=out, data_dir=tmp_path / "data", api_key=KEY)
    Index.build(own_corpus, out)  # the packaged MiniLM
    v0 = Index.load(out).directory.name
    (own_corpus / "guides" / "extra.md").write_text("---\nid: extra\ntitle: Extra\nkind: guide\n---\n# Extra\n\n"
                                                    "## Part\n\nThe quibbleton kernel smooths noisy gradients.\n")
    with TestClient(create_app(s, with_ui=False)) as c:
        h = _wait(c, lambda h: not h["reloading"] and h["index_version"] != v0, timeout=120)
        # rebuilt by the background reloader (a blocking rebuild at start would leave last_reload empty)
        assert h["last_reload"]["ok"] and h["last_reload"]["version"] == h["index_version"]
        hits = c.post("/api/search", json={"query": "quibbleton", "mode": "bm25"}, headers=AUTH).json()["hits"]
        assert hits and hits[0]["doc_id"] == "extra"
