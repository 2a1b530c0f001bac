"""The REST API: happy paths, citations that point at the cited text, and the bad-input table."""

from __future__ import annotations

import json
import os

import pytest

from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.runner import DemoRunner


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json()["chunks"] > 0


def test_search_post_and_get(client):
    r = client.post("/api/search", json={"query": "time complexity of k-means", "k": 3, "mode": "bm25"})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert hits and hits[0]["section_id"] == "complexity-table"
    assert hits[0]["url"].startswith("/?doc=guides/ml-basics.md")
    r = client.get("/api/search", params={"q": "ridge lasso", "k": 2})
    assert r.status_code == 200 and len(r.json()["hits"]) <= 2


def _norm(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.parametrize("question", ["What does ridge regression do to coefficients?",
                                      "Explain the bias variance trade-off",
                                      "How does k-means work?"])
def test_every_cited_span_contains_its_sentence(client, corpus_dir, question):
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    ans = r.json()
    assert not ans["abstained"] and ans["sentences"]
    by_n = {s["n"]: s for s in ans["sources"]}
    for sent in ans["sentences"]:
        src = by_n[sent["source"]]
        lines = (corpus_dir / src["path"]).read_text().splitlines()
        # the sentence's own span lies inside its source's span, and that text contains the sentence
        assert src["line_start"] <= sent["line_start"] <= sent["line_end"] <= src["line_end"]
        span = _norm(" ".join(lines[sent["line_start"] - 1 : sent["line_end"]]))
        assert _norm(sent["text"]) in span, (sent, span)
        assert f"[{sent['source']}]" in ans["text"]


def test_answer_lists_linked_algorithms(client):
    ans = client.post("/api/ask", json={"question": "ridge regression L2 penalty shrinks coefficients"}).json()
    assert any(a["name"] == "ridge" for a in ans["algorithms"]), ans["algorithms"]


def test_interview_match_answers_with_key_points(settings, services):
    services.answerer.interview_threshold = 0.5
    try:
        from fastapi.testclient import TestClient

        with TestClient(create_app(settings, services=services, with_ui=False)) as c:
            ans = c.post("/api/ask", json={"question": "What is the difference between L1 and L2 regularization?"}).json()
    finally:
        services.answerer.interview_threshold = 0.95
    assert ans["kind"] == "interview" and ans["interview_id"] == "lin-l1-vs-l2"
    assert [s["kind"] for s in ans["sentences"]].count("key_point") == 3
    assert ans["follow_up"]


def test_abstains_when_support_is_below_threshold(client, services):
    services.answerer.abstain_threshold = 0.999
    try:
        ans = client.post("/api/ask", json={"question": "How do I bake sourdough bread?"}).json()
    finally:
        services.answerer.abstain_threshold = 0.05
    assert ans["abstained"] and ans["kind"] == "abstain"
    assert ans["sentences"] == [] and ans["closest"]


def test_ask_stream_sends_deltas_then_answer(client):
    with client.stream("POST", "/api/ask/stream", json={"question": "What is ridge regression?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [blk for blk in body.split("\n\n") if blk.strip()]
    names = [e.split("\n")[0].removeprefix("event: ") for e in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"}
    text = "".join(json.loads(e.split("\n")[1].removeprefix("data: "))["text"] for e in events[:-1])
    final = json.loads(events[-1].split("\n")[1].removeprefix("data: "))["answer"]
    assert text == final["text"]


def test_corpus_tree_raw_and_section(client):
    tree = client.get("/api/corpus/tree").json()
    assert {"path": "guides/ml-basics.md", "title": "Machine learning basics", "kind": "guide",
            "doc_id": "ml-basics"} in tree
    raw = client.get("/api/corpus/raw", params={"path": "guides/ml-basics.md"})
    assert raw.status_code == 200 and raw.text.startswith("---\nid: ml-basics")
    sec = client.get("/api/corpus/section", params={"path": "guides/ml-basics.md", "section": "regularization"})
    assert sec.status_code == 200 and "<h2" in sec.json()["html"] and sec.json()["markdown"].startswith("## Regular")


def test_algorithms_list_and_describe(client):
    algs = client.get("/api/algorithms").json()
    assert any(a["name"] == "ridge" for a in algs)
    d = client.get("/api/algorithms/ridge").json()
    assert d["docstring"] and d["path"] == "algorithms/linear/ridge.py"
    # the fixture guide links to ridge.py from its "Regularization" section
    assert any(t["section_id"] == "regularization" for t in d["taught_in"])


def test_run_demo_returns_metrics_and_figure(client):
    r = client.post("/api/algorithms/ridge/run", json={"params": {}})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["metrics"] and out["reference"] and out["figure_png_base64"]


# ----------------------------------------------------------------------------- the bad-input table
BAD = [
    ("empty query", "post", "/api/search", {"json": {"query": ""}}, 422, "query"),
    ("whitespace query", "post", "/api/search", {"json": {"query": "   \t "}}, 422, "empty"),
    ("long query", "post", "/api/search", {"json": {"query": "x" * 5_000}}, 422, "at most"),
    # a body over the API's 1 MB limit is refused before it is parsed
    ("million-character query", "post", "/api/search", {"json": {"query": "x" * 1_000_000}}, 413, "request body"),
    ("empty question", "post", "/api/ask", {"json": {"question": "  "}}, 422, "empty"),
    ("long question", "post", "/api/ask", {"json": {"question": "y" * 5_000}}, 422, "at most"),
    ("million-character question", "post", "/api/ask", {"json": {"question": "y" * 1_000_000}}, 413, "request body"),
    ("invalid JSON", "post", "/api/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}},
     422, "not valid JSON"),
    ("wrong type for k", "post", "/api/search", {"json": {"query": "a", "k": "many"}}, 422, "k"),
    ("k = 0", "post", "/api/search", {"json": {"query": "a", "k": 0}}, 422, "greater than or equal"),
    ("k negative (GET)", "get", "/api/search", {"params": {"q": "a", "k": -3}}, 422, "greater than or equal"),
    ("k huge", "post", "/api/search", {"json": {"query": "a", "k": 10**9}}, 422, "less than or equal"),
    ("unknown mode", "post", "/api/search", {"json": {"query": "a", "mode": "fuzzy"}}, 422, "mode"),
    ("unknown field", "post", "/api/ask", {"json": {"question": "a", "temperature": 2}}, 422, "unknown field"),
    ("unknown algorithm", "get", "/api/algorithms/no-such-thing", {}, 404, "unknown algorithm"),
    ("run unknown algorithm", "post", "/api/algorithms/nope/run", {"json": {"params": {}}}, 404, "unknown algorithm"),
    ("parameter out of bounds", "post", "/api/algorithms/ridge/run", {"json": {"params": {"alpha": -5}}}, 422, ">="),
    ("parameter of wrong type", "post", "/api/algorithms/ridge/run", {"json": {"params": {"alpha": "lots"}}}, 422,
     "number"),
    ("unknown parameter", "post", "/api/algorithms/ridge/run", {"json": {"params": {"zzz": 1}}}, 422,
     "unknown parameter"),
    ("path with ..", "get", "/api/corpus/raw", {"params": {"path": "../pyproject.toml"}}, 400, ".."),
    ("absolute path", "get", "/api/corpus/raw", {"params": {"path": "/etc/passwd"}}, 400, "absolute"),
    ("not Markdown", "get", "/api/corpus/raw", {"params": {"path": "guides/x.py"}}, 415, "Markdown"),
    ("missing file", "get", "/api/corpus/raw", {"params": {"path": "guides/missing.md"}}, 404, "no corpus file"),
    ("missing section", "get", "/api/corpus/section", {"params": {"path": "guides/ml-basics.md", "section": "nope"}},
     404, "no section"),
]


@pytest.mark.parametrize("name,method,url,kwargs,status,needle", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_clear_4xx_and_the_server_keeps_serving(client, name, method, url, kwargs, status, needle):
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert needle.lower() in body["error"].lower(), body
    assert "Traceback" not in r.text
    assert client.get("/api/health").status_code == 200


def test_symlink_out_of_the_corpus_is_refused(client, corpus_dir, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("# secret\n")
    link = corpus_dir / "guides" / "link.md"
    os.symlink(outside, link)
    try:
        r = client.get("/api/corpus/raw", params={"path": "guides/link.md"})
        assert r.status_code == 403 and "outside the corpus" in r.json()["error"]
        assert all(e["path"] != "guides/link.md" for e in client.get("/api/corpus/tree").json())
    finally:
        link.unlink()


def test_demo_over_its_time_limit_is_killed_and_reported(client):
    app = client.app
    old = app.state.runner
    app.state.runner = DemoRunner(max_concurrent=1, timeout_s=0.2)
    try:
        r = client.post("/api/algorithms/ridge/run", json={"params": {}})
    finally:
        app.state.runner = old
    assert r.status_code == 408 and r.json()["reason"] == "timeout" and "time limit" in r.json()["error"]


def test_demo_over_its_memory_limit_is_killed_and_reported(client):
    app = client.app
    old = app.state.runner
    app.state.runner = DemoRunner(max_concurrent=1, timeout_s=60, memory_mb=120)
    try:
        r = client.post("/api/algorithms/ridge/run", json={"params": {}})
    finally:
        app.state.runner = old
    assert r.status_code == 422 and r.json()["reason"] == "memory", r.text


def test_more_concurrent_runs_than_allowed_get_429(client):
    runner = client.app.state.runner
    assert runner._slots.acquire(blocking=False)  # occupy the only slot, as a running demo would
    try:
        r = client.post("/api/algorithms/ridge/run", json={"params": {}})
    finally:
        runner._slots.release()
    assert r.status_code == 429 and "already in progress" in r.json()["error"]
    assert r.headers.get("retry-after")


def test_api_key_is_required_when_set(settings, services):
    from fastapi.testclient import TestClient

    s = settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(s, services=services, with_ui=False)) as c:
        assert c.get("/api/health").json() == {"status": "ok"}  # liveness stays open, with no data
        assert c.get("/api/health", headers={"Authorization": "Bearer wrong"}).json() == {"status": "ok"}
        assert c.get("/api/health", headers={"Authorization": "Bearer s3cret"}).json()["chunks"] > 0
        assert c.post("/api/search", json={"query": "ridge"}).status_code == 401
        live = c.get("/api/live")  # the container health check: no key, no data
        assert live.status_code == 200 and live.json() == {"status": "ok"}


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/ask" in spec["paths"] and "/api/algorithms/{name}/run" in spec["paths"]


def test_demo_extra_diagnostics_reach_the_api(client):
    r = client.post("/api/algorithms/bagging/run", json={"params": {}})
    assert r.status_code == 200, r.text
    extra = r.json()["extra"]
    assert isinstance(extra.get("single_tree_test_accuracy"), float) and 0 <= extra["single_tree_test_accuracy"] <= 1


def test_search_filters_by_kind_document_and_topic(client):
    r = client.post("/api/search", json={"query": "L1 L2 regularization", "k": 10, "kind": "interview"})
    assert r.status_code == 200 and r.json()["hits"] and {h["kind"] for h in r.json()["hits"]} == {"interview"}
    r = client.get("/api/search", params={"q": "regularization", "document": "guides/ml-basics.md"})
    assert r.json()["hits"] and {h["doc_id"] for h in r.json()["hits"]} == {"ml-basics"}
    r = client.get("/api/search", params={"q": "regularization", "topic": "linear-models"})
    assert {h["doc_id"] for h in r.json()["hits"]} == {"interview-linear-models"}
    r = client.get("/api/search", params={"q": "regularization", "kind": "novel"})
    assert r.status_code == 422
