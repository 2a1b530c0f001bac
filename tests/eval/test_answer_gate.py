"""CI gate on answers: the answer-first rate and the other answer metrics of the served extractive pipeline
(mlnotes.eval.answers.answer_quality: the calibrated thresholds, the interview bank, no LLM) on the gold tune split
(373 answerable + 21 unanswerable questions) and on the external set of public questions by other people (74
answerable + 6 unanswerable since round 4's relabelling).

Uses the real index of ``corpus/`` in ``.mlnotes/index`` (built or reused as in tests/eval/test_gate.py); answering
all 474 questions took 118 s on the shared 2-core machine at a load average of about 5.

Measured on the ans16 branch (docs/answer-quality.md): answer-first 0.895 on gold tune and 0.823 on external;
citation faithfulness 1.000 on both; interview-match precision 0.982 on gold tune (168 bank answers); abstention on
gold tune 20 of 21 unanswerable with 1 false abstention among 373 answerable questions. The floors are these minus a
stated margin: 0.04 on gold tune (about 15 questions: ordinary corpus and ranking changes move a few), 0.08 on
external (5 of 62 questions; its CI is about +-0.09), 0.01 on faithfulness (an invariant: every cited sentence is on
its lines), 0.03 on match precision; at most 3 false abstentions on gold tune and recall at least 0.80 (17 of 21).
Gold tune and external were the development sets of the lead choice, so these are regression gates, not unbiased
estimates (gold heldout is reported in docs/answer-quality.md, never gated here).

Round 5 (lead weights fitted on hand labels, docs/answer-quality.md) measured answer-first 0.890 on gold tune and
0.851 on external (74 answerable). The gold tune floor stays at round 4's 0.855 (0.895 - 0.04; round 5 is 0.035
above it); the external floor rises to 0.851 - 0.08 = 0.771 (from 0.743).

Round 6 (lead16b: section pool, definition part, short answers, code blocks by content, the bank rank rule) left
answer-first at 0.895 on gold tune and 0.851 on external; interview-match precision on gold tune 0.988 (165 bank
answers, from 168). The floors are unchanged.

Round 7 (lead16c: caveats, recommendations as advice, the lead's reading of the question, cost rows by the named
algorithm, cross-kind close paraphrases in the bank, figure descriptions never used) measured answer-first 0.898 on
gold tune and 0.851 on external; interview-match precision on gold tune 0.989 (178 bank answers). The floors are
unchanged.

Round 8 (lead16d: variant comparison sides, code blocks by their section's heading, a reason after a why lead that
only restates the premise, a sentence for each later part of a question, more context-bound sentences left out)
measured answer-first 0.898 on gold tune and 0.865 on external; interview-match precision unchanged (177/179,
27/27). The floors are unchanged.

Round 8b (lead16e: both sides in a comparison's first two sentences, three compared items, bank entries that lack a
compared item, advice-column table rows, display equations for formula leads) started from 0.893 on gold tune (the
merged main) and measured 0.890 on gold tune and 0.865 on external; interview-match precision 0.983 on gold tune
(175/178 bank answers, from 177/180) and 26/26 on external. The floors are unchanged.
"""

from __future__ import annotations

import pytest

from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.eval.data import load_external, load_gold, load_unanswerable

CORPUS = REPO_ROOT / "corpus"
FLOORS = {  # set: {metric: (measured, margin)}
    "gold tune": {"answer_first_rate": (0.895, 0.04), "citation_faithfulness": (1.0, 0.01),
                  "interview_match_precision": (0.982, 0.03)},
    "external": {"answer_first_rate": (0.851, 0.08), "citation_faithfulness": (1.0, 0.01)},
}
MAX_FALSE_ABSTENTIONS_TUNE = 3  # measured 1 of 373
MIN_ABSTENTION_RECALL_TUNE = 0.80  # measured 20 of 21


@pytest.fixture(scope="module")
def quality():
    from mlnotes.eval.answers import answer_quality, make_answerer
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(CORPUS, REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = make_answerer(index, CORPUS)  # the calibrated thresholds and rules, as served
    ext = load_external()
    return {"gold tune": answer_quality(answerer, load_gold("tune"), load_unanswerable("tune")),
            "external": answer_quality(answerer, [q for q in ext if q.answerable],
                                       [q for q in ext if not q.answerable])}


@pytest.mark.parametrize("name", list(FLOORS))
def test_answer_metrics_stay_above_their_floors(quality, name):
    got = quality[name]
    failed = {}
    for metric, (measured, margin) in FLOORS[name].items():
        floor = round(measured - margin, 3)
        value = got[metric]["mean"]
        if not value >= floor:  # also fails on nan (no answers at all)
            failed[metric] = (round(value, 3), floor)
    assert not failed, f"{name}: below the floor (value, floor): {failed}"


def test_abstention_on_gold_tune_stays_precise_and_catches_the_unanswerable(quality):
    ab = quality["gold tune"]["abstention"]
    assert ab["n_answerable"] >= 300 and ab["n_unanswerable"] >= 15, ab  # the sets are there at all
    # 3 of the 373 answerable questions the floor was set on; the same share if the split grows
    assert ab["fp"] <= max(MAX_FALSE_ABSTENTIONS_TUNE, MAX_FALSE_ABSTENTIONS_TUNE * ab["n_answerable"] / 373), ab
    assert ab["recall"] >= MIN_ABSTENTION_RECALL_TUNE, ab
