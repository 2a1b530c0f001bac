"""Leads that speak to a claim the asker reports and asks about (round 18, lead18b: assistant/answering/lead.py
reported_claim_terms, speaks_to_claim, claim_lead; assistant/answer.py, where the worked formula's sentence no longer
overrides such a lead).

A question that reports what someone claims and closes by asking whether it holds ("the intervals overlap a bit so
my teammate says the difference isn't significant. is that how it works?", f16-15) wants the claim confirmed or
refuted first. f16-15 led with the half-width formula of its section, while the same chunk's "When two models'
intervals overlap, that does *not* show their difference is insignificant ..." refutes the claim. Hand-built
candidates with the learned ranker off and on, and the development questions of the class."""

from __future__ import annotations

import json

from mlnotes.assistant.answering.lead import pick_lead, reported_claim_terms, speaks_to_claim, terms
from mlnotes.assistant.settings import REPO_ROOT

from .pools import cand

CLAIM_Q = ("model A gets 0.842 accuracy and model B 0.871, both on the same 2,000 test examples. the intervals overlap "
           "a bit so my teammate says the difference isn't significant. is that how it works?")
FORMULA = cand("For an accuracy near p measured on n independent examples, the half-width of a 95% interval is roughly "
               "1.96 times the square root of p(1-p)/n.", 0, 0.70)
SPEAKS = cand("When two models' intervals overlap, that does not show their difference is insignificant: an interval "
              "for the difference, using paired data, is the right tool.", 0, 0.50, line=2, vec=1)
SECTIONS = ["ch03#reporting-uncertainty", "ch03#reporting-uncertainty", "eval#significance", "eval#significance"]


def test_the_claim_is_the_reported_piece_before_a_closing_ask_whether_it_holds():
    assert reported_claim_terms(CLAIM_Q) == terms("intervals overlap difference significant")
    assert reported_claim_terms("a colleague claims dropout is useless with batch norm. is he right?") == terms(
        "dropout useless batch norm")
    # no closing ask whether it holds, or no one reported: no claim
    assert reported_claim_terms("my teammate says the difference isn't significant. how do I test it?") == set()
    assert reported_claim_terms("the intervals overlap a bit. is that how it works?") == set()
    assert reported_claim_terms("what is a confidence interval?") == set()


def test_a_sentence_speaks_to_the_claim_when_it_names_more_than_half_of_its_terms():
    claim = reported_claim_terms(CLAIM_Q)
    assert speaks_to_claim(claim, SPEAKS.candidate.text)
    assert not speaks_to_claim(claim, FORMULA.candidate.text)
    assert not speaks_to_claim(claim, "The differences are usually within noise.")


def test_a_reported_claim_is_answered_by_the_sentence_that_speaks_to_it(ranker_mode):
    assert pick_lead("why-how", CLAIM_Q, [FORMULA, SPEAKS], sections=SECTIONS) is SPEAKS
    # without such a sentence the lead is chosen as before
    assert pick_lead("why-how", CLAIM_Q, [FORMULA], sections=SECTIONS) is FORMULA
    # the same question without the ask whether the claim holds is not restricted
    plain = "model A gets 0.842 accuracy and model B 0.871. what is the half-width of a 95% interval for accuracy?"
    assert pick_lead("why-how", plain, [FORMULA, SPEAKS], sections=SECTIONS) is FORMULA


def test_a_sentence_of_a_lower_chunk_does_not_take_the_lead(ranker_mode):
    lower = cand(SPEAKS.candidate.text, 3, 0.50, line=2, vec=1)
    assert pick_lead("why-how", CLAIM_Q, [FORMULA, lower], sections=SECTIONS) is FORMULA


def test_on_the_development_questions_a_reported_claim_is_spoken_to_by_the_lead(answerer):
    """Every development question (fresh1-16, external) that reports a claim and asks whether it holds is led by a
    sentence that speaks to the claim (f16-15 is the one such question so far)."""
    seen = 0
    for path in sorted((REPO_ROOT / "eval" / "datasets").glob("*.jsonl")):
        if not (path.name.startswith("judged_fresh") or path.name == "external.jsonl"):
            continue
        for line in path.read_text().splitlines():
            d = json.loads(line) if line.strip() else None
            if not d or not d.get("answerable", True) or not reported_claim_terms(d["question"]):
                continue
            claim = reported_claim_terms(d["question"])
            ans = answerer.answer(d["question"], generator=None)
            assert not ans.abstained, d["id"]
            first = ans.sentences[0].text  # the lead: a worked-number line above it is no answer sentence
            seen += 1
            assert speaks_to_claim(claim, first), (d["id"], first[:200])
    assert seen >= 1
