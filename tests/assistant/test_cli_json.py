"""``--json`` on ``index`` and ``notebook``: stdout is one JSON object that agrees with what was written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mlnotes.assistant.cli import app
from mlnotes.assistant.settings import get_settings
from mlnotes.kb.index import Index

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"


def test_index_json(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["index", "--json"])
        assert r.exit_code == 0, r.output
        built = json.loads(r.stdout)
        info = Index.load(tmp_path / "index").describe()
        assert built["up_to_date"] is False and built["chunks"] == info["chunks"] > 0
        assert built["files"] == info["files"] and built["embedded"] + built["reused"] == built["chunks"]
        again = json.loads(runner.invoke(app, ["index", "--json"]).stdout)
        assert again == {"backend": "local", "index": str(tmp_path / "index"), "up_to_date": True,
                         "chunks": info["chunks"], "files": info["files"]}
    finally:
        get_settings.cache_clear()


def test_notebook_json(tmp_path):
    chapter = sorted((ROOT / "corpus" / "chapters").glob("[0-9][0-9]-*.md"))[0]
    out = tmp_path / "nb.ipynb"
    r = CliRunner().invoke(app, ["notebook", chapter.name[:2], "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"chapter": chapter.name[:2], "notebook": str(out)} and out.is_file()
