"""The grader: calibrated key-point coverage, and resistance to echoing the question and keyword stuffing."""

from __future__ import annotations

import pytest

from mlnotes.assistant.interview.grader import (
    GradeInputError,
    GraderParams,
    default_params,
    fragment_reason,
    grade_answer,
    is_term_list,
    split_sentences,
)

GOOD = (
    "Precision is the number of true positives divided by everything the model predicted as positive. "
    "Recall is the true positives divided by all the actual positives in the data. "
    "If you raise the decision threshold, precision usually goes up and recall goes down. "
    "You optimize recall when false negatives are costly, for example missing a cancer in screening. "
    "You optimize precision when false positives are costly, like a spam filter hiding real mail."
)
PARTIAL = (
    "Precision is the number of true positives divided by everything the model predicted as positive. "
    "Recall is the true positives divided by all the actual positives in the data."
)
ECHO = ("What are precision and recall? When do you optimize for each? "
        "Precision and recall, and when you optimize for each of them.")
STUFFING = ("precision recall true positives false positives false negatives threshold costly tradeoff "
            "sensitivity predicted positives actual positives")
STUFFING_LIST = "precision, recall, TP/(TP+FP), TP/(TP+FN), threshold, false negatives, false positives, costly"
OFF_TOPIC = ("Gradient descent moves the parameters against the gradient of the loss. "
             "The learning rate sets how long each step is.")


def test_params_were_fitted_on_the_bank():
    p = default_params()
    assert isinstance(p, GraderParams)
    assert p.fitted["questions"] >= 100 and p.fitted["pairs"] > 1000
    assert p.fitted["cv_auc"] > 0.9
    assert 0 < p.threshold < 1 and p.w_cos > 0 and p.w_overlap > 0


def test_good_answer_covers_every_key_point(grader, pr_question):
    r = grader.grade(pr_question, GOOD)
    assert r.score >= 8.0, r.to_dict()
    assert len(r.covered) >= 4
    for k in r.covered:  # each covered point names the sentence that covered it
        assert k.evidence in split_sentences(GOOD)
    assert not r.flags


def test_partial_answer_scores_in_between(grader, pr_question):
    good, part, off = (grader.grade(pr_question, a).score for a in (GOOD, PARTIAL, OFF_TOPIC))
    assert off < part < good
    assert 2.5 <= part <= 7.0
    covered = {k.key_point for k in grader.grade(pr_question, PARTIAL).covered}
    assert "Precision is true positives divided by all predicted positives" in covered
    assert "Recall matters when false negatives are costly" not in covered


def test_repeating_the_question_scores_low(grader, pr_question):
    r = grader.grade(pr_question, ECHO)
    assert r.score <= 1.5, r.to_dict()
    assert "echoes_question" in r.flags
    assert not r.covered


@pytest.mark.parametrize("stuffed", [STUFFING, STUFFING_LIST])
def test_keyword_stuffing_scores_low(grader, pr_question, stuffed):
    r = grader.grade(pr_question, stuffed)
    assert r.score <= 1.5, r.to_dict()
    assert "keyword_stuffing" in r.flags


def test_stuffing_appended_to_a_real_sentence_earns_nothing_extra(grader, pr_question):
    base = grader.grade(pr_question, PARTIAL)
    padded = grader.grade(pr_question, PARTIAL + "\n\n" + STUFFING_LIST)
    assert padded.score <= base.score + 1e-9
    assert "partly_fragments" in padded.flags


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_answer_is_rejected(grader, pr_question, empty):
    with pytest.raises(GradeInputError, match="empty"):
        grader.grade(pr_question, empty)


def test_overlong_answer_is_rejected(grader, pr_question):
    with pytest.raises(GradeInputError, match="limit"):
        grader.grade(pr_question, "word " * 20_000)


def test_grade_answer_is_pure_given_an_embedder(grader, pr_question):
    a = grade_answer(pr_question.question, pr_question.key_points, GOOD, grader.embed)
    b = grade_answer(pr_question.question, pr_question.key_points, GOOD, grader.embed)
    assert a.to_dict() == b.to_dict()


def test_sentence_splitting_and_fragments():
    assert split_sentences("One is here, wrapped\nacross lines. Two, e.g. this one!\n- a bullet item\n\nLast") == [
        "One is here, wrapped across lines.", "Two, e.g. this one!", "a bullet item", "Last"]
    p = default_params()
    assert is_term_list("precision, recall, F1, ROC AUC, log loss")
    assert not is_term_list("Precision, unlike recall, depends on the base rate of the positive class.")
    assert fragment_reason("precision recall threshold costly", p) is not None
    assert fragment_reason("Recall matters when false negatives are costly.", p) is None


def test_second_heldout_set_is_well_formed():
    """eval/datasets/grader_heldout2.jsonl (issue #20): >= 120 hand-written cases over >= 40 key points of the
    real bank, each key point quoted exactly, labels consistent with the case types."""
    import json
    from collections import Counter

    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.grader_validation import CREDIT_TYPES, HELDOUT2, NO_CREDIT_TYPES
    from mlnotes.kb.interview import load_bank

    cases = [json.loads(line) for line in HELDOUT2.read_text(encoding="utf-8").splitlines() if line.strip()]
    bank = {q.id: q for q in load_bank(REPO_ROOT / "corpus")}
    assert len(cases) >= 120 and len({(c["question_id"], c["key_point_index"]) for c in cases}) >= 40
    assert len({c["topic"] for c in cases}) >= 15 and len({c["id"] for c in cases}) == len(cases)
    for c in cases:
        assert bank[c["question_id"]].key_points[c["key_point_index"]] == c["key_point"]
        assert c["type"] in CREDIT_TYPES + NO_CREDIT_TYPES and c["split"] == "heldout2"
        assert c["label"] == ("credit" if c["type"] in CREDIT_TYPES else "no_credit")
    types = Counter(c["type"] for c in cases)
    assert all(types[t] >= 10 for t in ("paraphrase", "negation", "opposite", "term_swap", "stuffing", "vague"))
