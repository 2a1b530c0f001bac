"""Shared fixtures of the answering tests."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering import lead as lead_module
from mlnotes.assistant.settings import REPO_ROOT


@pytest.fixture(scope="session")
def answerer():
    """The served extractive answerer over the repository's corpus, its index (built if missing) and its bank: one
    per test process, its ``answer(q, generator=None)`` remembered per question and patch state
    (tests/answer_memo.py)."""
    from tests.answer_memo import served_answerer

    return served_answerer(REPO_ROOT)


@pytest.fixture(params=["rules", "ranker"])
def ranker_mode(request, monkeypatch):
    """Runs a lead test twice: with the hand rules alone (the learned lead ranker switched off) and with the ranker."""
    if request.param == "rules":
        monkeypatch.setattr(lead_module, "lead_model", lambda: None)
    return request.param
