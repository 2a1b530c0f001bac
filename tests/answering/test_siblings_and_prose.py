"""Both halves of a question whose words are not the notes' words, and a lead that opens with a table (issue #16,
round 14, cover16s). A lead that opens on an emphasised name the question does not use keeps the named sentences of
its own chunk (f12-19: "*Exact duplicates* ..." and "*Inconsistent categories* ..." for "a few rows appear twice"
and "40 distinct cities ... we only operate in 4"); a lead that mixes table rows and sentences opens with its
sentences (f12-05: the activations' formula table led, ReLU's "dying units" came after it). Unit tests on
hand-written questions, chunks and sentences; a property over the development questions (external, judged_fresh
1-12; never gold heldout) on the real index."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import (
    names_another_thing,
    prose_first,
    with_antecedents,
    with_table_rows,
)
from mlnotes.assistant.answering.scoring import Scored
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Hit


def vec(axis: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[axis] = 1.0
    return v


def chunk(lines: list[str], start: int = 10, path: str = "guides/x.md") -> Chunk:
    return Chunk(id="x#s", doc_id="x", section_id="s", title="X", heading="S", breadcrumbs=["X", "S"], path=path,
                 line_start=start, line_end=start + len(lines) - 1, kind="guide", text="\n".join(lines))


def sc(text: str, line: int, axis: int, rank: int = 0, kind: str = "sentence", header: str = "") -> Scored:
    return Scored(0.5, rank, Candidate(text, line, line, line, kind=kind, table_header=header), vec(axis))


# -- a lead that opens on a name the question does not use keeps its chunk's named siblings ---------------------

CITIES = ("my model treats city as a feature and there are like 40 distinct cities although we only operate in 4. "
          "also a few rows appear twice. does this matter and how do i fix it")
DUPS = "*Exact duplicates* inflate the weight of some rows and leak between training and test sets."
NEAR = "*Near-duplicates* are the same entity spelled differently and need normalisation of case and whitespace."
CATS = '*Inconsistent categories* (" london", "London") split one category into several.'
OTHER = "*Outlier detection* flags rows far from the rest with a robust z-score."


def test_the_named_siblings_of_a_lead_that_names_its_thing_in_the_notes_words_stay():
    # the question uses none of the emphasised names: each of them would be "another thing" on its own
    assert all(names_another_thing(CITIES, t) for t in (DUPS, NEAR, CATS, OTHER))
    hits = [Hit(chunk([DUPS, NEAR, CATS]), 1.0, 0, "hybrid"), Hit(chunk([OTHER], 50, "guides/y.md"), 0.5, 1, "hybrid")]
    chosen = [sc(DUPS, 10, 0), sc(NEAR, 11, 1), sc(CATS, 12, 2), sc(OTHER, 50, 3, rank=1)]
    got, n_lead = with_antecedents(chosen, 1, hits, CITIES)
    texts = [t.candidate.text for t in got]
    # the lead's chunk keeps its siblings; a named sentence of another chunk is still another thing
    assert texts == [DUPS, NEAR, CATS] and n_lead == 1


def test_a_lead_that_uses_the_questions_name_still_drops_a_sibling_method():
    q = "inverse RL - what is it, in plain words?"  # f5-03: the lead names the question's thing
    lead = "*Inverse RL* recovers a reward function from expert behaviour."
    multi = "*Multi-agent RL* has several learning agents in one environment."
    hits = [Hit(chunk([lead, multi]), 1.0, 0, "hybrid")]
    got, _ = with_antecedents([sc(lead, 10, 0), sc(multi, 11, 1)], 1, hits, q)
    assert [t.candidate.text for t in got] == [lead]
    # and a lead without an emphasised name does not open the door either
    plain = "Inverse RL recovers a reward function from expert behaviour."
    hits = [Hit(chunk([plain, multi]), 1.0, 0, "hybrid")]
    got, _ = with_antecedents([sc(plain, 10, 0), sc(multi, 11, 1)], 1, hits, q)
    assert [t.candidate.text for t in got] == [plain]


# -- a lead that mixes table rows and sentences opens with its sentences ----------------------------------------

HEADER = "| activation | f(z) | range |\n| --- | --- | --- |"
ROWS = ["| ReLU | max(0, z) | [0, inf) |", "| Leaky ReLU | max(az, z) | R |", "| ELU | a(e^z - 1) if z < 0 | (-a, inf) |"]
RELU = "ReLU has derivative 1 for positive inputs, is cheap, and gives sparse activations."
DYING = "Its problem is dying units that get stuck with negative inputs and zero gradient."
LEAKY = "Leaky ReLU keeps a small slope on the negative side so that every unit receives some gradient."


def rows() -> list[Scored]:
    return [sc(r, 20 + i, 3 + i, rank=1, kind="table_row", header=HEADER) for i, r in enumerate(ROWS)]


def test_the_leads_sentences_come_before_its_table_rows_each_in_their_order():
    rest = sc("GELU is smooth.", 40, 7)
    chosen = [*rows(), sc(RELU, 10, 0), sc(DYING, 11, 1), sc(LEAKY, 12, 2), rest]
    got, n_lead = prose_first(chosen, 6)
    assert [t.candidate.text for t in got] == [RELU, DYING, LEAKY, *ROWS, rest.candidate.text]
    assert n_lead == 6


def test_a_lead_of_rows_alone_one_that_opens_with_a_sentence_or_whose_sentences_cannot_open_stays():
    only_rows = rows()
    assert prose_first(only_rows, 3) == (only_rows, 3)
    opens = [sc(RELU, 10, 0), *rows()]
    assert prose_first(opens, 4) == (opens, 4)
    # a sentence that needs the one before it cannot open the answer: the table stays first
    dangling = [*rows(), sc(DYING, 11, 1)]
    assert prose_first(dangling, 4) == (dangling, 4)
    # the supporting sentences after the lead are not pulled into it
    after = [*rows(), sc(RELU, 10, 0)]
    assert prose_first(after, 3) == (after, 3)


def test_with_table_rows_puts_the_leads_sentences_first_after_joining_the_rows():
    lines = [HEADER.split("\n")[0], HEADER.split("\n")[1], *ROWS]
    hits = [Hit(chunk([RELU, DYING]), 1.0, 0, "hybrid"), Hit(chunk(lines, 19), 0.8, 1, "hybrid")]
    elu = sc(ROWS[2], 23, 3, rank=1, kind="table_row", header=HEADER)
    q = "ELU vs ReLU vs leaky ReLU, is there any real reason to not just use relu everywhere?"
    got, n_lead = with_table_rows(q, [elu, sc(RELU, 10, 0), sc(DYING, 11, 1)], 3, hits)
    kinds = [t.candidate.kind for t in got[:n_lead]]
    assert got[0].candidate.text == RELU and kinds.index("table_row") > kinds.index("sentence")
    assert "table_row" in kinds and n_lead == len(got)
    # a question that asks a cost keeps the row first: its answer is the row with its header
    cost_q = "what does training cost in time and memory for ELU vs ReLU with n = 100,000?"
    got, _ = with_table_rows(cost_q, [elu, sc(RELU, 10, 0), sc(DYING, 11, 1)], 3, hits)
    assert got[0].candidate.kind == "table_row"


# -- the development questions ----------------------------------------------------------------------------------

DEV_FRESH = [f"judged_fresh{i}.jsonl" for i in ("", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)]

# the development answers that open with a table (external and judged_fresh 1-12): complexity leads (a cost row of
# the guide; a cost question keeps its row first even with a sentence in the lead: f7-10's GP cost row stays ahead of
# "O(n^2) memory is the practical wall", as test_code_and_cost_fit requires) and tables whose rows alone are the lead.
# On main at bf3cf9d f12-05 was one more: its lead held ReLU's and leaky ReLU's sentences behind the formula table.
# f4-18 left in round 15 (lead16v): "below"/"above" as a comparison no longer drops a sentence, and its lead is now
# the cause sentence, not the table row
KNOWN_TABLE_FIRST = {"ml-57", "fr-07", "f2-09", "f2-10", "f3-10", "f3-11", "f6-04", "f6-09", "f7-08", "f7-09",
                     "f7-10", "f8-07", "f8-09", "f8-10", "f9-09", "f9-10", "f12-12"}
# the development answers that keep a supporting sentence opening on an emphasised name the question does not use,
# because the first sentence, from the same section, opens on such a name too (main dropped them all)
KNOWN_SIBLINGS = {"f12-19"}
# and those that keep one for another reason (not this rule's): the same on main
KNOWN_OTHER_NAMED: set[str] = set()


@pytest.mark.slow
def test_development_answers_open_with_prose_and_keep_their_leads_named_siblings(answerer):
    from .test_part_coverage import dev_questions

    questions = [(i, q) for i, q in dev_questions(DEV_FRESH) if not i.startswith("g")]
    assert len(questions) > 250
    table_first, siblings, other = set(), set(), set()
    for qid, q in questions:
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        if ans.sentences[0].kind == "table_row":
            table_first.add(qid)
        named = [s for s in ans.sentences[1:] if s.kind == "sentence" and names_another_thing(q, s.text)]
        if not named:
            continue
        # a kept sentence that opens on another thing's name: only beside a lead sentence of its own source that
        # opens on such a name too
        opener = {s.source for s in ans.sentences[:1] if names_another_thing(q, s.text)}
        for s in named:
            if s.source in opener:
                siblings.add(qid)
            else:
                other.add(qid)
    # named sentences that other steps bring (an ask's sentence, a comparison side) beside a first sentence that does
    # not open on such a name are listed too, so a new one shows
    got = (sorted(table_first), sorted(siblings), sorted(other))
    assert got == (sorted(KNOWN_TABLE_FIRST), sorted(KNOWN_SIBLINGS), sorted(KNOWN_OTHER_NAMED)), got
