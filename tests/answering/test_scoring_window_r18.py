"""The answer's scoring window counts the chunks that hold answer candidates (round 18, win18:
assistant/answering/compose.py ``candidates_first``, applied in ``Answerer._without_generator`` to every question
that does not ask for code).

The composer scores the sentences of the first ``top_chunks`` (5) retrieved chunks, and the lead comes from the first
``LEAD_POOL_RANKS`` (5). A chunk that is only a code block has no candidate, yet took one of those places: in 157 of
the 300 fresh questions at least one of the five was such a chunk. f15-14 ("pandas question: I want a feature 'income
relative to the median income of the customer's city' ... show me how to do it properly for train/test") had three of
them in its top five, and the prose that answers it (chapters/04-data-processing.md:453-456, "Aggregations such as
`city_median_income` ... must be computed on training data only") was the sixth hit: the answer led with a set-up
sentence of another section. A code question keeps the retrieved order (its block and Run are looked for there)."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.compose import candidates_first, wants_code
from mlnotes.assistant.answering.retrieve import retrieve
from mlnotes.assistant.intent import classify_intent

from .test_part_coverage import dev_questions


class H:
    """A stand-in hit: its name and whether its chunk holds candidates."""

    def __init__(self, name: str, prose: bool) -> None:
        self.name, self.prose = name, prose

    def __repr__(self) -> str:
        return self.name


def names(hits):
    return [h.name for h in hits]


def test_code_only_hits_leave_the_window_to_the_next_hits_with_candidates():
    hits = [H("code0", False), H("p1", True), H("p2", True), H("code3", False), H("code4", False), H("p5", True),
            H("p6", True), H("p7", True), H("p8", True)]
    out = candidates_first(hits, lambda h: h.prose, 5)
    # the window holds five chunks with candidates, in their order; the code-only ones follow it, then the rest
    assert names(out) == ["p1", "p2", "p5", "p6", "p7", "code0", "code3", "code4", "p8"]
    assert sorted(names(out)) == sorted(names(hits))  # nothing is lost or repeated


def test_hits_that_all_hold_candidates_keep_their_order():
    hits = [H(f"p{i}", True) for i in range(8)]
    assert names(candidates_first(hits, lambda h: h.prose, 5)) == names(hits)


def test_a_code_only_hit_after_the_window_stays_where_it_was():
    hits = [H("p0", True), H("p1", True), H("p2", True), H("p3", True), H("p4", True), H("code5", False),
            H("p6", True)]
    assert names(candidates_first(hits, lambda h: h.prose, 5)) == names(hits)


def test_fewer_hits_with_candidates_than_the_window():
    hits = [H("code0", False), H("p1", True), H("code2", False)]
    assert names(candidates_first(hits, lambda h: h.prose, 5)) == ["p1", "code0", "code2"]
    assert candidates_first([], lambda h: h.prose, 5) == []


F15_14 = ("pandas question: I want a feature 'income relative to the median income of the customer's city'. right now "
          "I do df.groupby('city')['income'].transform('median') on the whole dataframe before splitting. show me how "
          "to do it properly for train/test")


def test_the_answering_prose_behind_three_code_only_hits_is_read(answerer):
    # f15-14's top five hits hold three code-only chunks; the sixth is the prose that answers it
    hits = retrieve(answerer.index, F15_14, "hybrid", 6).hits
    top = [len(answerer.sentences.get(h.chunk)[0]) > 0 for h in hits[:5]]
    assert top.count(False) >= 2, top
    ans = answerer.answer(F15_14, generator=None)
    assert ans.kind == "extractive" and ans.sentences
    first = ans.sources[ans.sentences[0].source - 1]
    assert first.section_id == "date-cyclical-and-aggregation-features", first
    assert "training data only" in ans.sentences[0].text


@pytest.mark.slow
def test_code_questions_keep_the_retrieved_order_for_their_block(answerer):
    # the development questions that ask for code (wants_code) with a code-only chunk among their top five: the
    # window is not reordered for them, so each still shows a fenced block, as on main 2273194 (where every one did)
    libs = answerer.code_libraries()
    asked = [(qid, q) for qid, q in dev_questions([f"judged_fresh{i}.jsonl" for i in ("", *range(2, 16))])
             if wants_code(classify_intent(q).intent, q, libs)]
    checked, bad = 0, []
    for qid, q in asked:
        hits = retrieve(answerer.index, q, "hybrid", 6).hits
        if all(len(answerer.sentences.get(h.chunk)[0]) > 0 for h in hits[:5]):
            continue
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive":
            continue
        checked += 1
        if "```" not in ans.text and "no tested code" not in ans.text:
            bad.append(qid)
    assert checked >= 10, checked
    assert not bad, bad
