"""`mlnotes interview` over a pipe: one answer per line of stdin; the token file is created and reused."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mlnotes.assistant.cli import app
from mlnotes.assistant.interview import cli as icli


@pytest.fixture()
def cli_env(monkeypatch, tmp_path, make_service):
    from mlnotes.assistant.settings import get_settings

    data = tmp_path / "cli-data"
    monkeypatch.setenv("MLNOTES_DATA_DIR", str(data))
    get_settings.cache_clear()
    monkeypatch.setattr(icli, "make_service", lambda settings: make_service(settings.data_dir))
    yield data
    get_settings.cache_clear()


def test_interview_over_a_pipe(cli_env):
    runner = CliRunner()
    answers = ("Precision is true positives divided by predicted positives, recall divides by actual positives.\n"
               ":hint\n"
               "Overfitting is when the model memorizes noise, so validation error is much higher than training.\n")
    r = runner.invoke(app, ["interview", "-n", "2", "--seed", "3"], input=answers)
    assert r.exit_code == 0, r.output
    assert "Q1/2" in r.output and "Q2/2" in r.output
    assert r.output.count("score ") >= 2 and "model answer:" in r.output and "hint 1:" in r.output
    assert "mean score" in r.output
    token_file = cli_env / icli.TOKEN_FILE
    assert token_file.exists() and (token_file.stat().st_mode & 0o777) == 0o600
    # a second run reuses the token: progress accumulates; the end of input stops the session cleanly
    r2 = runner.invoke(app, ["interview", "-n", "3", "--topics", "evaluation,optimization"], input=":skip\n")
    assert r2.exit_code == 0, r2.output
    assert "input ended" in r2.output and "skip" in r2.output


def test_interview_cli_rejects_unknown_topic(cli_env):
    r = CliRunner().invoke(app, ["interview", "--topics", "astrology"], input="")
    assert r.exit_code == 2
    assert "unknown topic" in r.output


def test_interview_json_lines_over_a_pipe(cli_env):
    import json

    answers = ("Precision is true positives divided by predicted positives, recall divides by actual positives.\n"
               ":hint\n")
    r = CliRunner().invoke(app, ["interview", "-n", "2", "--seed", "3", "--json"], input=answers)
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]  # every stdout line is JSON
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "summary"
    assert kinds.count("question") == 2 and "feedback" in kinds and "hint" in kinds and "end_of_input" in kinds
    fb = next(e for e in events if e["event"] == "feedback")
    assert 0 <= fb["score"] <= 10 and fb["question"] and "model_answer" in fb
    q = next(e for e in events if e["event"] == "question")
    assert q["text"] and q["position"] == 1 and q["n"] == 2
    summary = events[-1]
    assert summary["answered"] == 1 and len(summary["answers"]) == 1
