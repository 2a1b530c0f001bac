"""End to end through the CLI with the real MiniLM embedder from the installed package (offline)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mlnotes.assistant.cli import app
from mlnotes.assistant.settings import get_settings

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


def test_index_then_search_json(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        r = runner.invoke(app, ["index"])
        assert r.exit_code == 0, r.output
        assert "chunks" in r.output and "new" in r.output
        assert (tmp_path / "index.sentences.npz").exists() and "answer sentences:" in r.output  # beside the index
        r = runner.invoke(app, ["index"])
        assert "up to date" in r.output
        assert "0 new, 0 dropped), 0 sentences embedded" in " ".join(r.output.split())  # all reused
        r = runner.invoke(app, ["search", "bias variance tradeoff", "--json", "-k", "3"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        top = out["hits"][0]
        assert top["section_id"] == "biasvariance-trade-off"
        for key in ("chunk_id", "score", "doc_id", "breadcrumbs", "path", "line_start", "line_end", "snippet"):
            assert key in top
        r = runner.invoke(app, ["search", "   "])
        assert r.exit_code == 2 and "empty" in r.output
        r = runner.invoke(app, ["search", "x", "--mode", "nope"])
        assert r.exit_code == 2 and "valid modes" in r.output
    finally:
        get_settings.cache_clear()


def test_index_on_empty_corpus_fails_cleanly(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["index"])
        assert r.exit_code == 2
        assert "no Markdown content" in r.output and "Traceback" not in r.output
    finally:
        get_settings.cache_clear()


def test_run_json_includes_the_demo_extra():
    r = CliRunner().invoke(app, ["run", "bagging", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert 0 <= out["extra"]["single_tree_test_accuracy"] <= 1


def test_bench_search_comes_from_the_eval_plugin_and_runs(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["bench", "search", "--queries", "3", "--repeat", "1", "--mode", "bm25", "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout[r.stdout.index("{"):])
        assert out["queries"] == 3 and list(out["modes"]) == ["bm25"] and out["modes"]["bm25"]["p50_ms"] > 0
    finally:
        get_settings.cache_clear()


def test_an_invalid_setting_is_a_clear_error_not_a_traceback(monkeypatch):
    monkeypatch.setenv("MLNOTES_LLM_ENGINE", "turbo")
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["search", "bias"])
        assert r.exit_code == 2 and "invalid MLNOTES_* setting" in r.output and "llm_engine" in r.output
    finally:
        get_settings.cache_clear()
