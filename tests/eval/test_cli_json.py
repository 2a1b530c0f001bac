"""``--json`` on ``mlnotes eval`` and the ``bench all|api|index`` verbs: stdout is exactly the results object the
run returned (the runs themselves are replaced by recorders here; tests/eval covers what they compute)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mlnotes.eval.bench
import mlnotes.eval.run
from mlnotes.assistant.cli import app
from mlnotes.assistant.settings import get_settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.mark.parametrize("verb,parts", [("all", ("search", "api", "index")), ("api", ("api",)),
                                        ("index", ("index",))])
def test_bench_json_is_the_runs_result(monkeypatch, verb, parts):
    calls = []

    def fake(parts, n_requests=200, workers=4, cold=True, log=print, **kw):
        calls.append(parts)
        log("progress goes to stderr")
        return {"parts": list(parts), "p50_ms": 1.5}

    monkeypatch.setattr(mlnotes.eval.bench, "run_bench", fake)
    r = CliRunner().invoke(app, ["bench", verb, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"parts": list(parts), "p50_ms": 1.5} and calls == [parts]
    plain = CliRunner().invoke(app, ["bench", verb])
    assert plain.exit_code == 0 and plain.stdout.strip() == ""  # without --json: the report files only


def test_eval_json_is_the_runs_result(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    seen = {}

    def fake(index, corpus_dir, out_dir, skip_peer=False, skip_answers=False, backends=False, log=print):
        seen.update(corpus=corpus_dir, out=out_dir, chunks=index.describe()["chunks"])
        return {"retrieval": {"hybrid": {"mrr@10": 0.5}}, "seconds": 1.0}

    monkeypatch.setattr(mlnotes.eval.run, "run_eval", fake)
    try:
        r = CliRunner().invoke(app, ["eval", "--json", "--out", str(tmp_path / "reports")])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"retrieval": {"hybrid": {"mrr@10": 0.5}}, "seconds": 1.0}
    assert seen["corpus"] == tmp_path / "corpus" and seen["out"] == tmp_path / "reports" and seen["chunks"] > 0
