"""``mlnotes chat`` over a pipe (locally and through a server), and ``ask``/``search`` with ``--server`` or a probed
local server: the same answers as in-process, follow-ups read against earlier turns, clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.cli import app
from mlnotes.assistant.settings import get_settings
from tests.browser_support import free_port, serve

PIPE = ("What is k-means clustering?\nand its complexity?\n\n/bogus\n/reset\nand its complexity?\n/exit\n"
        "What is ridge regression?\n")


@pytest.fixture()
def cli_env(monkeypatch, corpus_dir, services, tmp_path):
    """The CLI over the fixture corpus; building services or loading the index here returns the fixture's (so no
    model is loaded), and the local-server probe is off unless a test turns it on."""
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("MLNOTES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLNOTES_SERVER_PROBE", "0")
    monkeypatch.setattr("mlnotes.assistant.services.build_services", lambda *a, **kw: services)
    monkeypatch.setattr("mlnotes.assistant.cli._load_index", lambda quiet=False: services.index)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture()
def server(services, corpus_dir, tmp_path):
    from mlnotes.assistant.settings import Settings

    s = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "unused", data_dir=tmp_path / "sdata")
    with serve(create_app(s, services=services, with_ui=False)) as url:
        yield url


def _jsonl(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _check_chat(answers: list[dict]) -> None:
    assert [a["question"] for a in answers] == ["What is k-means clustering?", "and its complexity?",
                                                "and its complexity?"]  # nothing after /exit
    first, follow, after_reset = answers
    assert not first["is_follow_up"] and first["sources"]
    assert follow["is_follow_up"] and follow["resolved_question"] == "the complexity of k-means clustering?"
    assert follow["read_as"] == "Read as: the complexity of k-means clustering?"
    assert not after_reset["is_follow_up"] and after_reset["resolved_question"] == "and its complexity?"


def test_chat_over_a_pipe_reads_follow_ups_and_obeys_reset_and_exit(cli_env):
    r = CliRunner().invoke(app, ["chat", "--json"], input=PIPE)
    assert r.exit_code == 0, r.output
    _check_chat(_jsonl(r.output))
    assert "unknown command '/bogus'" in r.output


def test_chat_prints_cited_answers_and_the_reading(cli_env):
    r = CliRunner().invoke(app, ["chat"], input="What is k-means clustering?\nand its complexity?\n")
    assert r.exit_code == 0, r.output
    assert "Read as: the complexity of k-means clustering?" in r.output
    assert "Models › k-means clustering" in r.output  # a numbered source: its breadcrumbs
    assert r.output.count("Read as:") == 1


def test_chat_through_a_server_keeps_the_conversation_there(cli_env, server):
    r = CliRunner().invoke(app, ["chat", "--json", "--server", server], input=PIPE)
    assert r.exit_code == 0, r.output
    answers = _jsonl(r.output)
    _check_chat(answers)
    assert answers[0]["conversation_id"] == answers[1]["conversation_id"] != answers[2]["conversation_id"]


def test_ask_and_search_through_a_server_match_the_local_result(cli_env, server):
    q = "What is ridge regression?"
    local = json.loads(CliRunner().invoke(app, ["ask", q, "--json"]).output)
    remote = json.loads(CliRunner().invoke(app, ["ask", q, "--json", "--server", server]).output)
    assert remote["text"] == local["text"] and remote["resolved_question"] == q
    assert [s["chunk_id"] for s in remote["sources"]] == [s["chunk_id"] for s in local["sources"]]
    args = ["search", "k-means complexity", "--json", "-k", "3", "--mode", "bm25"]
    hits_local = json.loads(CliRunner().invoke(app, args).output)["hits"]
    hits_remote = json.loads(CliRunner().invoke(app, [*args, "--server", server]).output)["hits"]
    assert hits_remote == hits_local and len(hits_local) >= 2


def test_probe_reuses_the_default_local_server_only_when_it_answers(cli_env, server, services, monkeypatch):
    monkeypatch.delenv("MLNOTES_CORPUS_DIR")  # the probe only applies to the default corpus and index
    monkeypatch.delenv("MLNOTES_INDEX_DIR")
    monkeypatch.setenv("MLNOTES_SERVER_PROBE", "1")
    monkeypatch.setenv("MLNOTES_PORT", server.rsplit(":", 1)[1])
    get_settings.cache_clear()
    loaded = []

    def local_services(*a, **kw):
        loaded.append(1)
        return services

    monkeypatch.setattr("mlnotes.assistant.services.build_services", local_services)
    r = CliRunner().invoke(app, ["ask", "What is ridge regression?", "--json"])
    assert r.exit_code == 0, r.output
    assert "using the running server" in r.output and not loaded
    assert json.loads(r.output[r.output.index("{"):])["conversation_id"]  # only the server sets one
    # --local: computed here although the server is up
    r = CliRunner().invoke(app, ["ask", "What is ridge regression?", "--json", "--local"])
    assert r.exit_code == 0 and "using the running server" not in r.output and len(loaded) == 1
    assert json.loads(r.output)["conversation_id"] is None
    # nothing listening on the configured port: computed here
    monkeypatch.setenv("MLNOTES_PORT", str(free_port()))
    get_settings.cache_clear()
    r = CliRunner().invoke(app, ["ask", "What is ridge regression?", "--json"])
    assert r.exit_code == 0 and "using the running server" not in r.output and len(loaded) == 2


def test_server_errors_are_clear_and_exit_2(cli_env, server):
    bad = CliRunner().invoke(app, ["ask", "why?", "--server", f"http://127.0.0.1:{free_port()}"])
    assert bad.exit_code == 2 and "no ML/AI Notes server answers at" in bad.output
    bad = CliRunner().invoke(app, ["search", "x", "--server", "127.0.0.1:7860"])
    assert bad.exit_code == 2 and "expects a URL" in bad.output
    bad = CliRunner().invoke(app, ["search", "x", "--mode", "nope", "--server", server])
    assert bad.exit_code == 2 and "answered 422" in bad.output and "mode" in bad.output
    bad = CliRunner().invoke(app, ["ask", "x", "--server", server, "--local"])
    assert bad.exit_code == 2 and "either --server or --local" in bad.output
    r = CliRunner().invoke(app, ["chat", "--json", "--server", server], input="   \n" + "x" * 3000 + "\nWhat is ridge?\n")
    assert r.exit_code == 0 and "error:" in r.output and len(_jsonl(r.output)) == 1
