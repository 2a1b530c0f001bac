"""The how-to-choose advice filter and the bare "why?" of a two-part question (issue #16, round 13, advice16n).

A question that asks how many or how much of something a stated goal needs is not restricted to advice for its
lead (:func:`asks_needed_quantity`); a bare "why?" after a statement asks why the statement's claim holds and is
answered by a sentence that names the claim's subject and gives a reason (:func:`claim_terms`, :func:`item_asks`,
:func:`cover_asks`), carried by one dangling sentence when needed. Unit tests on hand-written questions and
sentences; properties over the development questions (gold tune, external, judged_fresh 1-10; never gold heldout
nor a later fresh set) on the real index."""

from __future__ import annotations

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import cover_asks, item_asks
from mlnotes.assistant.answering.lead import (
    advises,
    answers_ask,
    ask_terms,
    asks_needed_quantity,
    asks_why,
    claim_terms,
    gives_reason,
    lead_pool,
    pick_lead,
    subject_terms,
)
from mlnotes.assistant.answering.scoring import Scored

from .test_part_coverage import FRESH, answer_of, at, chunk, dev_questions, hit

DEV_FRESH = [*FRESH, "judged_fresh10.jsonl"]


def cand(text: str, rank: int, score: float, order: int = 0) -> Scored:
    return Scored(score, rank, Candidate(text, 1, 1, order), np.zeros(3, np.float32))


# -- a question that asks how much a goal needs ----------------------------------------------------------------

def test_a_question_that_asks_how_much_a_goal_needs_is_a_requirement_not_a_choice():
    assert asks_needed_quantity("how many labelled examples do we need to estimate recall to within two points?")
    assert asks_needed_quantity("What sample size do I need to detect a 1% lift with 80% power?")
    assert asks_needed_quantity("roughly how much GPU memory would I need to fine-tune a 7B model?")
    assert asks_needed_quantity("How large a validation set does one really need for early stopping?")
    # what to choose: "should I", not "do I need"
    assert not asks_needed_quantity("How many folds should I use in k-fold cross-validation?")
    assert not asks_needed_quantity("how many principal components should I keep?")
    # the quantity must be what the question opens by asking
    assert not asks_needed_quantity("Should I use a t-test or a Wilcoxon test, and how many runs do I need?")
    assert not asks_needed_quantity("I need to know how much memory it takes.")


def test_a_needed_quantity_leads_with_the_fact_that_states_it_and_other_how_to_choose_questions_keep_advice():
    fact = cand("To pin a recall near 0.8 down to plus or minus two points needs about 1,500 positive examples.",
                0, 0.6)
    advice = cand("Prefer recall when misses are expensive and precision when false alarms are.", 3, 0.25)
    q = "how many labelled examples do we need to estimate recall to within two points?"
    subject = subject_terms(q)
    assert advises(advice, subject) and not advises(fact, subject)
    # the advice filter does not apply: both may lead, and the better-supported fact does
    assert {id(t) for t in lead_pool("how_to_choose", q, [fact, advice], subject)} == {id(fact), id(advice)}
    assert pick_lead("how_to_choose", q, [fact, advice], ["a#x", "b#y", "b#y", "c#z"], ranker=None) is fact
    # "should I" keeps the round-11 rule (f9-04): a recommendation leads over a better-scored fact
    choose = "How many folds should I use to compare two classifiers, and should I pick a paired t-test?"
    rec = cand("Use 10 folds and a paired test, and prefer the corrected resampled t-test for the comparison.", 1,
               0.4)
    other = cand("A paired t-test compares the mean of the per-fold differences with its standard error.", 0, 0.8)
    assert not asks_needed_quantity(choose)
    assert pick_lead("how_to_choose", choose, [other, rec], ["a#x", "b#y"], ranker=None) is rec


# -- a bare "why?" after a statement ---------------------------------------------------------------------------

def test_the_claim_of_a_statement_is_its_last_clause_after_a_verb_of_saying_up_to_its_verb():
    assert claim_terms("I divided the std by sqrt(k). a reviewer says that standard error is wrong") == {
        "standard", "error"}
    assert claim_terms("my colleague told me the validation curves look too smooth") == {"valid", "curv"}
    # no verb: the whole last clause
    assert claim_terms("I trained it for a week, the gradient norms explode after warmup") >= {"gradient", "norm",
                                                                                                "explod"}


def test_a_bare_why_after_a_statement_asks_about_the_statements_claim_in_its_place():
    q = ("I report the fold scores' std divided by sqrt(k). my advisor says that standard error is too small. "
         "why? what should I report instead?")
    asks = item_asks(q)
    assert [(p, sorted(t)) for p, t, _ in asks] == [("why", ["error", "standard"]),
                                                    ("what should I report instead", ["instead", "report"])]
    # a "why" with terms of its own keeps them; a "why?" that opens the question points back to nothing
    assert all(p != "why" for p, _, _ in item_asks("why? what is batch norm and how does it train?"))
    assert [sorted(t) for _, t, _ in item_asks("My loss is NaN after a few steps. why does the loss explode, "
                                               "and how do I fix it?")][0] == ["explod", "loss"]


