"""Contract hygiene (issue #18, item 8): echoed values are cut short, free-text demo parameters are limited, demo
failures are classified (bad input 422, timeout 408, a bug 500), and the nmf demo's figure renders through the
runner's child process."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mlnotes.assistant.api.app import ECHO_LIMIT, MESSAGE_LIMIT, clip, create_app
from mlnotes.assistant.runner import MAX_TEXT_CHARS, DemoRunner, RunFailed


@pytest.fixture()
def client(settings, services):
    with TestClient(create_app(settings, services=services, with_ui=False), raise_server_exceptions=False) as c:
        yield c


def test_clip_cuts_quoted_values_and_the_whole_message():
    long = "x" * 5000
    out = clip(f"unknown mode {long!r}; valid modes: ['bm25']")
    assert len(out) < ECHO_LIMIT + 100 and "(5000 characters)" in out and out.endswith("valid modes: ['bm25']")
    assert len(clip("y " * 5000)) <= MESSAGE_LIMIT + 40
    assert clip("short 'value'") == "short 'value'"


@pytest.mark.parametrize("call", [
    lambda c, big: c.post("/api/search", json={"query": "ridge", "mode": big}),
    lambda c, big: c.get("/api/algorithms/" + big[:5000]),
    lambda c, big: c.post("/api/algorithms/ridge/run", json={"params": {big[:3000]: 1}}),
    lambda c, big: c.get("/api/corpus/doc", params={"path": big[:5000]}),
    lambda c, big: c.post("/api/algorithms/ridge/run", json={"params": {"alpha": big}}),
])
def test_errors_never_echo_a_huge_value(client, call):
    big = "Z" * 200_000
    r = call(client, big)
    assert 400 <= r.status_code < 500, r.text[:300]
    assert len(r.content) < 4000, f"{len(r.content)} bytes back for a 200k-character value"
    assert "error" in r.json()


def test_free_text_demo_parameters_are_limited(client):
    r = client.post("/api/algorithms/bpe/run", json={"params": {"text": "a" * (MAX_TEXT_CHARS + 1)}})
    assert r.status_code == 422 and f"the limit is {MAX_TEXT_CHARS}" in r.json()["error"]
    r = client.post("/api/algorithms/bpe/run", content='{"params": {"text": "abc \\ud800 def"}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and "surrogate" in r.json()["error"], r.text


def test_demo_failures_are_classified(monkeypatch, caplog):
    from mlnotes.kb import childproc

    runner = DemoRunner(max_concurrent=1, timeout_s=30)

    def fake(payload):
        return childproc.ChildResult(records=[payload], returncode=0)

    cases = {"input": ({"error": "ValueError: n_components must be positive", "input": True}, 422),
             "error": ({"error": "KeyError: 'oops'"}, 500),
             "memory": ({"error": "out of memory", "memory": True}, 422)}
    from mlnotes.assistant.runner import STATUS

    for reason, (payload, status) in cases.items():
        monkeypatch.setattr("mlnotes.assistant.runner.run_child", lambda *a, p=payload, **k: fake(p))
        with pytest.raises(RunFailed) as ei:
            runner.run("ridge")
        assert ei.value.reason == reason and STATUS[reason] == status
    monkeypatch.setattr("mlnotes.assistant.runner.run_child",
                        lambda *a, **k: childproc.ChildResult(timed_out=True, returncode=-9))
    with pytest.raises(RunFailed) as ei:
        runner.run("ridge")
    assert ei.value.reason == "timeout" and STATUS["timeout"] == 408


def test_the_child_classifies_the_demos_own_exceptions():
    from mlnotes.assistant.runner_child import INPUT_ERRORS, child_main

    out: list[dict] = []
    assert issubclass(UnicodeEncodeError, INPUT_ERRORS) and issubclass(ZeroDivisionError, INPUT_ERRORS)
    child_main({"name": "no-such-demo", "params": {}}, out.append)  # a KeyError subclass: not the input's fault
    assert "error" in out[-1] and not out[-1].get("input")


def test_the_api_maps_run_failures_and_logs_them(client, monkeypatch, caplog):
    from mlnotes.kb import childproc

    for payload, status in (({"error": "ValueError: bad k", "input": True}, 422), ({"error": "KeyError: x"}, 500)):
        monkeypatch.setattr("mlnotes.assistant.runner.run_child",
                            lambda *a, p=payload, **k: childproc.ChildResult(records=[p], returncode=0))
        caplog.clear()
        with caplog.at_level("WARNING", logger="mlnotes"):
            r = client.post("/api/algorithms/ridge/run", json={"params": {}})
        assert r.status_code == status and r.json()["reason"] in ("input", "error")
        assert any("demo run" in rec.getMessage() for rec in caplog.records)


def test_nmf_renders_its_figure_through_the_runner():
    res = DemoRunner(max_concurrent=1, timeout_s=120).run("nmf")
    assert res.figure_png and res.figure_png.startswith(b"\x89PNG\r\n\x1a\n") and len(res.figure_png) > 2000
