"""Feedback that names the wrong claim (issue #20, round 9): a missed key point quotes the answer's sentence that
states something else on the same subject, with a one-line 'what was wrong' made of the contrasting words; the
credit and the score do not change."""

from __future__ import annotations

import pytest

from mlnotes.assistant.interview import grader as G
from mlnotes.assistant.interview.contradiction import (
    FEEDBACK_OPPOSED,
    _check,
    answer_side,
    claim_negations,
    conflict,
    tokens,
    what_was_wrong,
)
from mlnotes.assistant.interview.grader import split_sentences
from mlnotes.eval.grader_validation import DEV_SPLITS, all_adversarial

#: The three answers of /work/notes/r8_20.md, written after the round-8 grader was frozen: (question, answer,
#: start of the missed key point, the answer's contrasting words, the key point's).
EXAMPLES = [
    ("eval-precision-recall",
     "Precision is the share of the actual positives that the model manages to find, so you optimise precision "
     "whenever missing a real case is expensive, like in cancer screening.",
     "Precision is true positives divided by all predicted positives", "actual positives", "predicted positives"),
    ("dl-batch-norm",
     "Batch norm normalizes each mini-batch with its own mean and variance, and at inference it does exactly the "
     "same thing: it recomputes the statistics from whatever test batch comes in.",
     "At inference it uses running estimates", "recomputes", "running estimates"),
    ("clus-kmeans",
     "k-means alternates between assigning points to the nearest centre and moving each centre to the mean of its "
     "points, and this is guaranteed to reach the global minimum of the within-cluster sum of squares, so a single "
     "run is enough.",
     "It converges to a local minimum", "global", "local"),
]


@pytest.fixture(scope="module")
def real_bank():
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    return {q.id: q for q in load_bank(REPO_ROOT / "corpus")}


def _dev_cases(real_bank) -> list[dict]:
    cases = [c for c in all_adversarial() if c.get("source") != "rule" and c["split"] in DEV_SPLITS
             and c["question_id"] in real_bank]
    assert not any(c["split"].startswith("heldout12") for c in cases)
    return cases


@pytest.mark.parametrize("qid, answer, kp_start, said, meant", EXAMPLES)
def test_the_three_examples_quote_the_wrong_sentence(grader, real_bank, qid, answer, kp_start, said, meant):
    r = grader.grade(real_bank[qid], answer)
    k = next(k for k in r.key_points if k.key_point.startswith(kp_start))
    assert not k.covered and not k.contradicted
    assert k.conflict == answer  # the answer is one sentence: it is quoted
    line = what_was_wrong(k.conflict_reason)
    assert f"'{said}'" in line and f"'{meant}'" in line
    assert k.key_point not in line  # the contrast, not the key point restated


def test_what_was_wrong_is_built_from_the_contrasting_words():
    kp = "It converges to a local minimum that depends on initialization"
    bad = "It always reaches the global minimum whatever the initialization."
    why = conflict(kp, bad)
    assert answer_side(why) == "global"
    assert what_was_wrong(why).startswith("It says 'global' where the correct claim has 'local'")
    # the same claim, or a sentence on another subject: nothing to quote
    assert conflict(kp, "It only finds a local minimum, which depends on where the centres start.") is None
    assert conflict(kp, "The elbow method plots inertia against k.") is None
    # a denied recomputation agrees with stored statistics
    assert conflict("At inference it uses running estimates of mean and variance",
                    "At inference the statistics are not recomputed from the test batch.") is None
    assert conflict("At inference it uses running estimates of mean and variance",
                    "At inference the statistics are recomputed from the test batch.") is not None
    assert what_was_wrong("some rule without quoted words").startswith("This sentence conflicts with the key point")


def test_no_conflict_keeps_no_sentence_states_this_point(grader, real_bank):
    q = real_bank["clus-kmeans"]
    r = grader.grade(q, "The elbow method plots the inertia against the number of clusters k.")
    k = next(k for k in r.key_points if k.key_point.startswith("It converges to a local minimum"))
    assert not k.covered and k.conflict is None and k.conflict_reason is None


def test_a_sentence_credited_for_its_own_subject_is_not_quoted_against_another(grader, pr_question):
    # a right precision definition is not a wrong recall definition
    r = grader.grade(pr_question, "Precision is true positives divided by all predicted positives.")
    by = {k.key_point: k for k in r.key_points}
    assert by["Precision is true positives divided by all predicted positives"].covered
    assert by["Recall is true positives divided by all actual positives"].conflict is None


def test_the_service_feedback_quotes_the_conflict(answer_precision_recall):
    fb = answer_precision_recall(EXAMPLES[0][1])
    m = {m["key_point"]: m for m in fb["missed"]}["Precision is true positives divided by all predicted positives"]
    assert m["your_sentence"] == EXAMPLES[0][1]
    assert "'actual positives'" in m["what_was_wrong"] and "'predicted positives'" in m["what_was_wrong"]
    assert m["citation"]["path"]


def test_property_the_feedback_only_contrasts_fire_on_no_development_credit_answer(real_bank):
    """The contrasts of FEEDBACK_OPPOSED never call a sentence of a hand-written paraphrase or partial answer
    (every development set, heldout11 included) conflicting with its own key point."""
    cases = _dev_cases(real_bank)
    assert "heldout11" in {c["split"] for c in cases}
    credit = [c for c in cases if c["type"] in ("paraphrase", "partial")]
    assert len(credit) > 1000
    fired = [c["answer"] for c in credit
             if any(claim_negations(c["key_point"]) % 2 == claim_negations(s) % 2
                    and _check(tokens(c["key_point"])[1], tokens(s)[1], a, b, "x")
                    for s in split_sentences(c["answer"]) for _, a, b in FEEDBACK_OPPOSED)]
    assert fired == []


def test_property_conflicts_change_no_credit_and_no_score(grader, real_bank, monkeypatch):
    """On a sample of the hand-written development cases the grade with the conflict search equals the grade
    without it, key point by key point; and the search quotes a sentence for some refused wrong answers."""
    cases = _dev_cases(real_bank)[::12]
    with_c = [grader.grade(real_bank[c["question_id"]], c["answer"]) for c in cases]
    monkeypatch.setattr(G, "_find_conflicts", lambda *a, **k: None)
    without = [grader.grade(real_bank[c["question_id"]], c["answer"]) for c in cases]
    quoted = 0
    for c, a, b in zip(cases, with_c, without):
        assert a.score == b.score
        assert [(k.covered, k.contradicted, k.evidence, k.reason) for k in a.key_points] == \
            [(k.covered, k.contradicted, k.evidence, k.reason) for k in b.key_points]
        assert all(k.conflict is None for k in b.key_points)
        k = a.key_points[c["key_point_index"]]
        assert not (k.covered and k.conflict)  # only missed key points get a conflict
        quoted += c["label"] == "no_credit" and k.conflict is not None
    assert quoted >= 5