def test_a_bare_why_is_answered_by_a_sentence_that_names_the_claim_and_gives_its_reason_carried_by_a_bridge():
    lines = ["K-fold cross-validation yields k scores.",
             "Their mean estimates the expected performance of the training procedure.",
             "Their spread is a poor basis for a standard error, because the training sets overlap and the fold "
             "scores are correlated.",
             "Report the mean and the spread across folds with the number of folds."]
    h = hit(chunk(lines))
    q = "I divided the std by sqrt(k). a reviewer says that standard error is wrong. why? what should I report instead?"
    lead = at(lines[3], 13)
    other = at("A good result statement names the interval method.", 30, rank=1)
    head = at(lines[0], 10)
    got, n_lead = cover_asks(q, [lead, other, head], 1, [h, h])
    texts = [t.candidate.text for t in got]
    # the sentence that the bridge follows moves up after the lead, then the bridge and the reason; the answer
    # drops the supporting sentence that no longer fits, and the lead count stays
    assert texts == [lines[3], lines[0], lines[1], lines[2]]
    assert n_lead == 1
    # a sentence that names the claim but gives no reason does not answer a bare "why?"
    flat = [lines[0], lines[1], "Their spread is often reported as a standard error.", lines[3]]
    h2 = hit(chunk(flat))
    got2, _ = cover_asks(q, [at(flat[3], 13), other, at(flat[0], 10)], 1, [h2, h2])
    assert [t.candidate.text for t in got2] == [flat[3], other.candidate.text, flat[0]]


def test_a_dangling_sentence_is_no_bridge_when_the_sentence_before_it_is_not_in_the_answer():
    lines = ["K-fold cross-validation yields k scores.",
             "Their mean estimates the expected performance of the training procedure.",
             "Their spread is a poor basis for a standard error, because the training sets overlap."]
    h = hit(chunk(lines))
    q = "I divided the std by sqrt(k). a reviewer says that standard error is wrong. why? what do I report?"
    chosen = [at("Report the mean and the spread across folds.", 40, rank=1), at("Other text here.", 41, rank=1)]
    assert cover_asks(q, chosen, 1, [h, h]) == (chosen, 1)


# -- properties over the development questions -----------------------------------------------------------------



def test_a_bare_why_of_a_development_question_gets_a_reason_when_a_top_chunk_states_one(answerer):
    """Each development question with a bare "why?" after a statement (:func:`item_asks`): when a sentence of its
    top-3 chunks names the claim's terms and gives a reason, the answer shows such a sentence. Tolerance: at most
    one in three missed (measured: two checked, g601 and f10-17, both shown; f9-17's top chunks hold no such
    sentence)."""
    from mlnotes.assistant.answering.compose import chunk_candidates
    from mlnotes.assistant.answering.retrieve import retrieve

    checked, missed = 0, []
    for qid, q in dev_questions(DEV_FRESH):
        bare = [t for p, t, _ in item_asks(q) if p and asks_why(p) and not ask_terms(p)]
        if not bare:
            continue
        ans = answer_of(answerer, q)
        if ans.kind != "extractive":
            continue
        r = retrieve(answerer.index, q, "hybrid", 6)
        for claim in bare:
            def answers(text: str, claim=claim) -> bool:
                return answers_ask(claim, text) and gives_reason(text)

            if not any(answers(c.text) for h in r.hits[:3] for c in chunk_candidates(h)):
                continue
            checked += 1
            if not any(answers(s.text) for s in ans.sentences):
                missed.append(qid)
    assert checked >= 1
    # f10-17 shows its reason on the AMX machine this was written on and not on an AVX2-only CPU, whose int8 query
    # vectors differ (docs/answer-quality.md, "Round 16: tests that broke on another CPU"): either counts
    assert len(set(missed) - {"f10-17"}) <= checked // 3, missed


def test_a_needed_quantity_question_of_the_development_sets_leads_with_a_sentence_that_states_a_number(answerer):
    """Each development question that opens by asking how much a goal needs (:func:`asks_needed_quantity`) leads
    with a sentence that states a number (measured: f10-12 and f4-09, both)."""
    import re

    seen = []
    for qid, q in dev_questions(DEV_FRESH):
        if not asks_needed_quantity(q):
            continue
        ans = answer_of(answerer, q)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        seen.append(qid)
        assert re.search(r"\d", ans.sentences[0].text), (qid, ans.sentences[0].text)
    assert seen
