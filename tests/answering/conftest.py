"""Shared fixtures of the answering tests."""

from __future__ import annotations

import pytest

from mlnotes.assistant.settings import REPO_ROOT


@pytest.fixture(scope="module")
def answerer():
    """The served extractive answerer over the repository's corpus, its index (built if missing) and its bank."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.kb.index import Index
    from mlnotes.kb.interview import load_bank

    corpus = REPO_ROOT / "corpus"
    index, _ = Index.load_or_build(corpus, REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    return Answerer(index, corpus, bank=load_bank(corpus))
