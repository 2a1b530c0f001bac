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


@pytest.fixture(scope="session")
def dev_code_answers(answerer):
    """The development code questions and their answers, ``{id: (question, answer)}``: every question of gold tune,
    external and fresh1-fresh16 (never gold heldout) whose intent is ``code`` or that asks for code in its own words
    (``compose.asks_for_code`` with the corpus's libraries)."""
    import json

    from mlnotes.assistant.answering.compose import asks_for_code
    from mlnotes.assistant.intent import classify_intent
    from mlnotes.eval.data import load_external, load_gold

    questions = {q.id: q.question for q in load_gold("tune")}
    questions.update({q.id: q.question for q in load_external()})
    for path in sorted((REPO_ROOT / "eval" / "datasets").glob("judged_fresh*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                questions[d["id"]] = d["question"]
    libs = answerer.code_libraries()
    return {qid: (q, answerer.answer(q, generator=None)) for qid, q in questions.items()
            if classify_intent(q).intent == "code" or asks_for_code(q, libs)}
