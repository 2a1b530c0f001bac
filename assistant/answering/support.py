"""Round 19 (filler19): supporting sentences and table rows that are off the question's subject.

After the lead, the supporting sentences come from the retrieved chunks, and a chunk the question only brushes
(one shared word in its heading) can give a sentence about another subject: "DARTS relaxes the choice of operations
to a softmax ..." after AlphaZero vs MuZero (f16-04), "With $\\alpha = 0.8$, $\\gamma = 4$ ... $\\approx 2.80$" from
speculative decoding after the MCTS cost row (f16-09), the DQN and SAC rows of the reinforcement-learning cost table
after that row. Two steps, each its own function so that a later step that adds a sentence for an uncovered part of
the question (``Answerer._cover_parts``, ``compose.cover_asks``) runs after them and is not undone:

- :func:`drop_off_subject`: a supporting sentence from a chunk that gives no lead sentence stays only when it names
  a content term of the question's subject or of the lead (a table row: when the first cell, the thing the row is
  about, does); the lead's own chunk is its context and stays.
- :func:`matching_rows_first`: among the rows of one table that a cost answer shows, a row whose first cell names
  the question's terms only as a part of what another row's first cell names, under another name, is about a
  neighbour of the asked thing ("Matrix factorization, SGD" beside "Factorization machine (degree 2)" for a
  factorization-machine question, f16-10) and goes, so the asked row comes first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mlnotes.assistant.answering.lead import asks_cost, first_cell, subject_terms, terms
from mlnotes.assistant.answering.scoring import Scored


def _about_terms(t: Scored) -> set[str]:
    """The terms that say what a candidate is about: a table row's first cell, else its whole text."""
    c = t.candidate
    return terms(first_cell(c.text)) if c.kind == "table_row" else terms(c.text)


def on_subject(question: str, lead: Sequence[Scored], t: Scored) -> bool:
    """Whether supporting candidate ``t`` is about the question's subject: a sentence that comes from a chunk a
    lead sentence comes from is (a row is about its first cell's thing wherever it comes from), and so is one that
    names a content term of the question's subject (:func:`subject_terms`) or of a lead
    sentence."""
    if t.candidate.kind != "table_row" and any(t.rank == x.rank for x in lead):
        return True
    wanted = subject_terms(question).union(*(terms(x.candidate.text) for x in lead))
    # a number is no subject: "4" of "4 ms" does not make "$\gamma = 4$" about the question
    return any(any(ch.isalpha() for ch in w) for w in _about_terms(t) & wanted)


def drop_off_subject(question: str, lead: Sequence[Scored], rest: Sequence[Scored]) -> list[Scored]:
    """``rest`` (the supporting sentences after ``lead``) without those that are off the question's subject
    (:func:`on_subject`); an answer with no lead keeps them all (nothing says what the subject is then)."""
    if not lead:
        return list(rest)
    return [t for t in rest if on_subject(question, lead, t)]


def _row_name(row: Scored) -> set[str]:
    """The terms of the name a row's first cell gives its thing, before a comma or a parenthesis ("Ridge" of
    "Ridge, dual / kernel form ($d > n$)")."""
    return terms(re.split(r"[,(]", first_cell(row.candidate.text), maxsplit=1)[0])


def matching_rows_first(question: str, chosen: Sequence[Scored], n_lead: int) -> tuple[list[Scored], int]:
    """``chosen`` (the first ``n_lead`` the lead) without the rows of a cost question's table (:func:`asks_cost`)
    that are about a neighbour of the asked thing: a row whose first cell names some of the question's subject
    terms, all of them named by the first cell of another row of that table too, which names more and gives its
    thing another name ("Matrix factorization, SGD" beside "Factorization machine (degree 2)" for a
    factorization-machine question, f16-10; the asked row was third). Variants of one thing stay ("Ridge, closed
    form" and "Ridge, dual / kernel form"), and so does a row that names none of the question's terms (the notes may
    call it otherwise: "ordinal" for label encoding); a question that chooses among items (:func:`choice_items`) is
    left to :func:`~mlnotes.assistant.answering.compose.asked_rows` ("ELU vs ReLU vs leaky ReLU" needs the ReLU
    row beside the leaky ReLU row). Returns the sentences and the new lead count."""
    from mlnotes.assistant.answering.compose import choice_items  # compose calls this step

    out = list(chosen)
    if not asks_cost(question) or choice_items(question):
        return out, n_lead
    subject = subject_terms(question)
    tables = list(dict.fromkeys((t.rank, t.candidate.table_header) for t in out if t.candidate.kind == "table_row"))
    for table in tables:
        rows = [t for t in out if t.candidate.kind == "table_row" and (t.rank, t.candidate.table_header) == table]
        if len(rows) < 2:
            continue
        named = [terms(first_cell(t.candidate.text)) & subject for t in rows]
        gone = {id(t) for i, t in enumerate(rows)
                if named[i] and any(named[i] < named[j] and _row_name(t) != _row_name(u)
                                    for j, u in enumerate(rows))}
        if not gone:
            continue
        n_lead -= sum(1 for t in out[:n_lead] if id(t) in gone)
        out = [t for t in out if id(t) not in gone]
    return out, n_lead
