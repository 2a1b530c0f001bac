"""A question's ask for a remedy ("how do we fix it", "what should I try first") is answered by a sentence that
prescribes one from the section the lead explains (issue #16, round 19, parts19).

f16-18 ("... only about 70% of actuals land inside the interval. what's going on, and how do we fix it?") gave the
causes but not the remedies, although its lead's paragraph lists them ("Remedies: more history and origins, a
separate calibration period ...; the SARIMA block above reports ..."): the ask's terms {we, fix} matched no
sentence, and the remedies sentence did not read on its own for its closing pointer. Elsewhere the same ask was
"answered" by a sentence that only repeats the ask's word ("fixed dtype" for f12-19's "how do i fix it", "Its other
change ..." for f9-19's "what should I change"). The unit tests use hand-written questions, sentences and chunks;
the properties read the development questions (gold tune, external, fresh1-16; never a held-out split)."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.compose import (
    ASK_WITHIN,
    _head_clause,
    cover_asks,
    item_asks,
    remedy_ask,
)
from mlnotes.assistant.answering.lead import remedies
from mlnotes.assistant.answering.render import answer_units
from mlnotes.kb.index import Hit

from .pools import at, chunk
from .test_part_coverage import dev_questions as part_coverage_dev_questions

# -- the reader: which asks want a remedy, and what they are about ---------------------------------------------------

@pytest.mark.parametrize("part, about", [
    ("how do we fix it", set()),
    ("and how can I avoid that", set()),
    ("What should I try first", set()),
    ("what should we change", set()),
    ("Can you list some ways to deal with it", set()),
    ("and is there any fix or do we all just live with it", set()),  # not the other branch's words
    ("How do I avoid overfitting", {"overfit"}),
    ("how do I fix its calibration", {"calibr"}),
    ("whats the fix", set()),
])
def test_a_remedy_ask_is_read_with_what_it_is_about(part, about):
    assert remedy_ask(part) == about


@pytest.mark.parametrize("part", [
    "how does add-one smoothing fix that",  # how a named method fixes it: a mechanism, not a request for a remedy
    "what should we report instead",
    "how should I have caught it",
    "why does it still classify spam pretty well",
    "my model treats city as a feature",
])
def test_other_asks_are_no_remedy_asks(part):
    assert remedy_ask(part) is None


def test_a_remedy_is_an_instruction_to_change_what_is_done_or_a_list_of_remedies():
    assert remedies("Remedies: more history and origins, or model-based intervals checked by the same backtest.")
    assert remedies("Fixes: more data, augmentation, stronger regularization, a simpler model, early stopping.")
    assert remedies("Use GroupNorm, whose statistics do not depend on the batch size.")
    assert remedies("Training-side remedies include class weights and resampling.")
    assert remedies("Cleaning rules should be written as code, applied identically in training and serving.")
    # looking, comparing, and an adjective that reads as a verb are no remedies
    assert not remedies("Look for the intervals, drawn in red, that miss the true mean: about 5 of the 100.")
    assert not remedies("Compare with simple baselines like popularity.")
    assert not remedies("Lower learning rates require more trees for the same training loss.")
    assert not remedies("Exact duplicates are caught by hashing a canonical byte representation (fixed dtype).")
    assert not remedies("Its other change matters for all RoI-based models.")
    assert not remedies("You should not tune on the test set.")


def test_a_sentence_that_reads_alone_only_without_its_closing_pointer_stands_as_its_head_clause():
    text = ("Remedies: more history and origins, a separate calibration period on which the interval width is "
            "scaled, or model-based intervals checked by the same backtest; the SARIMA block above reports its "
            "analytic coverage for comparison.")
    head = _head_clause(text)
    assert head == ("Remedies: more history and origins, a separate calibration period on which the interval width "
                    "is scaled, or model-based intervals checked by the same backtest.")
    assert _head_clause("Too short; the block above shows it.") is None  # fewer than CLAUSE_WORDS words


# -- the composer -----------------------------------------------------------------------------------------------------

CURVES = [
    "Underfitting shows as training and validation errors that are both high and close together.",
    "Fixes: a more flexible model, better features, less regularization and longer training.",
    "Overfitting shows as a low training error and a validation error that is much higher.",
    "Fixes: more data, augmentation, stronger regularization, a simpler model and early stopping.",
    "Both can be read off a learning curve that plots the two errors against the training-set size.",
]
TUNING = [
    "Tuning many configurations against one validation set overfits that validation set.",
    "Use nested cross-validation so that the outer folds estimate the whole selection procedure.",
]


def test_a_remedy_ask_gets_the_remedy_nearest_after_the_lead_in_the_leads_chunk():
    hits = [Hit(chunk=chunk(CURVES), score=1.0, rank=0, mode="hybrid"),
            Hit(chunk=chunk(TUNING, 40, "t"), score=0.9, rank=1, mode="hybrid")]
    lead = at(CURVES[2], 12, order=2)
    rest = [at(CURVES[4], 14, 1, order=4), at(TUNING[0], 40, 2, rank=1), at(CURVES[0], 10, 3, order=0)]
    q = "Training accuracy is near 100% while validation accuracy stalls at 70%. What should I try first?"
    got, n_lead = cover_asks(q, [lead, *rest], 1, hits)
    texts = [t.candidate.text for t in got]
    # the overfitting remedies (right after the lead), not the underfitting ones nor another section's instruction
    assert texts[1] == CURVES[3], texts
    assert n_lead == 1 and len(got) == 4  # the answer is no longer


def test_a_remedy_ask_is_not_answered_by_a_sentence_that_only_repeats_its_word():
    lines = ["The fix rate of the old pipeline was logged in a fixed format every day.",
             "Dead units output zero for every input and stop learning."]
    hits = [Hit(chunk=chunk(lines), score=1.0, rank=0, mode="hybrid")]
    lead = at(lines[1], 11, order=1)
    q = "A lot of my ReLU units output zero for every input. Why, and how do I fix it?"
    got, _ = cover_asks(q, [lead], 1, hits)
    # no remedy in the lead's chunk: nothing joins (a sentence that says "fix" is no remedy)
    assert [t.candidate.text for t in got] == [lines[1]]


# -- properties over the development questions ----------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 17))]


def remedy_questions() -> list[tuple[str, str]]:
    return [(i, q) for i, q in part_coverage_dev_questions(FRESH)
            if any(part and not items and remedy_ask(part) is not None for part, _, items in item_asks(q))]


def test_the_development_questions_hold_remedy_asks():
    assert len(remedy_questions()) >= 12  # 15 at round 19: gold tune 3, external 2, fresh 10


def test_a_development_remedy_ask_whose_leads_chunk_lists_remedies_gets_one_in_the_first_sentences(answerer):
    from mlnotes.assistant.answering.compose import chunk_candidates
    from mlnotes.assistant.answering.retrieve import retrieve

    checked, missed = 0, []
    for qid, q in remedy_questions():
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive":
            continue  # the interview bank's reviewed answer or an abstention: not composed here
        units = answer_units(ans.sentences)
        lead = " ".join(units[0].split())
        hits = retrieve(answerer.index, q, "hybrid", 6).hits[:3]
        home = [h for h in hits if lead[:80] in " ".join(h.chunk.text.split())]
        if not home:
            continue
        # the lead's chunk holds a remedy that reads on its own, or whose head clause does
        listed = [c.text for c in chunk_candidates(home[0]) if c.kind == "sentence"
                  and remedies(c.text) and "?" not in c.text]
        if not listed:
            continue
        checked += 1
        if not any(remedies(u) for u in units[: ASK_WITHIN + 1]):
            missed.append(qid)
    # 6 at round 19: g492, g601, fr-18, f11-17, f12-19, f16-18 (on main 43b1e82, g492 and f16-18 had no remedy)
    assert checked >= 4, checked
    assert not missed, missed
