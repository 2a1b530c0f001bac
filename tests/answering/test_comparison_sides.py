"""The sides of a comparison and where each side's sentence comes from (issue #16, round 13, comp16n).

fresh10 showed three comparison leads built from the wrong things: f10-15 ("... this is dangerous, why? isn't it
better than failing?") was split into the sides "dangerous, why? isn't it" and "failing", across a question mark and
with a pronoun for its first side; f10-05's first side kept the full stop of the sentence before it (". mean +- std");
f10-06 and f10-04 ("readiness vs liveness vs startup probe") were cut into a first side from the sentence before
("killing it") or a second side holding the rest of the chain ("weighted vs centred moving average"); and f10-01's
side "marginal" was described by an SVM sentence on the margin while the first retrieved section, "Joint, marginal
and conditional probability", is about it. The unit tests below use hand-written questions and candidates; the
property tests read every development question (gold tune, external, fresh1-10; never a held-out set)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    SIDE_EMPHASIS_BONUS,
    Sides,
    best_about,
    compared_items,
    sides,
)
from mlnotes.assistant.answering.scoring import Scored


def cand(text: str, score: float, rank: int = 0) -> Scored:
    return Scored(score, rank, Candidate(text, 1, 1, 0), np.zeros(3, np.float32))


# -- sides are things, not clauses ---------------------------------------------------------------------------------

def test_a_side_does_not_run_across_a_question_mark_and_a_pronoun_is_no_side():
    # "isn't it better than failing?": "it" stands for something named in another sentence
    assert sides("Our service returns a fixed score on errors. My lead says this is risky, why? isn't it better "
                 "than crashing?") is None
    assert sides("We ran a Welch test on the two groups. How does them compare with a paired t-test?") is None


def test_a_first_side_starts_after_the_last_sentence_break_before_vs():
    pair = sides("The pod takes two minutes to start and gets restarted. readiness vs liveness vs startup probe, "
                 "which one do I need?")
    assert pair == Sides("readiness vs liveness", "startup probe")
    assert compared_items("The pod takes two minutes to start and gets restarted. readiness vs liveness vs startup "
                          "probe, which one do I need?") == ["readiness", "liveness", "startup probe"]
    # no punctuation left over from the sentence before: "(... hours). mean +- std vs ..." starts at "mean"
    assert sides("latencies are skewed (a few take seconds). mean +- std vs median and IQR for a report?") == \
        Sides("mean +- std", "median and IQR")


def test_a_chain_of_three_gives_three_items():
    q = "simple vs weighted vs exponential smoothing - which should I use for a forecast?"
    assert sides(q) == Sides("simple vs weighted", "exponential smoothing")
    assert compared_items(q) == ["simple", "weighted", "exponential smoothing"]


def test_a_second_side_ends_where_the_next_question_starts():
    # a dash or a question word opens the next part of the question
    assert sides("Explain precision vs recall and what the F1 score is.") == Sides("precision", "recall")
    assert sides("bagging vs boosting - how do they differ in variance?") == Sides("bagging", "boosting")


def test_well_formed_pairs_are_kept():
    # "one", "I" and a question word with its infinitive at the start do not reject a pair
    assert sides("Type I vs Type II error?") == Sides("Type I", "Type II error")
    assert sides("one stage vs two stage object detectors") == Sides("one stage", "two stage object detectors")
    assert sides("When to use a Label Encoding vs. One Hot Encoding?") == Sides("Label Encoding", "One Hot Encoding")
    assert sides("What is the difference between LSTM and GRU?") == Sides("LSTM", "GRU")
    assert compared_items("the differences between supervised, unsupervised, and reinforcement learning") == \
        ["supervised", "unsupervised", "reinforcement learning"]


# -- a side is best described where the notes introduce it ---------------------------------------------------------

def test_a_sentence_that_sets_the_side_in_emphasis_describes_it():
    uses = cand("Naive Bayes turns one large joint distribution into a product of small ones.", 0.47)
    introduces = cand("Probabilistic reasoning uses three operations on the *joint* distribution of two variables.",
                      0.47 - SIDE_EMPHASIS_BONUS / 2)
    assert best_about("joint", [uses, introduces]) is introduces
    # a bonus, not a rule: a clearly better sentence that only uses the side still wins
    introduces = cand(introduces.candidate.text, 0.47 - 2 * SIDE_EMPHASIS_BONUS)
    assert best_about("joint", [uses, introduces]) is uses
    # emphasis of another word does not count
    other = cand("Probabilistic reasoning on the joint distribution uses *three* operations.", 0.47 - 0.05)
    assert best_about("joint", [uses, other]) is uses


# -- properties over the development questions ---------------------------------------------------------------------

def development_questions() -> list[dict]:
    from mlnotes.assistant.settings import REPO_ROOT

    datasets = REPO_ROOT / "eval" / "datasets"
    rows = [json.loads(x) for x in (datasets / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [q for q in rows if q["split"] == "tune"]
    for name in ["external.jsonl", *(f"judged_fresh{n}.jsonl" for n in ["", *range(2, 11)])]:
        qs += [json.loads(x) for x in (datasets / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return qs


_CLAUSE_MARK = re.compile(r"[?!;]|\.\s|\s-\s")
_QUESTION_OR_PRONOUN = re.compile(r"\b(?:what|why|how|which|when|where|who|it|they|them|this|these|those)\b", re.I)


def test_every_side_of_a_development_question_is_a_thing_the_question_names():
    qs = development_questions()
    found = 0
    for q in qs:
        pair = sides(q["question"])
        if pair is None:
            continue
        found += 1
        for items in (compared_items(q["question"]),):
            assert len(items) >= 2, (q["id"], items)
        for side in (pair.a, pair.b, *compared_items(q["question"])):
            # no clause break, question word or pronoun inside a side, no punctuation at its edges, and its words
            # are the question's own, in the question's order
            assert not _CLAUSE_MARK.search(side) and not _QUESTION_OR_PRONOUN.search(side), (q["id"], side)
            assert side == side.strip(" .,;:-'\"()"), (q["id"], side)
            asked = re.sub(r"\b(vs|versus)\.", r"\1", " ".join(q["question"].split()), flags=re.I)
            assert side.lower() in asked.lower(), (q["id"], side)
        # a chain "A vs B vs C" never leaves a "vs" in the second side
        assert not re.search(r"\bvs\b|\bversus\b", pair.b, re.I), (q["id"], pair.b)
    # the rules reject clauses, not comparisons: on main (before round 13) 89 development questions had a pair; 85
    # keep one (the 4 lost had a clause or a pronoun for a side: f10-15, f9-03, f9-04, fr-20); at least 80 must
    assert found >= 80, found


# measured over the development questions with labelled sections (gold tune, external, fresh1-10): lead sentences
# of comparison leads, and how many come from a labelled section: 55 of 72 (0.76) before this round (main bd5d384),
# 66 of 80 (0.825) after it; the floor allows two of those 80 to move with a corpus or index change
MIN_LABELLED_SHARE = 0.80


@pytest.fixture(scope="module")
def comparison_leads():
    """``(question record, lead sentences with their section)`` for every development question that gets a
    comparison lead, from the served extractive pipeline over the real corpus and index."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.answers import make_answerer
    from mlnotes.kb.index import Index

    corpus = REPO_ROOT / "corpus"
    index, _ = Index.load_or_build(corpus, REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = make_answerer(index, corpus)  # its own (the memo does not see a class's method patched)
    record: list[list[tuple[Scored, str]]] = []
    real = Answerer._comparison_lead

    def recording(self, question, hits, scored, mode, filters=None):
        out = real(self, question, hits, scored, mode, filters)
        record.append([(t, f"{hits[t.rank].chunk.doc_id}#{hits[t.rank].chunk.section_id}") for t in out])
        return out

    Answerer._comparison_lead = recording
    got = []
    try:
        for q in development_questions():
            record.clear()
            answerer.answer(q["question"], generator=None)
            if record and record[-1]:
                got.append((q, record[-1]))
    finally:
        Answerer._comparison_lead = real
    return got


@pytest.mark.slow
def test_comparison_leads_come_from_the_labelled_sections(comparison_leads):
    """The share of comparison-lead sentences that come from a labelled section (:data:`MIN_LABELLED_SHARE`)."""
    labelled = [(q, lead) for q, lead in comparison_leads if q.get("relevant")]
    n = sum(len(lead) for _, lead in labelled)
    good = sum(section in q["relevant"] for q, lead in labelled for _, section in lead)
    assert n >= 60, n
    assert good >= MIN_LABELLED_SHARE * n, (good, n)


@pytest.mark.slow
def test_no_comparison_lead_sentence_is_a_redundant_table_row_or_an_unseen_run(comparison_leads):
    from mlnotes.assistant.answering.lead import about_unseen_run, mentions

    for q, lead in comparison_leads:
        items = compared_items(q["question"])
        for i, (t, _) in enumerate(lead):
            text = t.candidate.text
            assert not about_unseen_run(text), (q["id"], text)
            if t.candidate.kind == "table_row":
                # a row is there only for an item that no other lead sentence names
                others = [o.candidate.text for j, (o, _) in enumerate(lead) if j != i]
                assert any(mentions(text, x) and not any(mentions(o, x) for o in others) for x in items), \
                    (q["id"], text)


@pytest.mark.slow
def test_f10_01_is_described_from_its_own_section_and_f10_15_is_no_comparison(comparison_leads):
    # f10-01: the first retrieved section, "Joint, marginal and conditional probability", names every compared
    # item; no lead sentence comes from another section (the SVM margin sentence described "marginal" before)
    leads = {q["id"]: lead for q, lead in comparison_leads}
    assert leads["f10-01"], "f10-01 keeps a comparison lead"
    assert all(section == "ch02-mathematics#joint-marginal-and-conditional-probability"
               for _, section in leads["f10-01"]), leads["f10-01"]
    # f10-15 ("... this is dangerous, why? isn't it better than failing?") compares nothing the question names
    assert "f10-15" not in leads
