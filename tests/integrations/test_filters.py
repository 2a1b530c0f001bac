"""kind/topic/doc filters at every interface: REST search (GET, POST) and ask (plain and streamed), the CLI's
search and ask, and the checks of :mod:`mlnotes.kb.filters` (an unknown value lists the valid ones). The fixture corpus
has one guide (ml-basics, topic ml-fundamentals) and one interview file (topics linear-models, ...)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlnotes.kb.filters import FilterError, check_filters, filter_values
from mlnotes.kb.search import Filters


def test_filter_values_come_from_the_index(services, corpus_dir):
    values = filter_values(services.index)
    paths = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.rglob("*.md"))
    assert set(paths) <= set(values["document"])
    assert set(values["kind"]) == {c.kind for c in services.index.iter_chunks()}
    assert "linear-models" in values["topic"] and "ml-fundamentals" in values["topic"]
    with pytest.raises(FilterError) as e:
        check_filters(services.index, Filters(topic="astrology"))
    assert e.value.field == "topic" and "linear-models" in str(e.value)
    assert check_filters(services.index, Filters(kind="  ", topic="")) is None  # blanks mean "any"
    assert check_filters(services.index, Filters(document="ml-basics")) == Filters(document="ml-basics")


@pytest.mark.parametrize("field,value", [("kind", "novel"), ("topic", "astrology"), ("document", "nope.md"),
                                         ("doc", "guides/nope.md")])
def test_search_unknown_value_is_422_listing_valid_ones(client, field, value):
    for r in (client.get("/api/search", params={"q": "regularization", field: value}),
              client.post("/api/search", json={"query": "regularization", field: value})):
        assert r.status_code == 422, r.text
        body = r.json()
        name = "document" if field == "doc" else field
        assert body["field"] == name and body["value"] == value and body["valid"]
        assert f"unknown {name}" in body["error"] and body["valid"][0] in body["error"]


def test_search_doc_alias_filters(client):
    for r in (client.get("/api/search", params={"q": "regularization", "doc": "guides/ml-basics.md"}),
              client.post("/api/search", json={"query": "regularization", "doc": "ml-basics"})):
        assert r.status_code == 200, r.text
        assert r.json()["hits"] and {h["doc_id"] for h in r.json()["hits"]} == {"ml-basics"}
    r = client.get("/api/search", params={"q": "x", "doc": "ml-basics", "document": "interview/linear-models.md"})
    assert r.status_code == 400 and "once" in r.json()["error"]


def test_ask_filters_restrict_sources_and_the_bank_answer(client):
    q = "What is the difference between L1 and L2 regularization?"
    r = client.post("/api/ask", json={"question": q})
    assert r.status_code == 200 and r.json()["kind"] == "interview"  # the unfiltered answer is the bank's
    r = client.post("/api/ask", json={"question": q, "kind": "guide"})
    assert r.status_code == 200, r.text
    ans = r.json()
    assert ans["kind"] != "interview"  # the bank lives in interview files: a guide-only answer cannot use it
    assert ans["sources"] + ans["closest"] and {s["kind"] for s in ans["sources"] + ans["closest"]} == {"guide"}
    r = client.post("/api/ask", json={"question": q, "doc": "interview/linear-models.md"})
    assert r.status_code == 200 and r.json()["kind"] == "interview"
    r = client.post("/api/ask", json={"question": q, "topic": "astrology"})
    assert r.status_code == 422 and "linear-models" in r.json()["valid"]


def test_ask_stream_filters(client):
    q = "What is the difference between L1 and L2 regularization?"
    r = client.post("/api/ask/stream", json={"question": q, "kind": "nope"})
    assert r.status_code == 422 and "interview" in r.json()["valid"]
    with client.stream("POST", "/api/ask/stream", json={"question": q, "kind": "guide"}) as s:
        assert s.status_code == 200
        body = "".join(s.iter_text())
    final = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")][-1]
    ans = final["answer"]
    assert ans["kind"] != "interview" and {x["kind"] for x in ans["sources"] + ans["closest"]} == {"guide"}


@pytest.fixture()
def cli_env(services, corpus_dir, tmp_path, monkeypatch):
    """The CLI over the fixture services (no model load): open_index returns the fixture index."""
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "unused"))
    monkeypatch.setenv("MLNOTES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("mlnotes.assistant.services.open_index", lambda *a, **kw: services.index)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_search_filters(cli_env):
    from mlnotes.assistant.cli import app

    r = cli_env.invoke(app, ["search", "regularization", "--json", "--kind", "interview"])
    assert r.exit_code == 0, r.output
    assert {h["kind"] for h in json.loads(r.stdout)["hits"]} == {"interview"}
    r = cli_env.invoke(app, ["search", "regularization", "--json", "--doc", "ml-basics"])
    assert r.exit_code == 0 and {h["doc_id"] for h in json.loads(r.stdout)["hits"]} == {"ml-basics"}
    r = cli_env.invoke(app, ["search", "regularization", "--topic", "astrology"])
    assert r.exit_code == 2 and "unknown topic 'astrology'" in r.output and "linear-models" in r.output
    assert "Traceback" not in r.output


def test_cli_ask_filters(cli_env):
    from mlnotes.assistant.cli import app

    q = "What is the difference between L1 and L2 regularization?"
    r = cli_env.invoke(app, ["ask", q, "--json", "--kind", "guide"])
    assert r.exit_code == 0, r.output
    ans = json.loads(r.stdout[r.stdout.index("{"):])
    assert ans["kind"] != "interview" and {s["kind"] for s in ans["sources"] + ans["closest"]} == {"guide"}
    r = cli_env.invoke(app, ["ask", q, "--doc", "nope.md"])
    assert r.exit_code == 2 and "unknown document 'nope.md'" in r.output and "guides/ml-basics.md" in r.output


def _ui_fn(settings, services, name):
    """A handler of the real Gradio app (built over the fixture services), found by its function name."""
    import gradio as gr

    from mlnotes.assistant.api.app import create_app, install_services
    from mlnotes.assistant.ui import build_blocks

    app = create_app(settings, services=services, with_ui=False)
    install_services(app, services)
    demo = build_blocks(app)
    assert isinstance(demo, gr.Blocks)
    fns = [f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name]
    assert fns, f"no handler {name!r}"
    return fns[0]


def test_ui_chat_filters(settings, services):
    choices = _ui_fn(settings, services, "filter_choices")()
    kinds, topics, docs = ([v for _, v in u["choices"]] for u in choices)
    assert kinds[0] == "" and set(kinds[1:]) == set(filter_values(services.index)["kind"])
    assert "linear-models" in topics and "guides/ml-basics.md" in docs

    respond = _ui_fn(settings, services, "respond")
    q = "What is the difference between L1 and L2 regularization?"
    *_, last = respond(q, [], "hybrid", "", "", "")
    unfiltered = last[0][-1]["content"]
    *_, last = respond(q, [], "hybrid", "guide", "", "")
    filtered = last[0][-1]["content"]
    assert "interview/linear-models.md" in unfiltered and "interview/linear-models.md" not in filtered
    assert "guides/ml-basics.md" in filtered
    *_, last = respond(q, [], "hybrid", "", "astrology", "")
    assert "unknown topic 'astrology'" in last[-1] and "Traceback" not in last[0][-1]["content"]
