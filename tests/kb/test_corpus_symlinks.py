"""The corpus walker never follows a symbolic link or reads outside the corpus root (issue #18, item 2)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from mlnotes.kb.chunker import chunk_corpus
from mlnotes.kb.markdown import iter_corpus_files

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


def test_linked_files_and_folders_are_skipped_with_a_warning(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_text("---\nid: secret\ntitle: Secret\nkind: guide\n---\n\n# Secret\n\nroot:x:0:0:root\n")
    os.symlink(secret, corpus / "guides" / "x.md")  # a linked file
    os.symlink(outside, corpus / "guides" / "linked-folder")  # a linked folder
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.markdown"):
        files = iter_corpus_files(corpus)
    assert files and all(not p.is_symlink() and p.resolve().is_relative_to(corpus.resolve()) for p in files)
    assert corpus / "guides" / "x.md" not in files
    assert "guides/x.md" in caplog.text and "symbolic links are not followed" in caplog.text
    chunks, _ = chunk_corpus(corpus)
    assert chunks and not any("root:x:0:0" in c.text for c in chunks)
