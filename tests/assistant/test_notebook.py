"""`mlnotes notebook NN` exports a chapter to a valid notebook whose code cells are the chapter's python blocks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mlnotes.assistant.cli import app
from mlnotes.assistant.notebooks import ChapterNotFound, find_chapter
from mlnotes.kb.check import DEFAULT_CORPUS, get_doc
from mlnotes.kb.coderun import runnable_blocks

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

CHAPTERS = sorted((DEFAULT_CORPUS / "chapters").glob("[0-9][0-9]-*.md"))


@pytest.mark.skipif(not CHAPTERS, reason="no chapters in the corpus")
def test_export_first_chapter(tmp_path):
    chapter = CHAPTERS[0]
    out = tmp_path / "nb.ipynb"
    r = CliRunner().invoke(app, ["notebook", chapter.name[:2], "--out", str(out)])
    assert r.exit_code == 0, r.output
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == len(runnable_blocks(get_doc(chapter, DEFAULT_CORPUS)))
    assert nb.metadata["mlnotes"]["id"].startswith("ch")


def test_unknown_chapter_is_a_clear_error(tmp_path):
    with pytest.raises(ChapterNotFound, match="available"):
        find_chapter(DEFAULT_CORPUS, "99")
    with pytest.raises(ChapterNotFound, match="number"):
        find_chapter(DEFAULT_CORPUS, "five")
    r = CliRunner().invoke(app, ["notebook", "99"])
    assert r.exit_code == 2 and "no chapter 99" in r.output
