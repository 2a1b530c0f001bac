"""Shared fixtures of the answering tests."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering import lead as lead_module
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


@pytest.fixture(params=["rules", "ranker"])
def ranker_mode(request, monkeypatch):
    """Runs a lead test twice: with the hand rules alone (the learned lead ranker switched off) and with the ranker."""
    if request.param == "rules":
        monkeypatch.setattr(lead_module, "lead_model", lambda: None)
    return request.param
