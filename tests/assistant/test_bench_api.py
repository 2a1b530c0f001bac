"""``mlnotes bench api`` against a served app over the fixture corpus (tiny: one request per endpoint and level):
every level is reported with its latency and rate, every request is a different question, the report keeps the
parts it did not run, and bad options are clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.cli import app
from mlnotes.assistant.settings import Settings
from mlnotes.eval.bench import api_questions, parse_concurrency
from tests.browser_support import serve


@pytest.fixture()
def server(services, corpus_dir, tmp_path):
    s = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "unused", data_dir=tmp_path / "sdata")
    with serve(create_app(s, services=services, with_ui=False)) as url:
        yield url


def test_questions_are_distinct_and_mix_both_sets():
    from mlnotes.eval.data import load_external

    qs = api_questions()
    assert len(qs) == len({q.lower() for q in qs}) >= 2 * 3 * 64 + 2  # enough for the default run
    assert load_external()[0].question == qs[0]


def test_bench_api_reports_every_level_and_keeps_other_parts(server, tmp_path):
    (tmp_path / "bench.json").write_text(json.dumps({"index": {"incremental_seconds_median": 1.5, "load_seconds": 0.1,
                                                               "incremental_seconds": [1.5],
                                                               "incremental_embedded_chunks": [1],
                                                               "incremental_file": "x.md"}}))
    r = CliRunner().invoke(app, ["bench", "api", "--server", server, "--requests", "2", "--concurrency", "1,2",
                                 "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "bench.json").read_text())
    api = res["api"]
    for name in ("search", "ask"):
        assert set(api[name]) == {"1", "2"}
        for level, row in api[name].items():
            assert row["concurrency"] == int(level) and row["requests"] == 2 and row["errors"] == 0
            assert 0 < row["p50_ms"] <= row["p99_ms"] and row["rps"] > 0
    assert api["loadavg_before"] and api["machine"] and res["index"]["load_seconds"] == 0.1
    md = (tmp_path / "bench.md").read_text()
    assert "## API under concurrency" in md and "| /api/ask | 2 | 2 | 0 |" in md and "## Index build" in md
    assert f"The running server at {server}" in md


def test_bad_options_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="comma-separated"):
        parse_concurrency("1,x")
    r = CliRunner().invoke(app, ["bench", "api", "--concurrency", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "concurrency must be" in r.output
    r = CliRunner().invoke(app, ["bench", "api", "--requests", "5000", "--server", "http://127.0.0.1:9",
                                 "--out", str(tmp_path)])
    assert r.exit_code == 1 and "distinct questions" in r.output
