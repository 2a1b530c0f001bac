"""``--json`` on ``mlnotes interview export`` and ``mlnotes interview due``."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def _cli(monkeypatch, tmp_path, make_service):
    from mlnotes.assistant.interview import cli as icli
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setenv("MLNOTES_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    monkeypatch.setattr(icli, "make_service", lambda settings: make_service(settings.data_dir))


def test_export_json(monkeypatch, tmp_path, make_service, bank):
    from mlnotes.assistant.cli import app
    from mlnotes.assistant.settings import get_settings

    _cli(monkeypatch, tmp_path, make_service)
    try:
        out = tmp_path / "deck.apkg"
        r = CliRunner().invoke(app, ["interview", "export", "--anki", str(out), "--json"])
        assert r.exit_code == 0, r.output
        res = json.loads(r.stdout)
        assert res["notes"] == len(bank) and res["path"] == str(out) and res["bytes"] == out.stat().st_size
    finally:
        get_settings.cache_clear()


def _timeless(queue: dict) -> dict:
    """The queue without the fields that move with the clock between two reads."""
    drop = ("due_in_days", "recall_probability")
    return {**queue, "topics": [{**t, **{k: [{f: v for f, v in item.items() if f not in drop} for item in t[k]]
                                         for k in ("due_now", "upcoming")}} for t in queue["topics"]]}


def test_due_json(monkeypatch, tmp_path, make_service):
    from mlnotes.assistant.cli import app
    from mlnotes.assistant.interview.cli import load_or_create_token
    from mlnotes.assistant.settings import get_settings

    _cli(monkeypatch, tmp_path, make_service)
    try:
        empty = json.loads(CliRunner().invoke(app, ["interview", "due", "--json"]).stdout)
        assert empty["topics"] == []
        r = CliRunner().invoke(app, ["interview", "-n", "1", "--seed", "0"], input=":skip\n")
        assert r.exit_code == 0, r.output
        r = CliRunner().invoke(app, ["interview", "due", "--json"])
        assert r.exit_code == 0, r.output
        queue = json.loads(r.stdout)
        service = make_service(tmp_path / "data")
        try:  # the same queue as the service's own answer for the same token
            expected = service.due_queue(load_or_create_token(service, tmp_path / "data"), None)
        finally:
            service.close()
        assert _timeless(queue) == _timeless(json.loads(json.dumps(expected, default=str)))
        assert sum(len(t["due_now"]) + len(t["upcoming"]) for t in queue["topics"]) == 1
    finally:
        get_settings.cache_clear()
