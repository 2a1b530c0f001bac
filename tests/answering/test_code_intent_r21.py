"""A code question that names its function in quotes asks for code, and "for our CI" is where it goes, not what it
is (issue #16, round 21, code22).

f19-13 ("can you write a 'validation gate' function for our CI that decides whether a retrained classifier may
replace prod? want checks for: ...") got no code although the cited section holds exactly the asked
``validation_gate``: the quotes kept "write a ... function" from matching (its name slot read bare words only), so
the question read as a comparison ("vs prod"), and the asked object was read as "our CI" (the name after "function
for") rather than "validation gate".

Unit tests of ``compose.asks_for_code`` and ``compose.code_object``; a property of the answer to the development
question (the shown fence defines and runs the asked gate's checks)."""

from __future__ import annotations

import json
import re

import pytest

from mlnotes.assistant.answering.compose import asks_for_code, code_object, wants_code
from mlnotes.assistant.intent import classify_intent
from mlnotes.assistant.settings import REPO_ROOT

from .test_code_excerpt_r19 import _shown_fence


@pytest.mark.parametrize("question", [
    "can you write a 'validation gate' function for our CI?",
    'write a "rolling z-score" helper for the dashboard',
    "create a `safe_divide` function",
    "write me the \u2018early stopping\u2019 callback for keras",
])
def test_a_quoted_name_in_front_of_a_code_unit_asks_for_code(question):
    assert asks_for_code(question)


@pytest.mark.parametrize("question", [
    "whats a 'median stopping rule' in hyperparameter tuning?",
    "what does the 'validation gate' in a CI pipeline check?",
    "write a 'lessons learned' report for the team",  # a report is no code unit
    "why is the 'loss function' called that?",
])
def test_a_quoted_name_without_a_code_request_asks_for_none(question):
    assert not asks_for_code(question)


def test_a_name_after_function_for_that_opens_with_our_is_where_the_code_goes():
    q = "can you write a 'validation gate' function for our CI that decides whether a retrained classifier may ship"
    assert code_object(q) == ["valid", "gate"]
    # with no other name, the possessive one is still read (as before)
    assert code_object("write a function for our dashboard") == ["our", "dashboard"]
    # a name after "function for" that is no possessive is the object, as before (f10-14)
    assert code_object("a python function for ROUGE-N precision and recall") == code_object(
        "python function for ROUGE-N precision and recall")


def _fresh19(qid: str) -> str:
    path = REPO_ROOT / "eval" / "datasets" / "judged_fresh19.jsonl"
    rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return next(r["question"] for r in rows if r["id"] == qid)


def test_the_validation_gate_question_wants_code():
    q = _fresh19("f19-13")
    assert wants_code(classify_intent(q).intent, q)


def test_the_validation_gate_answer_shows_the_gate_with_its_checks(answerer):
    fence = _shown_fence(answerer.answer(_fresh19("f19-13"), generator=None))
    assert fence is not None, "f19-13: no code shown"
    asked = [r"\bdef \w*gate\w*\(", r"n_features_in_", r"roc_auc_score\(", r"perf_counter\(", r"\bslices?\b",
             r"\ball\("]  # the gate, schema, AUC floor and regression, latency, slices, every check together
    missing = [p for p in asked if not re.search(p, fence)]
    assert not missing, f"f19-13: the shown fence lacks {missing}:\n{fence}"
