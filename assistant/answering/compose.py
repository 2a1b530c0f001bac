"""Step 6: build the :class:`Answer` of each kind from the earlier steps' results (no I/O but the parsed-document
cache and the algorithm registry)."""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import symtable
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlnotes.assistant.answering.candidates import (
    Candidate,
    answer_lines,
    candidates_from_lines,
    is_answer_sentence,
    is_exercise_meta,
)
from mlnotes.assistant.answering.lead import (
    PAIR_ANTECEDENT_WORDS,
    answers_ask,
    ask_matches,
    ask_of,
    ask_terms,
    asks_cost,
    asks_why,
    claim_terms,
    code_block,
    code_blocks,
    code_terms,
    first_cell,
    gives_reason,
    normalize,
    opens_on_pronoun_cause,
    pointer,
    question_asks,
    question_pieces,
    remedies,
    rows_to_show,
    subject_terms,
    terms,
)
from mlnotes.assistant.answering.render import render_sentences, renumber_citations
from mlnotes.assistant.answering.retrieve import Retrieved
from mlnotes.assistant.answering.scoring import (
    Scored,
    carries,
    continues_before,
    cut_off,
    dangles,
    describes_figure,
    needs_before,
)
from mlnotes.assistant.answering.support import matching_rows_first
from mlnotes.assistant.answering.types import Answer, AnswerSentence, Source
from mlnotes.assistant.corpus import find_section, load_doc
from mlnotes.assistant.grounding import filter_citations
from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import algorithm_path
from mlnotes.kb.index import Hit
from mlnotes.kb.markdown import CodeBlock, parse_text

SourceFn = Callable[[int, Hit], Source]  # (number, hit) -> Source, with the deep link

ABSTAIN_TEXT = ("I could not find support for an answer to this in the knowledge base, so I will not guess. The "
                "closest sections are listed below; try rephrasing with the terms they use.")


def algorithms_of(sources: Sequence[Source]) -> list[dict[str, Any]]:
    """The registered implementations the sources link to, first mention first, each once."""
    from mlnotes.algorithms import registry

    out, seen = [], set()
    for s in sources:
        for path in s.algorithms:
            spec = registry.by_path(path)
            if spec and spec.name not in seen:
                seen.add(spec.name)
                out.append({"name": spec.name, "title": spec.title, "path": spec.path,
                            "params": [p.to_dict() for p in spec.params]})
    return out


def abstain(question: str, r: Retrieved, mode: str, source: SourceFn) -> Answer:
    closest = [source(i + 1, h) for i, h in enumerate(r.hits[:3])]
    return Answer(question=question, kind="abstain", sentences=[], sources=[], closest=closest,
                  confidence=r.support, mode=mode, text=ABSTAIN_TEXT)


def _fence(code: str) -> str:
    return "```python\n" + code.rstrip("\n") + "\n```"


def _previous(t: Scored, hits: Sequence[Hit]) -> Candidate | None:
    """The sentence just before ``t`` in the text of its own chunk, read from the chunk's own lines (a sentence
    the candidates leave out, such as "The block builds ...", counts), when only blank lines (at most one)
    separate them; else ``None``."""
    if t.rank >= len(hits) or t.candidate.kind != "sentence":
        return None
    chunk = hits[t.rank].chunk
    n = chunk.line_end - chunk.line_start + 1
    lines = chunk.text.split("\n")[-n:]  # a table piece repeats its header above its own lines
    cands = candidates_from_lines(lines, chunk.line_start)
    for i, c in enumerate(cands):
        if c.line_start == t.candidate.line_start and c.text == t.candidate.text:
            if i == 0:
                return None
            p = cands[i - 1]
            gap = lines[p.line_end - chunk.line_start + 1 : c.line_start - chunk.line_start]
            if c.line_start - p.line_end > 2 or any(x.strip() for x in gap):
                return None
            return p
    return None


def _before_in_chunk(t: Scored, hits: Sequence[Hit], max_words: int = 35) -> Scored | None:
    """The sentence just before ``t`` (:func:`_previous`), as a candidate citing the same chunk, when it can carry
    ``t``: short, itself not dangling, not cut off, not bound to its context, no pointer to a file; else ``None``.
    A lead may come from a piece of a section that was not scored, so the sentence is read from the chunk."""
    p = _previous(t, hits)
    if (p is None or p.kind != "sentence" or len(p.text.split()) > max_words or dangles(p.text) or cut_off(p)
            or "?" in p.text or not is_answer_sentence(p.text) or describes_figure(p.text)
            or continues_before(p.text) or not carries(p.text, t.candidate.text)):
        return None
    return Scored(t.score, t.rank, Candidate(p.text, p.line_start, p.line_end, t.candidate.order - 1), t.vector)


def with_antecedents(chosen: Sequence[Scored], n_lead: int, hits: Sequence[Hit],
                     question: str = "") -> tuple[list[Scored], int]:
    """``chosen`` (the first ``n_lead`` the lead) with every sentence that needs the one before it
    (:func:`~mlnotes.assistant.answering.scoring.dangles`: "The cross-entropy with these targets equals ...",
    f6-03) right after that sentence: a dangling lead gets its antecedent in front of it (taken from the supporting
    sentences when ``choose`` brought it, else read from its chunk, :func:`_before_in_chunk`); a dangling lead
    with no short antecedent next to it moves behind the other lead sentences when one reads on its own, else
    behind the supporting sentence that reads on its own, points to no file and names the most of the question's
    subject terms (at least one), best-scored first (it still answers, but cannot open the answer; it stays first
    when there is none); a dangling supporting sentence goes right after its
    antecedent (in the lead when that is a lead sentence) and is dropped when the answer does not hold it; a
    supporting sentence that opens by naming another method (:func:`names_another_thing`) is dropped too, with
    the supporting sentence that follows it in the file ("Each agent's environment becomes non-stationary ..."
    after "*Multi-agent RL* has several learning agents ...", f5-03), unless a lead sentence from the same chunk
    opens on such a name too (the question then names its thing in its own words, and the chunk's named sentences
    are the lead's siblings: "*Exact duplicates* ..." and "*Inconsistent categories* ..." for "a few rows appear
    twice" and "40 distinct cities", f12-19). Returns the sentences and the new lead count."""
    lead, rest = list(chosen[:n_lead]), list(chosen[n_lead:])

    def before(t: Scored, p: Scored) -> bool:
        prev = _previous(t, hits)
        return p.rank == t.rank and prev is not None and p.candidate.text == prev.text

    out_lead: list[Scored] = []
    demoted: list[Scored] = []
    for t in lead:
        if not needs_before(t.candidate) or (out_lead and before(t, out_lead[-1])):
            out_lead.append(t)
            continue
        p = next((x for x in rest if before(t, x)), None)
        if p is not None:
            rest.remove(p)
        else:
            # a cause that opens with "They"/"It" for the thing its paragraph's first sentence names leads as a pair
            # with that sentence, which may be longer (f13-17: lead.pronoun_cause)
            long = not out_lead and question and opens_on_pronoun_cause(question, t.candidate.text)
            p = _before_in_chunk(t, hits, max_words=PAIR_ANTECEDENT_WORDS if long else 35)
        if p is not None:
            out_lead += [p, t]
        elif out_lead:
            out_lead.append(t)  # a second lead sentence: the first one is its context
        else:
            demoted.append(t)
    kept: list[Scored] = []
    off: list[Scored] = []
    # a lead that itself opens on a name the question does not use ("*Exact duplicates* inflate ..." for "a few rows
    # appear twice", f12-19) shows that the question describes its thing in other words than the notes: the names
    # that open the other sentences of the lead's chunk are its siblings in the notes' list ("*Inconsistent
    # categories* ... split one category into several" for "40 distinct cities ... we only operate in 4"), not
    # another method
    own_words = {p.rank for p in [*out_lead, *demoted] if question and names_another_thing(question, p.candidate.text)}
    for t in rest:
        if question and t.rank not in own_words and names_another_thing(question, t.candidate.text):
            off.append(t)  # off the question: about another method
            continue
        if any(before(t, p) for p in off):
            continue  # the next sentence of one that is about another method
        if needs_before(t.candidate):
            # right after its antecedent: in the lead ("Dropout randomly zeros activations ..." and "It prevents
            # co-adaptation ..."), or among the supporting sentences; without it, not at all
            at = next((i for i, p in enumerate(out_lead) if before(t, p)), None)
            if at is not None:
                out_lead.insert(at + 1, t)
                continue
            at = next((i for i, p in enumerate(kept) if before(t, p)), None)
            if at is not None:
                kept.insert(at + 1, t)
            continue
        kept.append(t)
    if demoted and out_lead:
        # a later lead sentence reads on its own (the other side of a comparison, g476): it goes first
        return [*out_lead, *demoted, *kept], len(out_lead) + len(demoted)
    if demoted:
        # the standalone supporting sentence that names the most of the question's subject (at least one term)
        # leads; the dangling lead follows it
        subject = subject_terms(question)
        able = [i for i, t in enumerate(kept) if not needs_before(t.candidate) and not pointer(t.candidate.text)
                and t.candidate.kind == "sentence" and subject & terms(t.candidate.text)]
        i = max(able, key=lambda i: (len(subject & terms(kept[i].candidate.text)), kept[i].score), default=None)
        if i is None:
            return [*demoted, *kept], len(demoted)
        return [kept[i], *demoted, *kept[:i], *kept[i + 1:]], 1 + len(demoted)
    return [*out_lead, *kept], len(out_lead)


def chunk_candidates(hit: Hit) -> list[Candidate]:
    """The candidates of ``hit``'s chunk read from its text, with their file lines; a table piece repeats its
    table's header above its own lines, so its rows parse as rows of that table (the header's own lines get
    numbers before the chunk's and are no candidates)."""
    chunk = hit.chunk
    lines = chunk.text.split("\n")
    extra = len(lines) - (chunk.line_end - chunk.line_start + 1)
    first = chunk.line_start - max(0, extra)
    # the heading rule of the sentence store, per line (:func:`~mlnotes.assistant.answering.candidates.answer_lines`):
    # sentences under a not-an-answer heading ("Common mistakes", "Follow-ups") are no candidates (f6-09 got "Applying
    # hierarchical clustering to millions of points", a listed mistake), nor is an exercise's prompt (f12-11 showed
    # Exercise 12.1's prompt "Show that ... and find after how many steps ..." as an answer sentence); its folded
    # worked solution is
    ok = answer_lines(lines, chunk.heading)
    return [c for c in candidates_from_lines(lines, first)
            if c.line_start >= chunk.line_start and ok[c.line_start - first]]


def with_table_rows(question: str, chosen: Sequence[Scored], n_lead: int,
                    hits: Sequence[Hit]) -> tuple[list[Scored], int]:
    """``chosen`` with each table row that answers the question joined by the other rows of its table that the
    question needs (:func:`~mlnotes.assistant.answering.lead.rows_to_show`: the items it asks to choose among or
    compare), in table order in the row's place, so they show under one header (f7-08 showed only the Atari row of
    the Gymnasium environments, ml-57 only the one-hot row). Rows already chosen are not repeated; the rows are cut to
    the asked items (:func:`asked_rows`) and a lead that mixes rows and sentences opens with its sentences
    (:func:`prose_first`) unless the question asks a cost (:func:`~mlnotes.assistant.answering.lead.asks_cost`: its
    answer is the row); returns the sentences and the new lead count."""
    out: list[Scored] = []
    n = n_lead
    seen = {(t.rank, t.candidate.line_start) for t in chosen if t.candidate.kind == "table_row"}
    taken: set[int] = set()  # later chosen rows already shown in an earlier row's table
    for i, t in enumerate(chosen):
        if i in taken:
            continue
        if t.candidate.kind != "table_row" or t.rank >= len(hits):
            out.append(t)
            continue
        rows = rows_to_show(question, t.candidate, chunk_candidates(hits[t.rank]))
        added = [r for r in rows if r.line_start != t.candidate.line_start and (t.rank, r.line_start) not in seen]
        seen.update((t.rank, r.line_start) for r in added)
        # a row the question needs that was chosen among the supporting sentences joins this table in its place
        # (round 18, f15-08: the "multiplicative seasonality" row showed under a second header after the other two
        # asked parts' rows); the lead's own rows keep the lead's order (f7-09: the rows the sizes fit first)
        later = {(u.rank, u.candidate.line_start): j for j, u in enumerate(chosen)
                 if j > i and j >= n_lead and j not in taken and u.candidate.kind == "table_row"}
        for r in rows:
            j = later.get((t.rank, r.line_start))
            if r.line_start == t.candidate.line_start:
                out.append(t)
            elif j is not None and len(rows) > 1:
                out.append(chosen[j])
                taken.add(j)
                if i < n_lead:
                    n += 1
            elif r in added:
                out.append(Scored(t.score, t.rank, r, t.vector))
        if i < n_lead:
            n += len(added)
    out, n = asked_rows(question, out, n)
    # a cost question's answer is the complexity row with its header (the issue; f7-10's "O(n^2) memory is the
    # practical wall" sentence must not come before the GP cost row), so only other questions get prose first
    return (out, n) if asks_cost(question) else prose_first(out, n)


def prose_first(chosen: Sequence[Scored], n_lead: int) -> tuple[list[Scored], int]:
    """``chosen`` with the lead's sentences ahead of its table rows when a table row opens the lead and a lead
    sentence can open an answer (:func:`_opens_answer`): the rows give the sides' formulas or figures, the sentences
    say what the reader asked ("ELU vs ReLU vs leaky ReLU, is there any real reason to not just use relu
    everywhere?" led with the activations' formula table, and ReLU's "dying units" sentence came after it, f12-05).
    The sentences and the rows each keep their order; a lead of rows alone, or one that opens with a sentence, is
    left as it is. Returns the sentences and the lead count (unchanged)."""
    out = list(chosen)
    lead = out[:n_lead]
    if not lead or lead[0].candidate.kind != "table_row" or not any(_opens_answer(t) for t in lead):
        return out, n_lead
    rows = [t for t in lead if t.candidate.kind == "table_row"]
    prose = [t for t in lead if t.candidate.kind != "table_row"]
    return [*prose, *rows, *out[n_lead:]], n_lead


def _row_item(items: Sequence[Item], row: Candidate) -> int | None:
    """The index of the first of ``items`` that ``row``'s first cell names, or ``None``."""
    cell = first_cell(row.text)
    return next((k for k, it in enumerate(items) if it.named_by(cell)), None)


def asked_rows(question: str, chosen: Sequence[Scored], n_lead: int) -> tuple[list[Scored], int]:
    """``chosen`` with the rows of each shown table cut to the items a question that names two or more asks about
    (the sides of "A or B?", :func:`choice_items`, else the things it names, :func:`named_items`), when every item
    has a row there: the rows whose first cell names an item, in the question's order of the items, in the place
    of the table's first row; of those, a row whose first cell shares no other term with the question ("Poisson /
    GLM via IRLS" for logistic regression) goes when one that does is left. Rows about other items go ("is
    newton's method / IRLS feasible or should i stick with lbfgs?" showed the softmax, Poisson and Bayesian
    linear regression rows above the L-BFGS row, f9-10). Returns the sentences and the new lead count."""
    items = choice_items(question) or named_items(question)
    out = list(chosen)
    if len(items) < 2:
        return out, n_lead
    item_terms = frozenset().union(*(it.all_terms for it in items))
    context = subject_terms(question) - item_terms
    every = set(range(len(items)))
    tables = list(dict.fromkeys((t.rank, t.candidate.table_header) for t in out if t.candidate.kind == "table_row"))
    for table in tables:
        places = [k for k, t in enumerate(out)
                  if t.candidate.kind == "table_row" and (t.rank, t.candidate.table_header) == table]
        rows = [out[k] for k in places]
        named = [(k, t) for k, t in ((_row_item(items, t.candidate), t) for t in rows) if k is not None]
        if len(rows) < 2 or {k for k, _ in named} != every:
            continue
        in_context = [(k, t) for k, t in named if (terms(first_cell(t.candidate.text)) - item_terms) & context]
        if {k for k, _ in in_context} == every:
            named = in_context
        keep = [t for _, t in sorted(named, key=lambda x: (x[0], x[1].candidate.line_start))]
        if [id(t) for t in keep] == [id(t) for t in rows]:
            continue
        first, gone = places[0], set(places)
        if first < n_lead:
            n_lead = n_lead - sum(1 for k in places if k < n_lead) + len(keep)
        out = [t for k, t in enumerate(out[:first]) if k not in gone] + keep + [
            t for k, t in enumerate(out) if k > first and k not in gone]
    return out, n_lead


# "below" or "above" before a number compares ("a ratio below $0.8$ (the "four-fifths rule")", f9-02); it does not
# point to another part of the page
_COMPARES_RE = re.compile(r"\b(?:below|above)\s+(?=\$|[-+]?\d)", re.I)


def _reads_alone(text: str) -> bool:
    """:func:`~mlnotes.assistant.answering.candidates.is_answer_sentence`, where "below"/"above" before a number
    is a comparison, not a pointer to the page."""
    return is_answer_sentence(_COMPARES_RE.sub("", text))


# a closing aside that is only a link ("..., trading a little bias for lower variance and much faster training ([extra
# trees from scratch](../../algorithms/trees/extra_trees.py))."): the sentence says its claim before it, so the link
# does not make it a pointer to a file for an ask (:func:`_ask_sentence`)
_LINK_ASIDE_RE = re.compile(r"\s*\(\[[^\]]*\]\([^)\s]*\)\)(?=[.;]?\s*$)")


CLAUSE_WORDS = 8  # the fewest words of a sentence's head clause that may stand for it (:func:`_head_clause`)


def _head_clause(text: str) -> str | None:
    """The longest part of ``text`` before one of its "; " that reads on its own (:func:`_reads_alone`), of at
    least ``CLAUSE_WORDS`` words, closed with a full stop, for a sentence that does not read on its own because
    of a later clause ("Remedies: more history and origins, ...; the SARIMA block above reports ...", f16-18);
    ``None`` when there is none."""
    cuts = [m.start() for m in re.finditer(r";\s", text)]
    for at in reversed(cuts):
        head = text[:at].rstrip()
        if len(head.split()) >= CLAUSE_WORDS and _reads_alone(head):
            return head + "."
    return None


def _ask_sentence(ask: set[str], hits: Sequence[Hit], ranks: int, have: Sequence[Scored], vector: Any,
                  answers: Callable[[str], bool] | None = None, clause: bool = False,
                  only: Collection[int] | None = None, near: Scored | None = None
                  ) -> tuple[Scored, int | None, Scored | None] | None:
    """The sentence of the top ``ranks`` hits' chunks that answers an ask with terms ``ask``
    (:func:`~mlnotes.assistant.answering.lead.answers_ask`) and reads on its own or right after a sentence of
    ``have`` ("It makes a trainable copy of the U-Net's encoder blocks ..." after "ControlNet adds spatial
    conditioning ...", f7-04), or after one dangling sentence (the *bridge*, up to ``BRIDGE_WORDS`` words, not
    cut off) that itself follows a sentence of ``have`` ("$k$-fold cross-validation yields $k$ scores." / "Their
    mean estimates ..." / "Their standard deviation is ... a poor basis for a standard error: ...", f10-17): the
    most ask terms first, then the best rank, then the longest (up to 40 words); not one of ``have``, nor a pointer
    to a file (:func:`~mlnotes.assistant.answering.lead.pointer`) but for a closing link aside (:data:`_LINK_ASIDE_RE`). Returns
    it, the index in ``have`` of the sentence it (or its bridge) must follow (``None`` when it reads on its own)
    and the bridge (``None`` when there is none). ``answers`` (default:
    :func:`~mlnotes.assistant.answering.lead.answers_ask` of ``ask``) says whether a sentence answers the ask.
    With ``clause``, a sentence that does not read on its own may stand as its head clause (:func:`_head_clause`);
    with ``only``, only the chunks of those ranks are read; with ``near``, after the most ask terms, a sentence of
    its chunk comes first, the nearest after it, then the nearest before it ("Fixes: more data, ..." right after
    the overfitting bullet that leads, not the underfitting bullet's "Fixes: a more flexible model, ...", g492)."""
    answers = answers or (lambda text: answers_ask(ask, text))
    shown = {" ".join(t.candidate.text.split()): i for i, t in enumerate(have)}
    best: tuple[tuple[int, ...], Scored, int | None, Scored | None] | None = None
    for rank, h in enumerate(hits[:ranks]):
        if only is not None and rank not in only:
            continue
        cands = chunk_candidates(h)
        for k, c in enumerate(cands):
            text = c.text
            if clause and c.kind == "sentence" and not _reads_alone(text) and not cut_off(c):
                head = _head_clause(text)
                if head is not None:
                    c, text = replace(c, text=head), head
            if (c.kind != "sentence" or " ".join(text.split()) in shown or not _reads_alone(text)
                    or "?" in text or cut_off(c) or pointer(_LINK_ASIDE_RE.sub("", text)) or describes_figure(text)
                    or len(text.split()) > 60 or not answers(text)):
                continue
            after, bridge = None, None
            if dangles(text) or needs_before(c) or continues_before(text):
                prev = cands[k - 1] if k > 0 else None
                after = shown.get(" ".join(prev.text.split())) if prev is not None else None
                if (after is None and prev is not None and k > 1 and prev.kind == "sentence" and needs_before(prev)
                        and not continues_before(prev.text) and not cut_off(prev) and "?" not in prev.text
                        and len(prev.text.split()) <= BRIDGE_WORDS and _reads_alone(prev.text)):
                    # one dangling sentence between it and a sentence of the answer carries it
                    after = shown.get(" ".join(cands[k - 2].text.split()))
                    bridge = Scored(0.0, rank, prev, vector)
                if after is None or have[after].rank != rank:
                    continue
            # a longer sentence (up to 40 words) first: a short one tends to name the ask's term in passing
            # ("Two adaptation techniques made pre-trained text-to-image models controllable ...", f7-04)
            gap = (0, 0)
            if near is not None:
                d = c.order - near.candidate.order
                gap = (0, d) if rank == near.rank and d > 0 else (1, -d) if rank == near.rank else (2, 0)
            key = (-ask_matches(ask, text), *gap, rank, -min(len(text.split()), 40))
            if best is None or key < best[0]:
                best = (key, Scored(0.0, rank, c, vector), after, bridge)
    return (best[1], best[2], best[3]) if best is not None else None


ASK_FAR_RANKS = 6  # an explicit ask that no top-``ASK_RANKS`` chunk answers looks down to this many hits


def _section_of(h: Hit) -> tuple[str, str]:
    return h.chunk.doc_id, h.chunk.section_id


def _far_ask_sentence(ask: set[str], hits: Sequence[Hit], have: Sequence[Scored],
                      answers: Callable[[str], bool]) -> tuple[Scored, None, None] | None:
    """The sentence that answers an ask (``answers``) from the hits ranked ``ASK_RANKS`` to ``ASK_FAR_RANKS`` whose
    section is none of the top ``ASK_RANKS`` hits' (those were read already, :func:`_ask_sentence`), when it reads
    on its own: no sentence before it is needed (a far sentence has none of the answer's before it)."""
    if len(hits) <= ASK_RANKS or not have:
        return None
    top = {_section_of(h) for h in hits[:ASK_RANKS]}
    far = [h if _section_of(h) not in top else None for h in hits[:ASK_FAR_RANKS]]
    # the sentence's rank is its place among the far hits read; it is mapped back to its rank among ``hits``
    found = _ask_sentence(ask, [h for h in far if h is not None], len(far), have, have[0].vector, answers)
    if found is None or found[1] is not None:
        return None
    t = found[0]
    kept = [i for i, h in enumerate(far) if h is not None]
    return Scored(t.score, kept[t.rank], t.candidate, t.vector), None, None


BRIDGE_WORDS = 35  # the longest dangling sentence that may carry an ask's sentence to a sentence of the answer


# -- the items a question names and asks about (round 12) ------------------------------------------------------

# words of a named item that say what kind of thing it is, not which one ("Newton's method", "L1 / MAE loss")
_KIND_WORDS = frozenset(tokenize("method methods approach approaches algorithm algorithms technique techniques model "
                                 "models loss losses function functions solver solvers metric metrics rule rules "
                                 "thing things one ones way ways option options"))
# acronyms and names with a digit ("MAE", "IRLS", "L1", "SMOTE", "F1") that name a thing; not "I", "OK", "ML", "AI"
_NAME_TOKEN_RE = re.compile(r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,9}s?|[A-Z][a-z]?\d+[a-z]?)(?![\w-])")
_NOT_NAMES = frozenset({"I", "OK", "ML", "AI", "US", "UK", "ID", "IDs", "PS", "TL", "DR", "FYI", "IMO", "TLDR", "OS"})
_QUOTED_RE = re.compile(r"(?:'|\"|“|‘)(?P<x>[^'\"“”‘’]{3,60}?)(?:'|\"|”|’)(?!\w)")
# "A or B" in a decision: the part of the left side after its last verb of choosing or auxiliary, less a closing
# judgement ("is newton's method / IRLS feasible or should i stick with lbfgs"), and the right side after its
# opening auxiliary, pronoun and verb of choosing, up to a clause end
_CHOICE_OR_RE = re.compile(r"\s+or\s+(?!not\b|so\b|two\b|more\b|less\b|fewer\b|else\b|other\b|something\b)", re.I)
_CHOICE_LEFT_RE = re.compile(r"(?:.*\b(?:is|are|use|using|try|trying|choose|pick|prefer|with|between|does|do|"
                             r"should|would|go for|bother with)\s+)?(?P<x>.+)$", re.I)
_CHOICE_JUDGEMENT_RE = re.compile(r"\s+(?:really\s+)?(?:feasible|viable|practical|possible|better|worse|enough|ok|okay|"
                                  r"fine|good|worth it|a good idea|the way to go|faster|slower|preferable|appropriate|"
                                  r"sensible|reasonable|necessary|needed|required|better here|the right choice)\s*$",
                                  re.I)
_CHOICE_RIGHT_RE = re.compile(r"^(?:(?:should|do|would|can|could|shall|must|will)\s+(?:i|we|you)\s+)?"
                              r"(?:(?:just|rather|instead|still|simply)\s+)*(?:(?:stick|stay|go)\s+with|keep(?:\s+using)?|"
                              r"use|switch\s+to|move\s+to|try|pick|choose|prefer|write|do)?\s*", re.I)
_CHOICE_END_RE = re.compile(r"[?;,.:!(]|\s(?:for|to|instead|when|if|because|since|in|on|here|there|as)\s", re.I)
_LEADING_ARTICLE_RE = re.compile(r"^(?:(?:a|an|the|plain|just|simple|some)\s+)+", re.I)


def _name_terms(text: str) -> set[str]:
    """The terms of ``text`` and of ``text`` with its in-word hyphens removed ("L-BFGS" also names "lbfgs")."""
    return terms(text) | terms(re.sub(r"(?<=\w)-(?=\w)", "", text))


@dataclass(frozen=True)
class Item:
    """A thing a question names: its spellings (``"L1 / MAE loss"`` -> ``({l1}, {mae})``), each the terms a
    sentence must name, without words of kind ("loss", "method"); named when any spelling is."""

    spellings: tuple[frozenset[str], ...]
    where: int  # its place in the question (characters)

    def named_by(self, text: str) -> bool:
        have = _name_terms(text)
        return any(s <= have for s in self.spellings)

    @property
    def all_terms(self) -> frozenset[str]:
        return frozenset().union(*self.spellings)


def _item(phrase: str, where: int) -> Item | None:
    """The item a phrase names, its spellings split at "/" ("newton's method / IRLS"); ``None`` when no spelling
    keeps a term or a spelling has more than four."""
    spellings = []
    for alt in re.split(r"\s*/\s*", phrase):
        t = frozenset(terms(_LEADING_ARTICLE_RE.sub("", alt.strip())) - _KIND_WORDS)
        if t and len(t) <= 4:
            spellings.append(t)
    return Item(tuple(spellings), where) if spellings else None


def choice_items(question: str) -> list[Item]:
    """The two sides of a decision "A or B" the question asks ("is newton's method / IRLS feasible or should i
    stick with lbfgs?" -> Newton/IRLS, L-BFGS; "should I bother with Optuna or Ray Tune" -> Optuna, Ray Tune): the
    clause around the first " or " of a piece that asks (a question mark ends it), each side cut at its verb of
    choosing and its judgement, less the words both sides share ("label encoding or one-hot encoding"); none when
    a side keeps no term or more than four."""
    q = " ".join(question.split())
    for piece in re.finditer(r"[^?.;]*\?", q):
        text = piece.group(0).rstrip("?")
        m = _CHOICE_OR_RE.search(text)
        if m is None:
            continue
        lm = _CHOICE_LEFT_RE.match(text[: m.start()].rstrip(" ,").split(",")[-1].strip())
        if lm is None:
            continue
        left = lm.group("x")
        left = _CHOICE_JUDGEMENT_RE.sub("", left)
        right = _CHOICE_RIGHT_RE.sub("", text[m.end():].strip(), count=1)
        right = _CHOICE_END_RE.split(right + " ", maxsplit=1)[0]
        shared = terms(left) & terms(right)
        a = _item(" ".join(w for w in left.split() if not terms(w) or not terms(w) <= shared),
                  piece.start() + m.start() - len(left))
        b = _item(" ".join(w for w in right.split() if not terms(w) or not terms(w) <= shared),
                  piece.start() + m.end())
        if a is not None and b is not None and not (a.all_terms & b.all_terms):
            return [a, b]
    return []


def named_items(text: str, offset: int = 0) -> list[Item]:
    """The things ``text`` names by a name of their own, in order: a quoted phrase ("the 'four-fifths rule'"), an
    acronym or a name with a digit ("MAE", "IRLS", "L1"; spellings joined by "/" are one item: "L1 / MAE loss"),
    a possessive name ("Newton's method" -> newton)."""
    found: list[tuple[int, int, str]] = []
    for m in _QUOTED_RE.finditer(text):
        found.append((m.start("x"), m.end("x"), m.group("x")))
    for m in _NAME_TOKEN_RE.finditer(text):
        if m.group(0) in _NOT_NAMES or any(a <= m.start() < b for a, b, _ in found):
            continue
        found.append((m.start(), m.end(), m.group(0)))
    for m in re.finditer(r"\b([A-Za-z][a-z]{2,})'s\s+(?:method|rule|algorithm|test|theorem|law|inequality)", text):
        if not any(a <= m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), m.group(1)))
    found.sort()
    merged: list[tuple[int, int, str]] = []  # names joined by "/" are spellings of one item ("L1 / MAE")
    for a, b, x in found:
        if merged and re.fullmatch(r"\s*/\s*", text[merged[-1][1]:a]):
            pa, _, px = merged[-1]
            merged[-1] = (pa, b, f"{px} / {x}")
        else:
            merged.append((a, b, x))
    out = []
    for a, _, x in merged:
        it = _item(x, offset + a)
        if it is not None:
            out.append(it)
    return out


_ANAPHORIC_ASK_RE = re.compile(r"\b(?:that|this|it|these|those)\b", re.I)


def item_asks(question: str) -> list[tuple[str, set[str], list[Item]]]:
    """The asks of ``question`` (:func:`~mlnotes.assistant.answering.lead.question_asks`), in its order, each with
    the items it names (:func:`named_items`); a why ask that names none and points back ("why does that
    happen?") asks about the items of the statements before it ("trained a demand model with L1 / MAE loss and it
    predicts 0 ... why does that happen?" -> L1 / MAE). A bare "why?" (no ask terms of its own) right after a
    statement is one more ask, in its place, with the terms of the statement's claim
    (:func:`~mlnotes.assistant.answering.lead.claim_terms`: "a reviewer says that standard error is wrong. why?"
    -> {standard, error}) when it has two or more. The two sides of "A or B?" (:func:`choice_items`) are one
    more ask, in their place, unless an ask already names two items. An ask that goes on with ", and" and a bare
    noun phrase is two asks (:func:`_elliptic_asks`: "..., and the best fixed one", f11-12)."""
    q = " ".join(question.split())
    out = []
    asks = question_asks(q)
    pieces = question_pieces(q)
    for i, piece in enumerate(pieces):
        # a bare "why?" after a statement asks why its claim holds ("a reviewer says that standard error is wrong.
        # why?", f10-17): the claim's subject terms (:func:`~mlnotes.assistant.answering.lead.claim_terms`) are
        # its terms, and a sentence that names them and gives a reason answers it (:func:`cover_asks`)
        if (i > 0 and asks_why(piece) and ask_of(piece) is not None and not ask_terms(piece)
                and ask_of(pieces[i - 1]) is None):
            claim = claim_terms(pieces[i - 1])
            if len(claim) >= 2:
                at = q.find(piece, q.find(pieces[i - 1]) + len(pieces[i - 1]))
                asks.append((piece, claim))
                asks.sort(key=lambda x, at=at, piece=piece: at if x[0] == piece else max(q.find(x[0]), 0))
    asks = [x for part, t in asks for x in _elliptic_asks(part, t)]
    for part, t in asks:
        where = q.find(part)
        ask = ask_of(part) or part
        start = max(where, 0) + part.find(ask)
        # only what the ask is about: an item right after its opening words and other items ("what is the
        # 'four-fifths rule'", "whats a WGAN 'critic'"), not one that says where ("what is the variance of an AR(1)
        # process" asks about the variance)
        found = named_items(ask, start)
        names = frozenset().union(*(it.all_terms for it in found)) if found else frozenset()
        items = [it for it in found if not ask_terms(ask[: it.where - start]) - names]
        if not items and where > 0 and _ANAPHORIC_ASK_RE.search(part) and asks_why(ask_of(part) or ""):
            items = named_items(q[:where])
        out.append((part, t, items))
    sides = choice_items(q)
    if sides and not any(len(items) >= 2 for _, _, items in out):
        out.append(("", set(), sides))
        out.sort(key=lambda x: min(i.where for i in x[2]) if x[2] else max(q.find(x[0]), 0))
    return out


# an ask that goes on with ", and" and a bare noun phrase that shares its question word ("what's the max learning
# rate before it diverges, and the best fixed one?" asks "what's the best fixed one" too, f11-12): the phrase opens
# with a determiner and has no verb of its own (no auxiliary, no question word, no pronoun subject), up to
# ``_ELLIPTIC_WORDS`` words
_ELLIPTIC_AND_RE = re.compile(r",\s+and\s+(?P<x>(?:the|a|an|its|their|your|his|her)\s+[^,;:]+)$", re.I)
_ELLIPTIC_VERB_RE = re.compile(r"\b(?:is|are|was|were|be|been|do|does|did|has|have|had|can|could|should|would|will|"
                               r"shall|must|might|may|what|how|why|when|which|where|whether|who|i|we|you|he|she|"
                               r"it|they|then|so)\b", re.I)
_ASK_OPENER_RE = re.compile(r"^(?:what(?:'s|s| is| are)?|which(?: is| are)?)\b", re.I)
_ELLIPTIC_WORDS = 6


def _elliptic_asks(part: str, ask: set[str]) -> list[tuple[str, set[str]]]:
    """An ask of :func:`~mlnotes.assistant.answering.lead.question_asks` split at ", and" before a bare noun
    phrase (:data:`_ELLIPTIC_AND_RE`) that elides the ask's question word ("what's the max learning rate before
    it diverges, and the best fixed one" -> "... what's the max learning rate before it diverges" and "the best
    fixed one", read as "what's the best fixed one": {best, fix}); the ask as it was when it does not open with
    "what"/"which", the phrase has a verb of its own or more than ``_ELLIPTIC_WORDS`` words, or either half has
    no ask terms."""
    m = _ELLIPTIC_AND_RE.search(part)
    opener = _ASK_OPENER_RE.match(ask_of(part) or "")
    if m is None or opener is None:
        return [(part, ask)]
    tail = m.group("x").strip(" ?.!")
    if len(tail.split()) > _ELLIPTIC_WORDS or _ELLIPTIC_VERB_RE.search(tail):
        return [(part, ask)]
    head = part[: m.start()]
    head_terms, tail_terms = ask_terms(head), ask_terms(f"{opener.group(0)} {tail}")
    if not head_terms or not tail_terms or ask_of(head) is None:
        return [(part, ask)]
    return [(head, head_terms), (tail, tail_terms)]


def _opens_on(item: Item, text: str) -> bool:
    """Whether the first content term of ``text`` is one of ``item``'s terms: the sentence is about the item ("MAE
    is in the units of the data ...", not "RMSE >= MAE always ...")."""
    words = [w for w in _QWORD_RE.findall(normalize(text)) if _name_terms(w)]
    return bool(words) and bool(_name_terms(words[0]) & item.all_terms)


def answers_item_ask(ask: set[str], items: Sequence[Item], text: str, why: bool = False) -> bool:
    """Whether ``text`` answers an ask that names ``items``: it names every one (whole terms: "MAPE" does not name
    MAE); a why ask about one item needs a sentence that opens on it (:func:`_opens_on`). An ask without items is
    answered as before (:func:`~mlnotes.assistant.answering.lead.answers_ask`)."""
    if not items:
        return answers_ask(ask, text)
    if not all(i.named_by(text) for i in items):
        return False
    return not why or len(items) > 1 or _opens_on(items[0], text)


def _opens_answer(t: Scored) -> bool:
    """Whether ``t`` can open an answer: a sentence that reads on its own, not one that introduces what follows it
    ("WGAN-GP replaces clipping with a penalty ... :", f9-01)."""
    text = t.candidate.text.rstrip()
    return (t.candidate.kind == "sentence" and not dangles(text) and not needs_before(t.candidate)
            and not text.endswith(":") and not cut_off(t.candidate) and _reads_alone(text))


# an ask for a remedy: how to fix, avoid or prevent what the question describes ("how do we fix it", "how can I avoid
# that", "what should I try first", "can you list some ways to deal with it", "is there any fix", "what's the fix")
_REMEDY_VERBS = r"(?:fix|avoid|prevent|solve|remedy|correct|repair|mitigate|cure|counter|combat|deal\s+with|get\s+rid\s+of)"
_REMEDY_ASK_RE = re.compile(r"\bhow\s+(?:do|can|could|should|would|might|to)\s+(?:(?:i|we|you|one)\s+)?" + _REMEDY_VERBS
                            + r"\b|\bwhat\s+(?:can|could|should)\s+(?:i|we|you|one)\s+(?:do|try|change)\b|"
                            r"\bways?\s+to\s+" + _REMEDY_VERBS + r"\b|\bis\s+there\s+(?:a|an|any)\s+(?:fix|remedy|cure|"
                            r"solution)\b|\bwhat(?:'s|s|\s+is|\s+are)\s+the\s+(?:fix|fixes|remedy|remedies|cure|solution)\b",
                            re.I)
# the words of a remedy ask that say it wants a remedy, not what it is about
_REMEDY_WORDS = frozenset(tokenize("fix fixes avoid prevent solve remedy remedies correct repair mitigate cure counter "
                                   "combat deal rid solution do try change first we us our you your one it this that "
                                   "these those they them about instead ways way list some any there can"))


def remedy_ask(part: str) -> set[str] | None:
    """The terms of what a remedy ask (:data:`_REMEDY_ASK_RE`: "how do we fix it", "how can I avoid overfitting
    here") is about, less its words of remedy and pronouns ("how do we fix it" -> set(); "how can I avoid
    overfitting" -> {overfit}); ``None`` when ``part``'s ask (:func:`~mlnotes.assistant.answering.lead.ask_of`)
    is no remedy ask."""
    ask = ask_of(part)
    m = _REMEDY_ASK_RE.search(ask) if ask is not None else None
    if m is None:
        return None
    # not the other branch of "is there any fix or do we all just live with it" (f13-03)
    alt = re.search(r"\s+or\s+", part[part.find(m.group(0)):])
    head = part[: part.find(m.group(0)) + alt.start()] if alt else part
    return ask_terms(head) - _REMEDY_WORDS


def answers_remedy_ask(about: set[str], text: str) -> bool:
    """Whether ``text`` answers a remedy ask about ``about`` (:func:`remedy_ask`): it prescribes a remedy (an instruction to
    change what is done or a list of remedies, :func:`~mlnotes.assistant.answering.lead.remedies`) and names one of the ask's own terms
    when it has any ("Remedies: more history and origins, a separate calibration period ..." answers "how do we
    fix it" after a question on interval coverage, f16-18). The sentence comes from the top chunks of the
    question as a whole, which say what "it" is."""
    return remedies(text) and (not about or ask_matches(about, text) >= 1)


ASK_WITHIN = 3  # an ask counts as answered when one of the answer's first this many sentences answers it
ASK_RANKS = 3  # an unanswered ask's sentence is looked for in the chunks of the top this many hits


def cover_asks(question: str, chosen: Sequence[Scored], n_lead: int,
               hits: Sequence[Hit]) -> tuple[list[Scored], int]:
    """``chosen`` (the first ``n_lead`` the lead) with a sentence for each explicit ask of a question of several
    parts (:func:`item_asks`, in the question's order) that none of the first ``ASK_WITHIN`` sentences
    answers (:func:`answers_item_ask`), right after the lead and the sentences put
    there for earlier asks: a chosen supporting sentence that answers it moves up (with the sentences after it that
    need it), else the sentence of the top ``ASK_RANKS`` chunks that answers it best joins (:func:`_ask_sentence`;
    one that needs the sentence before it goes right after that sentence, within the lead when that is a lead
    sentence), else, for an explicit ask that is not the question's first piece, a sentence that reads on its own
    from another section among the first ``ASK_FAR_RANKS`` hits (:func:`_far_ask_sentence`: "is extremely randomized trees ever the better pick", f11-04),
    and the last supporting sentence goes, so the answer is no longer. A yes/no ask ("do I still get
    exactly the same output?") is answered by a sentence that names its terms ("With greedy verification it is
    exact; ..."). f7-06 never said whether Medusa's output is exact; f7-04 never said what ControlNet trains.

    An ask that names things (a quoted rule, an acronym, the two sides of "A or B?") is answered only by a
    sentence that names them all as whole terms (MAE is not MAPE), and a why ask about one of them by a sentence
    that opens on it. The first such ask (not the sides of "A or B?") gets its sentence before the lead when the
    lead names none of that ask's things nor answers it lexically, and the sentence can open an answer
    (:func:`_opens_answer`) and no moved sentence needs it: the answer then follows the question's order ("what is the 'four-fifths rule'
    ...? ... and is that the same as equal opportunity?" led with equal opportunity, f9-02; "trained a demand
    model with L1 / MAE loss ... why does that happen?" led with MAPE, f9-16). A sentence that names both sides
    of "A or B?" comes right after the lead, before sentences about one side.

    A bare "why?" after a statement (:func:`item_asks`) is answered only by a sentence that names the claim's
    terms and gives a reason (:func:`~mlnotes.assistant.answering.lead.gives_reason`): "a reviewer says that
    standard error is wrong. why?" (f10-17) wants "... a poor basis for a standard error: the $k$ training sets
    overlap heavily, so the fold scores are positively correlated ...". An ask's sentence that dangles may come
    with one dangling sentence before it (the bridge, :func:`_ask_sentence`) when the sentence before the bridge
    is in the answer: that sentence moves up to the asks' place if it is further down, and the bridge and the
    ask's sentence follow it.
    Returns the sentences and the new lead count."""
    asks = item_asks(question)
    q = " ".join(question.split()).lstrip(" ,.")
    out = list(chosen)
    if not asks or not out:
        return out, n_lead
    at, n = max(1, n_lead), len(out)
    first_named = True
    for part, ask, items in asks:
        why = bool(part) and asks_why(ask_of(part) or "")
        # a bare "why?" whose terms are the claim before it (:func:`item_asks`) wants the claim's reason
        reason = why and not ask_terms(part)

        # an ask for a remedy ("how do we fix it") is answered by a sentence that prescribes one (:func:`remedy_ask`),
        # not by one that repeats "fix"
        remedy = remedy_ask(part) if part and not items else None

        def answers(text: str, ask: set[str] = ask, items: list[Item] = items, why: bool = why,
                    reason: bool = reason, remedy: set[str] | None = remedy) -> bool:
            if remedy is not None:
                # not the ask's own words: "fixed dtype" or "its other change" is no remedy (f12-19, f9-19)
                return answers_remedy_ask(remedy, text)
            return answers_item_ask(ask, items, text, why) and (not reason or gives_reason(text))

        before_lead = False
        if items and first_named:
            first_named = False
            # not the sides of "A or B?" (no ask text): their sentence comes after the lead
            lead_text = " ".join(t.candidate.text for t in out[:max(1, n_lead)])
            before_lead = (bool(part) and not any(i.named_by(lead_text) for i in items)
                           and not answers_ask(ask, lead_text) and out[0].candidate.kind == "sentence")
        if any(answers(t.candidate.text) for t in out[: max(ASK_WITHIN, at)]):
            continue
        i = next((i for i in range(at, len(out)) if answers(out[i].candidate.text)
                  and not needs_before(out[i].candidate)), None)
        if i is not None:
            j = i + 1
            while j < len(out) and needs_before(out[j].candidate):
                j += 1
            moved = out[i:j]
            del out[i:j]
            if before_lead and len(moved) == 1 and _opens_answer(moved[0]):
                out.insert(0, moved[0])  # a sentence that the next ones need stays with them, after the lead
                n_lead += 1
                at += 1
                continue
            out[at:at] = moved
            at += len(moved)
            continue
        # a remedy ask with no terms of its own ("how do we fix it") asks to fix what the lead's section explains:
        # its remedy comes from the lead's chunks, not from another section's problem (f3-18's "what should I try
        # first" drew the remedies for overfitting a validation set in hyperparameter search), the nearest after
        # the lead first
        only = {t.rank for t in out[:max(1, n_lead)]} if remedy is not None and not remedy else None
        found = _ask_sentence(ask, hits, ASK_RANKS, out, out[0].vector, answers, clause=remedy is not None,
                              only=only, near=out[0] if only is not None else None)
        if found is None and part and not q.startswith(part) and remedy is None:
            # no top chunk answers a later half of the question (the lead answers the question as a whole and
            # its first piece): a sentence that reads on its own, from a section of the next hits that is none of
            # the top ones' (f11-04's "is extremely randomized trees ever the better pick": ch05's "Tuning tree
            # ensembles" was the sixth hit)
            found = _far_ask_sentence(ask, hits, out, answers)
        if found is None:
            continue
        t, after, bridge = found
        if bridge is not None and after is not None:
            # the sentence the bridge follows moves up to the asks' place when it is further down, then the bridge
            # and the ask's sentence follow it
            if after >= at:
                out.insert(at, out.pop(after))
                after = at
                at += 1
            out[after + 1:after + 1] = [bridge, t]
            at += 2
            n_lead += 2 if after < n_lead else 0
            continue
        if after is None and before_lead and _opens_answer(t):
            out.insert(0, t)
            at += 1
            n_lead += 1
        elif after is None:
            out.insert(at, t)
            at += 1
        elif after < at:
            out.insert(after + 1, t)
            at += 1
            n_lead += 1 if after < n_lead else 0
        else:
            out.insert(after + 1, t)
    while len(out) > n and len(out) > at and not needs_before(out[-1].candidate):
        out.pop()
    return out, n_lead


# -- every side of a comparison of three or more (round 20) -----------------------------------------------------

# "A vs B vs C" (two or more "vs"), "(the difference(s)) between A, B(,) and C", "X uses A, Y uses B, Z uses C"
_VS_RE = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)
_BETWEEN_RE = re.compile(r"\bbetween\s+(?P<x>[^,?;:.]+(?:,\s*[^,?;:.]+)+?,?\s+and\s+[^,?;:.]+)", re.I)
_USES_RE = re.compile(r"(?:^|,\s*|\.\s+)[\w.-]+(?:\s+[\w.-]+)?\s+uses?\s+(?P<x>[^,.;?]+)", re.I)
_SIDE_OPEN_RE = re.compile(r"^(?:.*[:,]\s*)?(?:.*\bbetween\s+)?(?:(?:the|a|an|its|their)\s+)?", re.I)
SIDE_WORDS = 4  # the most words a side may have
# a question that asks how two sides differ: "A vs B" is a comparison then, not a setting ("training data vs ~2M
# production rows", f14-17) or a choice ("Holm vs Bonferroni ..., which one should I use", left to the lead)
_DIFFERENCE_ASK_RE = re.compile(r"\b(?:differ\w*|diffe?rence|diffrence|compar\w*|contrast\w*)\b|\b(?:in|does|do|for|of)\s+each\b|"
                                r"\beach\s+(?:one|of\s+them|side|direction|do|does)\b", re.I)
SIDE_STEM = 5  # the fewest letters of a side's term that a longer word may begin with (marginal, marginalisation)
# "both A and B" in a question that asks how they differ: the pair "the two" refers back to ("sklearn has both
# learning_curve and validation_curve ... what's the difference between the two plots", f19-04); each side one to
# SIDE_WORDS words, up to the next "and", a verb that says what they do, or punctuation
_BOTH_RE = re.compile(r"\bboth\s+(?P<a>[\w.'-]+(?:\s+[\w.'-]+){0,3}?)\s+and\s+(?P<b>[\w.'-]+(?:\s+[\w.'-]+){0,3}?)"
                      r"(?=\s+(?:and|but|which|that|are|is|were|was|do|does|have|has|seem|look|return\w*|give\w*)\b"
                      r"|\s*[,.;:?()]|\s*$)", re.I)
_BACK_REF_RE = re.compile(r"\b(?:the\s+two|these\s+two|those\s+two|them|both|each)\b", re.I)


def comparison_sides(question: str) -> list[Side]:
    """The sides of a comparison that ``question`` names, in its order: a chain "A vs B vs C"
    ("readiness vs liveness vs startup probe", "simple vs weighted vs centred moving average"), a list "between A,
    B and C" ("the differences between supervised, unsupervised, and reinforcement learning"), or three
    statements "X uses A" ("BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram");
    each side less the terms every side shares and the head the last side carries for all ("moving average",
    "probe"). Two sides "A vs B" make a comparison only when the question asks how they differ
    (:data:`_DIFFERENCE_ASK_RE`), and every "vs" must stand between two named words. None when a side keeps no
    term or has more than ``SIDE_WORDS`` words, or two sides have the same terms."""
    q = " ".join(question.split())
    found: list[list[tuple[str, int]]] = []
    for piece in re.finditer(r"[^?;]+", q):
        text, start = piece.group(0), piece.start()
        parts = _VS_RE.split(text)
        if len(parts) >= 3 or len(parts) == 2 and _DIFFERENCE_ASK_RE.search(q):
            first = _SIDE_OPEN_RE.sub("", parts[0].split(". ")[-1])
            last = re.split(r"\s[-–—]\s", _CHOICE_END_RE.split(parts[-1] + " ", maxsplit=1)[0], maxsplit=1)[0]
            sides = [first, *parts[1:-1], last]
            # the sides are named at each "vs": "feature flag on vs off" compares no two things (f12-06)
            if all(terms(w) for p in parts[:-1] for w in p.split()[-1:]) and all(
                    terms(w) for p in parts[1:] for w in _LEADING_ARTICLE_RE.sub("", p).split()[:1]):
                found.append([(s.strip(), start + text.find(s.strip())) for s in sides])
            continue
        m = _BETWEEN_RE.search(text)
        if m is not None:
            sides = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", m.group("x"))
            found.append([(s.strip(), start + text.find(s.strip(), m.start("x"))) for s in sides if s.strip()])
            continue
        uses = list(_USES_RE.finditer(text))
        if len(uses) >= 3:
            found.append([(u.group("x").strip(), start + u.start("x")) for u in uses])
    if not found and _DIFFERENCE_ASK_RE.search(q):
        m = _BOTH_RE.search(q)
        # the ask refers back to the pair ("the two", "them", "each"), and each side opens and ends on a word with
        # terms ("both with a constant and on the same sample" names no two things, f17-06); an identifier in
        # snake case names its words ("learning_curve": a learning curve)
        if m is not None and _BACK_REF_RE.search(q, m.end()) and all(
                terms(w) for g in ("a", "b") for w in (m.group(g).split()[0], m.group(g).split()[-1])):
            found.append([(re.sub(r"(?<=[A-Za-z])_(?=[A-Za-z])", " ", m.group(g)), m.start(g)) for g in ("a", "b")])
    for sides in found:
        if len(sides) < 2 or any(len(s.split()) > SIDE_WORDS for s, _ in sides):
            continue
        spelled = [_name_terms(_LEADING_ARTICLE_RE.sub("", s) or s) for s, _ in sides]
        shared = set.intersection(*spelled)
        words = (_LEADING_ARTICLE_RE.sub("", sides[-1][0]) or sides[-1][0]).split()
        longest = max(len(s.split()) for s, _ in sides[:-1])
        if len(words) > longest:
            # the last side carries the head the others elide ("simple vs weighted vs centred moving average",
            # "readiness vs liveness vs startup probe", "data parallel vs model parallel training"), unless the head
            # is another side ("ELU vs ReLU vs leaky ReLU")
            head = _name_terms(" ".join(words[longest:]))
            if not any(head & t for t in spelled[:-1]):
                shared |= head
        items = []
        for t, (phrase, where) in zip(spelled, sides):
            own = frozenset(t - shared - _KIND_WORDS or t - shared)
            # what a sentence about the side opens on: its first word ("extra trees": "Extra-Trees go further",
            # not "Trees are low-bias ...") or a name in it ("byte level BPE": "BPE starts from characters ...")
            ws = (_LEADING_ARTICLE_RE.sub("", phrase) or phrase).split()
            keys = own & set().union(*(_name_terms(w) for i, w in enumerate(ws)
                                       if i == 0 or re.search(r"[A-Z]\w*[A-Z]|\d|^[A-Z]{2,}", w)))
            items.append(Side((own,), where, frozenset(keys or own)))
        if any(not it.all_terms for it in items):
            continue
        if len({it.all_terms for it in items}) < len(items):
            continue
        return items
    return []


def _clauses(text: str) -> list[str]:
    """``text``'s clauses: the sentence and each part after a "; ", ": " or ", " in it."""
    return [c for c in re.split(r"[;:,]\s+", text) if c.strip()]


@dataclass(frozen=True)
class Side(Item):
    """One side of a comparison (:func:`comparison_sides`): an item, and the terms a sentence about it opens on."""

    keys: frozenset[str] = frozenset()


def _first_terms(word: str) -> set[str]:
    """The terms a sentence's first word opens on: its first part and the word run together ("Self-supervised" ->
    {self, selfsupervis}: not "supervised"; "byte-level" -> {byte, bytelevel})."""
    return terms(word.split("-")[0]) | terms(word.replace("-", ""))


def _side_words(item: Item, others: Sequence[Item], text: str) -> bool:
    """Whether ``text`` opens on ``item``: the first part of its first word (:func:`_first_terms`) is one of the
    side's keys (:class:`Side`) or begins with one of ``SIDE_STEM`` letters or more ("*Marginalisation* sums out a
    variable ..." for "marginal", f10-01), and not on another side whose terms hold all of ``item``'s ("Leaky ReLU
    keeps ..." is about leaky ReLU, not ReLU)."""
    words = [w for w in _QWORD_RE.findall(normalize(text)) if _name_terms(w)][:SIDE_WORDS]
    keys = item.keys if isinstance(item, Side) and item.keys else item.all_terms
    first = _first_terms(words[0]) if words else set()
    if not any(w == t or w.startswith(t) and len(t) >= SIDE_STEM for w in first for t in keys):
        return False
    head = set().union(*(_name_terms(w) for w in words)) if words else set()
    return not any(o is not item and item.all_terms < o.all_terms and (o.all_terms - item.all_terms) & head
                   for o in others)


def states_side(item: Item, others: Sequence[Item], text: str) -> bool:
    """Whether ``text`` states something about one side of a comparison: it opens on the side (:func:`_side_words`),
    or a later clause of it (:func:`_clauses`) of at least ``CLAUSE_WORDS`` words does. "...; byte-level BPE can
    encode any string" (six words) says a fact about byte-level BPE in passing, not what it does (f16-05)."""
    return _side_words(item, others, text) or any(
        len(c.split()) >= CLAUSE_WORDS and _side_words(item, others, c) for c in _clauses(text)[1:])


# a name written with two or more capitals, or a capitalised word run into one with a hyphen: an acronym or a
# method's name ("BOHB", "ASHA", "Grad-CAM", "FasterPAM", "LoRA"); "ML" and other two-letter words are too common to
# be what an ask is about
_ASKED_NAME_RE = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z])[A-Za-z][\w]*(?:-[A-Za-z0-9]+)*(?![\w-])")
NAME_LETTERS = 3  # the fewest letters of an asked name


def asked_names(question: str, hits: Sequence[Hit] = ()) -> list[Side]:
    """The names (:data:`_ASKED_NAME_RE`) that the asks of ``question`` (:func:`~mlnotes.assistant.answering.lead.ask_of`
    of each piece, not its statements) are about, in order, as sides whose key is the name ("why do people bother
    with BOHB on top of it" -> BOHB), less those a heading of the top ``ASK_RANKS`` hits names (the section is
    about it, so the answer is) and those a statement of the question names too (context, not what is asked:
    "our CNN")."""
    pieces = question_pieces(question)
    asked = [a for a in (ask_of(p) for p in pieces) if a]
    said = " ".join(p for p in pieces if ask_of(p) is None)
    heads = set().union(*(_name_terms(h.chunk.heading or "") for h in hits[:ASK_RANKS])) if hits else set()
    said_terms = _name_terms(said)
    out: list[Side] = []
    seen: set[frozenset[str]] = set()
    q = " ".join(question.split())
    for a in asked:
        for m in _ASKED_NAME_RE.finditer(a):
            word = m.group(0)
            letters = sum(ch.isalpha() for ch in word)
            t = frozenset(_name_terms(word))
            if letters < NAME_LETTERS or not t or t in seen or t & heads or t <= said_terms:
                continue
            seen.add(t)
            key = frozenset(_first_terms(word))
            out.append(Side((t,), max(0, q.find(word)), key))
    return out


def cover_sides(question: str, chosen: Sequence[Scored], n_lead: int,
                hits: Sequence[Hit], names_first: bool = True) -> tuple[list[Scored], int]:
    """``chosen`` with a sentence for each side of a comparison (:func:`comparison_sides`) that
    none of the first ``ASK_WITHIN`` sentences (or the lead, when longer) states (:func:`states_side`): a later
    supporting sentence that states it moves up (a later clause of it may: "Pre-norm ... keeps an identity path ...;
    post-norm transformers depend heavily on a learning-rate warm-up", f14-04), else the
    sentence of the top ``ASK_RANKS`` chunks that opens on the side and reads on its own (:func:`_ask_sentence`),
    right after the lead and the sentences put there for earlier sides, in the question's order (one that needs the
    sentence before it comes right after that sentence, when the answer has it); a table row states no side; the last
    supporting sentences go, so the answer is no longer. A side no top chunk opens a sentence on stays as it was.
    f16-05 ("BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram ...") never said how
    BPE builds its vocabulary. When the question compares nothing, its asked names (:func:`asked_names`) are the
    sides. With ``names_first`` the sentences stating the sides may go before a lead that names none
    (:func:`_names_first`); without it (a lead stating the formula a worked line computes) the lead keeps its
    place."""
    compared = comparison_sides(question)
    sides = compared or asked_names(question, hits)
    out = list(chosen)
    if not sides or not out or out[0].candidate.kind != "sentence":
        return out, n_lead
    at, n = max(1, n_lead), len(out)
    window = max(ASK_WITHIN, at)
    for side in sides:
        # a sentence, not a table row: "| Ward linkage with nearest-neighbour chain | $O(n^2)$ | ..." gives its cost,
        # not what Ward linkage does (g316)
        if any(t.candidate.kind == "sentence" and states_side(side, sides, t.candidate.text) for t in out[:window]):
            continue
        i = next((i for i in range(window, len(out)) if out[i].candidate.kind == "sentence"
                  and states_side(side, sides, out[i].candidate.text) and _opens_answer(out[i])), None)
        if i is not None:
            out.insert(at, out.pop(i))
            at += 1
            window += 1
            continue
        found = _ask_sentence(set(side.all_terms), hits, ASK_RANKS, out, out[0].vector,
                              lambda text, side=side: _side_words(side, sides, text)
                              and len(text.split()) >= CLAUSE_WORDS)
        if found is None or found[2] is not None:
            continue
        t, after, _ = found
        if after is None:
            out.insert(at, t)
            at += 1
            window += 1
        elif after < at:
            # it needs the sentence before it, which is in the answer already: right after that one ("Unstructured
            # sparsity of this kind ..." after "Magnitude pruning zeroes the weights ...", f9-05)
            out.insert(after + 1, t)
            at += 1
            window += 1
            n_lead += 1 if after < n_lead else 0
        else:
            out.insert(after + 1, t)
    while len(out) > n and len(out) > at and not needs_before(out[-1].candidate):
        out.pop()
    if names_first:
        out, n_lead = _names_first(sides, out, n_lead, window, spelled=not compared)
    return out, n_lead


def spells(name: str, text: str) -> bool:
    """Whether words of ``text`` in a row spell the acronym ``name`` by their initials, a word in capitals
    standing for itself ("wgan": "the Wasserstein GAN"; "bohb": no)."""
    words = re.findall(r"[A-Za-z][\w-]*", text)  # "Tree-structured Parzen Estimator": one initial per word
    for i in range(len(words)):
        got = ""
        for w in words[i:]:
            got += w.replace("-", "").lower() if len(w) > 1 and w.isupper() else w[0].lower()
            if not name.startswith(got):
                break
            if got == name:
                return True
    return False


def _names_first(names: Sequence[Side], out: list[Scored], n_lead: int, window: int,
                 spelled: bool = True) -> tuple[list[Scored], int]:
    """When the lead names none of the names the asks are about (:func:`asked_names`; nor spells one out,
    :func:`spells`), the first sentences that state them (:func:`states_side`) come before it, in the question's
    order, each one that can open an answer (:func:`_opens_answer`) and that the sentence after it does not need:
    "BOHB replaces Hyperband's random sampling with a TPE-like model" before "Successive halving starts many
    configurations ..." for "why do people bother with BOHB on top of it?" (f18-17). For a comparison's sides
    (``spelled`` False: a side is no acronym to spell out) only a lead that holds no term of any side gives way: "A
    learning curve plots ... A validation curve plots ..." before "Plot the spread across folds as a band ..."
    (f19-04, round 21)."""
    lead = max(1, n_lead)
    lead_text = " ".join(t.candidate.text for t in out[:lead])
    # a comparison's lead that holds any term of a side speaks of it ("For a sample ...: the *mean* ... the *median*"
    # for "mean +- std vs median and IQR", f10-05); only one that holds none gives way
    have = _name_terms(lead_text) if not spelled else set()
    if any(n.named_by(lead_text) or spelled and any(spells(k, lead_text) for k in n.keys)
           or not spelled and n.all_terms & have for n in names):
        return out, n_lead
    front: list[Scored] = []
    for name in names:
        k = next((k for k in range(lead, min(window, len(out))) if out[k].candidate.kind == "sentence"
                  and states_side(name, names, out[k].candidate.text)), None)
        if k is None or any(out[k] is f for f in front) or not _opens_answer(out[k]):
            continue
        if k + 1 < len(out) and needs_before(out[k + 1].candidate):
            continue
        front.append(out[k])
    if not front:
        return out, n_lead
    return front + [t for t in out if all(t is not f for f in front)], n_lead + len(front)


# a term a sentence opens with, in bold or italics, and what follows it: "*Multi-agent RL* has several learning
# agents ..." (f5-03, asked about inverse RL); not a paragraph's label ("**Indexing.** Sparse visual-word ...")
_OPENING_TERM_RE = re.compile(r"^(?:\*\*|\*|_)(?P<x>[^*_]{2,60}?)(?:\*\*|\*|_)(?=[\s,])")
_MODIFIER_END_RE = re.compile(r"(?:ed|ic|al|ive|ous|ar)$", re.I)  # "**Graph-based** parsers": a modifier, not a name


def names_another_thing(question: str, text: str) -> bool:
    """Whether a supporting sentence opens by naming, in bold or italics, another thing than the question asks
    about: a name of two or more terms (not a modifier such as "*Graph-based*", not a label such as
    "**Indexing.**"; an alias in parentheses right after it counts as part of it) of which the question uses
    none, or only the last word (the kind of thing), which the question qualifies with another word: a sibling
    method. "*Multi-agent RL* has several learning agents ..." and "*Hierarchical RL* decomposes long tasks ..."
    trailed f5-03 ("inverse RL - what is it?"); "*Exact duplicates* inflate ..." still supports "duplicates
    leaking between train and test" (g108), and "*Data drift* (covariate shift) is ..." a question on covariate
    shift (g501)."""
    m = _OPENING_TERM_RE.match(text.strip())
    if not m:
        return False
    name = m.group("x").strip()
    words = name.split()
    named = terms(name)
    if name.endswith((".", ":", "?")) or len(named) < 2 or _MODIFIER_END_RE.search(words[-1]):
        return False
    alias = re.match(r"\s*\(([^)]{1,60})\)", text.strip()[m.end():])
    if alias:
        named |= terms(alias.group(1))
    shared = named & terms(question)
    if not shared:
        return True
    head = terms(words[-1])
    if not shared <= head or not named - head:
        return False
    # the question names that kind of thing with a word of its own in front ("inverse RL")
    qwords = _QWORD_RE.findall(question)
    return any(terms(w) & head and i > 0 and terms(qwords[i - 1]) and not terms(qwords[i - 1]) & named
               for i, w in enumerate(qwords))


_QWORD_RE = re.compile(r"[A-Za-z][\w-]*")


# a question that asks for code in its own words, whatever its intent ("Show me how to code permutation feature
# importance myself ..." reads as a how question, f6-13)
# ... or to write a thing oneself ("how do I write a stratified train/test split myself without sklearn?", f8-14)
# ... or to create a function ("Create a function to compute an integral image, and create another function to get
# area sums from it", ml-11; "... create a function to compute the receptive field ...", ml-08), or opens by naming
# the language as what it wants ("python for a release check: only ship the candidate if ...", f9-13)
# ... or to write, create or build a unit of code other than a function or class: a wrapper, decorator, helper,
# iterator, context manager or callback, with up to two words in front of it ("can you write a small wrapper that
# prefetches the next few batches in a background thread?", f11-13; "write a thread-safe caching decorator");
# "define" only before the plain forms ("Define the sigmoid function" asks what it is)
_CODE_UNITS = r"(?:function|class|method|wrapper|decorator|helper|iterator|context manager|callback)s?"
# round 21 (code22): a name in quotes in front of the code unit ("can you write a 'validation gate' function for our
# CI", f19-13), of up to four words, reads as one modifier: the quotes had kept the two-word slot above from matching
_QUOTED_NAME = r"(?:['\"`\u2018\u201c][\w-]+(?: [\w-]+){0,3}['\"`\u2019\u201d])"
_ASKS_CODE_RE = re.compile(r"\b(?:code|coding|implement|implementation|snippet|write (?:a |the )?(?:function|class|"
                           r"script|program))\b|\bwrite\b[^.?!]{0,80}\b(?:from scratch|by hand|myself|in (?:plain )?"
                           r"(?:python|numpy|pytorch|torch))\b|"
                           r"\b(?:written|writing)\b[^.?!]{0,80}\b(?:from scratch|myself)\b|"
                           r"\b(?:write|create|define|give me|build)(?: me)? (?:a |an |another |the |one |two )?"
                           r"(?:small |short |simple )?(?:python |numpy |pytorch |torch )?" + _CODE_UNITS + r"\b|"
                           r"\b(?:write|create|build)(?: me)? (?:a |an |another |the |one |two |some )?"
                           r"(?:" + _QUOTED_NAME + r" |(?:[\w-]+ ){0,2})" + _CODE_UNITS + r"\b|"
                           r"^\W*(?:in )?(?:python|numpy|pytorch|torch)\s*(?:for\b|:|,|-\s)", re.I)


# round 14 (code16r): a step, pass or loop of an algorithm is a unit of code when it is to be written, implemented or
# coded, with up to three words in front of it and no preposition or article among them ("write the Adam optimizer
# step", g159; "write down the update rule" stays a formula: a rule is no step; "write a report on the training
# loop" asks for a report), and
# a question that is only a noun phrase naming a training, evaluation or inference loop asks for one ("training loop
# with mixed precision and gradient accumulation", g099; "feedback loops in recommenders" names no such loop)
_STEP_UNITS = (r"(?:step|update step|forward pass|backward pass|(?:training|train|evaluation|eval|validation|"
               r"inference) loop)s?")
_ASKS_STEP_RE = re.compile(r"\b(?:write|implement|code)(?: me)? (?:a |an |the )?(?:(?!(?:on|of|about|for|in|to|with|"
                           r"from|into|and|or|the|a|an)\b)[\w-]+ ){0,3}" + _STEP_UNITS + r"\b", re.I)
_LOOP_QUERY_RE = re.compile(r"^\W*(?:(?:a|an|the|simple|basic|minimal|custom|full|complete) )*(?:[\w-]+ )?"
                            r"(?:training|train|evaluation|eval|inference) loops?\b", re.I)
# ... an imperative that computes a thing "by hand", "from scratch" or "without a library" at the question's opening
# ("compute ROC AUC from scores by hand", g146); "how do I compute the variance by hand" is no imperative
_COMPUTE_BY_HAND_RE = re.compile(r"^\W*(?:please )?(?:compute|calculate|code|implement)\b[^.?!]{0,80}\b(?:from "
                                 r"scratch|by hand|without (?:a |any |using (?:a |any )?)?(?:library|libraries|"
                                 r"package|packages|sklearn|scikit-learn|scipy|numpy|torch|pytorch))\b", re.I)
# ... or asks to be shown or given a template, boilerplate, skeleton or pattern in a sentence that names a
# programming language or a library the corpus's code imports ("give me a fastapi template for serving a model",
# g680; "show me a clean pattern for hyperparameters in a pytorch training script", f10-13); "five step template for
# answering concept questions" names no library and asks for nothing
_SCAFFOLD_RE = re.compile(r"\b(?:show|give|write|provide|share)(?: me| us)?\b[^.?!]{0,60}?\b(?:template|"
                          r"boilerplate|skeleton|scaffold|pattern)s?\b", re.I)
LANGUAGES = frozenset({"python", "numpy", "pytorch", "torch", "sklearn", "scikit-learn"})
# round 15 (abst16u): a question can ask for code and a cost at once. A keyword query (no question mark) that joins a
# thing and the act of computing one of its own quantities ("a tiny CNN and counting its parameters", g111) asks for
# the thing built and the quantity computed on it, which is code; its cost reading stands beside (the complexity
# rows still lead when the guide has one). "computing the receptive field of a CNN" (g141) computes no quantity of
# a thing the query names before it, and "FLOP counting" (g021) is no act on a thing
_BUILD_AND_COUNT_RE = re.compile(r"\w+ and (?:count|comput|calculat|measur)ing (?:its|their) [\w-]+", re.I)


def asks_for_code(question: str, libraries: frozenset[str] = frozenset()) -> bool:
    """Whether ``question`` asks for code by its wording (:data:`_ASKS_CODE_RE`): it names code ("code",
    "implement", "snippet"), asks to write, create or define a function or class, to write a thing oneself, or
    opens with the language it wants ("python for ...", "numpy: ..."). Round 14: also to write, implement or code a
    step, pass or training loop (:data:`_ASKS_STEP_RE`), or is only a noun phrase naming a training, evaluation or
    inference loop (:data:`_LOOP_QUERY_RE`, no question mark); opens with an imperative that computes a thing by
    hand, from scratch or without a library (:data:`_COMPUTE_BY_HAND_RE`); or asks to be shown or given a template,
    boilerplate, skeleton or pattern in a sentence that names a language or one of ``libraries`` (the
    non-standard-library modules the corpus's blocks import: :func:`code_libraries`; :data:`_SCAFFOLD_RE`). Round
    15: also a keyword query (no question mark) that joins a thing and the act of computing one of its quantities
    ("a tiny CNN and counting its parameters": :data:`_BUILD_AND_COUNT_RE`)."""
    if _ASKS_CODE_RE.search(question) or _ASKS_STEP_RE.search(question) or _COMPUTE_BY_HAND_RE.search(question):
        return True
    if "?" not in question and (_LOOP_QUERY_RE.search(question) or _BUILD_AND_COUNT_RE.search(question)):
        return True
    named = LANGUAGES | {lib.lower() for lib in libraries}
    for sentence in re.split(r"(?<=[.?!])\s+", question):
        if _SCAFFOLD_RE.search(sentence) and named & {w.lower() for w in re.findall(r"[A-Za-z][\w-]*", sentence)}:
            return True
    return False


def code_libraries(codes: Iterable[str]) -> frozenset[str]:
    """The top-level modules that the Python ``codes`` import and that Python's standard library does not hold (the
    libraries a question may name when it asks for a template: "fastapi", "sklearn")."""
    found = set()
    for code in codes:
        for m in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M):
            found.add(m.group(1))
    return frozenset(n for n in found if n not in sys.stdlib_module_names and not n.startswith("_"))


# the intents whose question asks for a decision or a diagnosis: a mention of code in them is context ("im learning
# RL and want to code DQN myself. which gymnasium environments should i start with", f7-08), not the ask. A cost
# question is not among them since round 15 (abst16u): a question can ask for code and a cost at once ("a tiny CNN
# and counting its parameters", g111), and the answer then shows both (the cost rows lead, the block follows); on the
# development questions no cost question mentions code as context only
_NOT_CODE_ASKS = frozenset({"how_to_choose", "debugging"})


def wants_code(intent: str, question: str, libraries: frozenset[str] = frozenset()) -> bool:
    """Whether a question's answer must show code: its intent is ``code``, or it asks for code in its own words
    (:func:`asks_for_code`) and its intent is not a decision or a diagnosis (:data:`_NOT_CODE_ASKS`); a cost
    question that asks for code wants both ("a tiny CNN and counting its parameters", g111).
    "python for a release check: only ship the candidate model if it's really better than prod ..." reads as a
    comparison ("better than", f9-13) and "Create a function to compute an integral image ..." as a how question
    (ml-11): both ask for code. ``libraries`` are the corpus's libraries that :func:`asks_for_code` reads in a
    request for a template or pattern ("give me a fastapi template ...", g680)."""
    return intent == "code" or (intent not in _NOT_CODE_ASKS and asks_for_code(question, libraries))


def chunk_code_blocks(hit: Hit) -> list[CodeBlock]:
    """The runnable Python blocks of a hit's chunk (the corpus tests run each), with their file lines."""
    chunk = hit.chunk
    n = chunk.line_end - chunk.line_start + 1
    lines = chunk.text.split("\n")[-n:]
    try:
        doc = parse_text("\n".join(lines))
    except Exception:  # noqa: BLE001 - a chunk that does not parse on its own has no block to offer
        return []
    shift = chunk.line_start - 1
    return [CodeBlock(cb.lang, cb.attrs, cb.code, cb.start + shift, cb.end + shift)
            for cb in code_blocks(doc, 1, len(lines))]


# the libraries a code block can be written with: the top-level modules, and the names a block that relies on an
# earlier block's imports (``nn.Conv2d`` in ch10's ``BasicBlock``) uses for them by convention
_LIB_MODULES = {"numpy": ("numpy",), "torch": ("torch",), "sklearn": ("sklearn",), "tensorflow": ("tensorflow", "keras"),
                "jax": ("jax",)}
_LIB_ALIASES = {"numpy": {"np", "numpy"}, "torch": {"torch", "nn", "F"}, "sklearn": {"sklearn"},
                "tensorflow": {"tf", "keras"}, "jax": {"jax", "jnp"}}
_IMPORT_RE = re.compile(r"^\s*(?:from\s+(?P<mod>[\w.]+)\s+import\s+(?P<names>[^#\n]+)|import\s+(?P<mods>[^#\n]+))",
                        re.M)


def _library_names(code: str) -> dict[str, set[str]]:
    """The names under which ``code`` uses each library: the conventional ones (``np``, ``nn``, ``F``, ``tf``) and
    those its own imports bind (``from sklearn.metrics import roc_auc_score`` binds ``roc_auc_score``)."""
    out = {lib: set(names) for lib, names in _LIB_ALIASES.items()}
    lib_of = {mod: lib for lib, mods in _LIB_MODULES.items() for mod in mods}
    for m in _IMPORT_RE.finditer(code):
        if m.group("mod"):
            lib = lib_of.get(m.group("mod").split(".")[0])
            if lib:
                for part in m.group("names").strip("() ").split(","):
                    bits = part.split()
                    if bits:
                        out[lib].add(bits[-1])
        else:
            for part in m.group("mods").split(","):
                bits = part.split()
                lib = lib_of.get(bits[0].split(".")[0]) if bits else None
                if lib:
                    out[lib].add(bits[-1] if len(bits) == 3 and bits[1] == "as" else bits[0].split(".")[0])
    return out


def libraries_used(code: str, earlier: str = "") -> set[str]:
    """The libraries whose names the working code of a block (:func:`_working_code`) calls or reads. ``earlier``:
    the code of its file's earlier blocks, whose imports and library objects the block may read (round 21, f18-14:
    ch03's A/A simulation calls ``rng.normal`` and ``stats.ttest_ind`` on the file's ``rng =
    np.random.default_rng(0)`` and uses NumPy, though it never writes ``np.``)."""
    work = _working_code(code)
    names = _library_names(code)
    uses: set[str] = set()
    if earlier:
        own = {m.group("name") for m in _ASSIGN_RE.finditer(code)}
        for lib, more in _library_names(earlier).items():
            names[lib] |= more - own
        # an object an earlier block made with a library counts when the block calls one of its methods
        # (``rng.normal(``) and does not bind that name itself
        for lib, objs in _library_objects(earlier, names).items():
            if any(re.search(rf"(?<![\w.]){re.escape(n)}\.\w+\s*\(", work) for n in objs - own):
                uses.add(lib)
    return uses | {lib for lib, ns in names.items()
                   if any(re.search(rf"(?<![\w.]){re.escape(n)}\s*[.(\[]", work) for n in ns)}


# a top-level assignment of one name: ``rng = np.random.default_rng(0)``
_ASSIGN_RE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>[^=\n][^\n]*)$", re.M)


def _library_objects(code: str, names: dict[str, set[str]]) -> dict[str, set[str]]:
    """The names ``code`` binds at top level to an object one library call makes (``rng =
    np.random.default_rng(0)``: numpy): a block that reads ``rng.normal`` later works with that library."""
    out: dict[str, set[str]] = {lib: set() for lib in names}
    for m in _ASSIGN_RE.finditer(code):
        value = m.group("value")
        for lib, ns in names.items():
            if any(re.match(rf"{re.escape(n)}\s*[.(]", value) for n in ns):
                out[lib].add(m.group("name"))
    return out


# how a question names each library
_LIB_NAME_RES = {
    "numpy": re.compile(r"\bnumpy\b|\bnp\b|\bvectori[sz]ed\b", re.I),
    "torch": re.compile(r"\b(?:py)?torch\b", re.I),
    "sklearn": re.compile(r"\bsklearn\b|\bscikit[- ]learn\b", re.I),
    "tensorflow": re.compile(r"\btensorflow\b|\bkeras\b", re.I),
    "jax": re.compile(r"\bjax\b", re.I),
}
_WITHOUT_RE = re.compile(r"\b(?:without|no|not with|instead of|avoid(?:ing)?)\s+(?:using\s+|a\s+|the\s+)?"
                         r"(?P<x>[\w.-]+(?:[- ]learn)?)", re.I)
# a library that names where the code goes, a word in front of a thing with an article ("a clean pattern for
# hyperparameters in a pytorch training script", f10-13: the config code itself need not use PyTorch), is context,
# not what the code is written with ("a small CNN in pytorch" is)
_PLACE_RE = re.compile(r"\b(?:in|into|inside|within) (?:a|an|the|my|our|your|their|this|that) [\w.-]+(?= [A-Za-z])",
                       re.I)
_SCRATCH_RE = re.compile(r"\bfrom scratch\b|\bby hand\b|\bmyself\b|\bpure python\b", re.I)
# a technique a question names by an identifier-like word ("im2col", "log1p", "conv2d"): letters and digits mixed
_TECHNIQUE_RE = re.compile(r"\b(?=\w*[a-z])(?=\w*\d)[a-z][a-z0-9]*\d[a-z0-9]*\b|\b\w+_\w+\b", re.I)


@dataclass(frozen=True)
class CodeAsk:
    """What a code question asks the code to be written with: ``want`` the libraries it names ("in numpy"),
    ``avoid`` those it rules out ("without sklearn"; "numpy" rules out the other array libraries, "from scratch" a
    library's ready-made estimator), ``techniques`` the identifier-like words it names ("im2col")."""

    want: frozenset[str]
    avoid: frozenset[str]
    techniques: frozenset[str]
    # each named identifier's own terms ("im2col": {im2col}; "val_error": {val, error}); a block names a technique
    # only when it names all of that identifier's terms (:func:`code_fit`)
    technique_names: frozenset[frozenset[str]] = frozenset()


def code_ask(question: str) -> CodeAsk:
    """The libraries and techniques ``question`` asks its code to use or not to use (:class:`CodeAsk`); a library
    that only names where the code goes ("in a pytorch training script", :data:`_PLACE_RE`) is neither."""
    avoid = set()
    for m in _WITHOUT_RE.finditer(question):
        avoid |= {lib for lib, rx in _LIB_NAME_RES.items() if rx.search(m.group("x"))}
    rest = _PLACE_RE.sub(" ", _WITHOUT_RE.sub(" ", question))
    want = {lib for lib, rx in _LIB_NAME_RES.items() if rx.search(rest)} - avoid
    if "numpy" in want and not want & {"torch", "tensorflow", "jax"}:
        avoid |= {"torch", "tensorflow", "jax"}  # array code in NumPy, not in another array library
    if _SCRATCH_RE.search(question) and "sklearn" not in want:
        avoid.add("sklearn")  # one's own code, not a library's estimator
    words = re.sub(r"\]\([^)]*\)|https?://\S+", " ", question)  # not a link's address
    names = {frozenset(code_terms(w)) for w in _TECHNIQUE_RE.findall(words)} - {frozenset()}
    techniques = {t for n in names for t in n}
    return CodeAsk(frozenset(want), frozenset(avoid), frozenset(techniques), frozenset(names))


def _working_code(code: str) -> str:
    """The lines of a block that do its work: the bodies of the functions and classes it defines when it defines
    any (a check against a reference library after them, ``torch.nn.functional.conv2d`` below ``conv2d_numpy``, is
    not how the block computes), else every line but its imports."""
    lines = code.split("\n")
    body, inside = [], False
    for ln in lines:
        if re.match(r"^(?:def|class)\s", ln):
            inside = True
            body.append(ln)
        elif inside and (ln.startswith((" ", "\t")) or not ln.strip()):
            body.append(ln)
        else:
            inside = False
    if any(x.strip() for x in body):
        return "\n".join(body)
    return "\n".join(ln for ln in lines if not re.match(r"^\s*(?:import|from)\s", ln))


def code_fit(ask: CodeAsk, code: str, earlier: str = "") -> tuple[int, int]:
    """How well a block fits what a code question asks it to be written with (:func:`code_ask`), higher is
    better: first +1 when its working code (:func:`_working_code`) uses a library the question names, -1 when it
    uses one the question rules out and none it names (a PyTorch ``BasicBlock`` for "a conv2d forward pass in
    numpy", f7-13), else 0; then how many of the named techniques its own terms name (``conv2d_im2col``), a
    technique counting only when the block names every term of its identifier (round 16: "given models with
    (val_error, latency_ms)", f13-13, names its data's fields, and a Hyperband block's ``X_hpo_val`` named "val" of
    ``val_error`` and won over the Pareto sweep asked for). ``(0, 0)`` for a question that names neither.
    ``earlier``: the code of the block's file before it, whose imports and library objects it may use
    (:func:`libraries_used`)."""
    if not (ask.want or ask.avoid or ask.techniques):
        return (0, 0)
    uses = libraries_used(code, earlier)
    lib = 1 if uses & ask.want else -1 if uses & ask.avoid else 0
    have = code_terms(code)
    names = ask.technique_names or frozenset(frozenset([t]) for t in ask.techniques)
    return (lib, sum(n <= have for n in names))


# -- the object a code question asks to write (issue #16, round 11: f8-13, f8-14) ---------------------------------

# the verbs (and nouns) that introduce what a code question asks to write: "write layer normalization ...", "code
# for logistic regression ...", "Python code that computes the Gini impurity ...", "reservoir sampling implementation"
_OBJECT_VERB_RE = re.compile(r"\b(?:write|writing|written|code|coding|implement|implementing|implementation(?: of)?|"
                             r"snippet(?: for)?|computes?|computing|calculates?|build|program|script|function|"
                             r"class)\b(?:\s+(?:for|to|that|which|of))?", re.I)
# where the object's name ends: a library, language or "from scratch" constraint, a clause, a purpose or a part of
# the object ("the Gini impurity of a candidate split" asks for the impurity)
_OBJECT_END_RE = re.compile(r"\s(?:with|using|via|by|from|without|in|on|over|for|of|that|which|so|to|as|where|when|"
                            r"myself|yourself|and (?:its|their|then|check|test|compare)|matching|matches)\b|[(,;:?!]|"
                            r"\.(?:\s|$)|\s-\s", re.I)
# words that say how or in what form the code is wanted, not what it computes
_CODE_FORM_WORDS = frozenset(tokenize("python numpy scipy torch pytorch sklearn scikit learn tensorflow keras jax "
                                      "code implement implementation function class script program snippet write show "
                                      "give simple small short few lines plain runnable example minimal own "
                                      "scratch hand vectorized vectorised efficient efficiently quick basic "
                                      "pass trick step version me please can could would you how do i "
                                      "someone somebody anyone anybody"))
_BRITISH_RE = re.compile(r"(?<=[a-z]{3})is(ation|ations|e|ed|es|ing|er|ers)\b")


def _us(text: str) -> str:
    """British "-ise"/"-isation" spellings as American ones, so that "Layer normalisation" (a heading) and "layer
    normalization" (a question) share their terms; applied to both sides of every comparison below."""
    return _BRITISH_RE.sub(lambda m: "iz" + m.group(1), text)


def _ordered_terms(text: str) -> list[str]:
    """The content terms of ``text`` in reading order, each once, after the same alias normalisation as
    :func:`terms` ("k-nearest neighbours" and "kNN" are ``knn``); a glued identifier gives its parts
    (``layer_norm`` and ``LayerNorm``: layer, norm; ``kNN`` stays one word)."""
    out: list[str] = []
    for t in tokenize(normalize(_CAMEL_RE.sub(" ", _us(text).replace("_", " ")))):
        if t not in out:
            out.append(t)
    return out


# a lower-case letter or digit followed by a capitalised word: "LayerNorm", "BatchNorm1d", not "kNN"
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")


def code_object(question: str) -> list[str]:
    """The name of what a code question asks to write, as terms in reading order (its last term is the head noun):
    the words after the last code verb of the first clause that has one ("write layer normalization from scratch
    ..." -> layer, normal; "how do I write a stratified train/test split myself" -> stratifi, train, test, split;
    "Python code that computes the Gini impurity of a candidate split" -> gini, impur), up to a constraint, a
    clause or a preposition, or the words before the verb when none follow it ("reservoir sampling
    implementation"); words that only say how the code is wanted (libraries, "from scratch", "simple") are left
    out. ``[]`` when no clause names a code verb or its name has no term left."""
    text = re.sub(r"\]\([^)]*\)|https?://\S+", " ", question)  # not a link's address
    for clause in re.split(r"[?!]|\.(?:\s|$)", text):
        verbs = [v for v in _OBJECT_VERB_RE.finditer(clause) if not _owned(clause, v)]
        if not verbs:
            continue
        owned = []
        for v in reversed(verbs):
            name = _object_name(clause[v.end():])
            if name and _OWNED_NAME_RE.match(clause[v.end():]):
                # "a 'validation gate' function for our CI" (f19-13): what follows "function for" is the asker's
                # own system, where the code goes, not what it computes; an earlier verb's name is the object
                owned = owned or name
                continue
            if name:
                return name
        if owned:
            return owned
        # only words of form after the verb ("write python that returns the pareto-optimal ones", f13-13): the code
        # is named by what it returns, finds or keeps
        for m in _RESULT_VERB_RE.finditer(clause, verbs[0].end()):
            name = _object_name(clause[m.end():])
            if name:
                return name
        before = clause[: verbs[0].start()]
        start = max((m.end() for m in re.finditer(r"\b(?:me|how|to|i|a|an|the)\b", before, re.I)), default=0)
        name = _object_name(before[start:])
        if name:
            return name
    return []


# a name that opens with the asker's possessive ("for our CI", "for my team") names the asker's own things
_OWNED_NAME_RE = re.compile(r"\s*(?:my|our|their)\b", re.I)
# the asker's own code named as a thing: "our experiment analysis code", "my training script"
_OWNED_RE = re.compile(r"\b(?:my|our|their)\s+(?P<mods>(?:[\w/-]+\s+){1,3})$", re.I)
_CODE_NOUNS = frozenset(("code", "script", "program", "function", "class", "implementation"))


def _owned(clause: str, verb: re.Match) -> bool:
    """Whether a code word of ``clause`` is a noun naming code the asker already has, not what to write (round 21,
    f18-14: "sanity-check our experiment analysis code with A/A tests ... can you write a numpy/scipy simulation"
    asks for the simulation): a possessive ("my", "our", "their") and at least one word of content in front of it."""
    word = verb.group(0).split()[0].lower()
    m = _OWNED_RE.search(clause[: verb.start()])
    return (word in _CODE_NOUNS and m is not None
            and any(t not in _CODE_FORM_WORDS for t in _ordered_terms(m.group("mods"))))


# a relative clause that names what the code returns: "... that returns the pareto-optimal ones"
_RESULT_VERB_RE = re.compile(r"\b(?:that|which)\s+(?:returns?|finds?|outputs?|gives?|selects?|keeps?|lists?)\b", re.I)
# a head that stands for a noun said before it ("the pareto-optimal ones"): its modifiers name the object
_PRONOUN_HEADS = frozenset(tokenize("one ones"))


def _object_name(text: str) -> list[str]:
    """The terms of the name ``text`` opens with, up to where it ends (:data:`_OBJECT_END_RE`), without the words
    that only say how the code is wanted (:data:`_CODE_FORM_WORDS`) and without a pronoun head after them ("the
    pareto-optimal ones": pareto, optim)."""
    end = _OBJECT_END_RE.search(" " + text)
    name = [t for t in _ordered_terms(text[: max(0, end.start() - 1)] if end else text) if t not in _CODE_FORM_WORDS]
    return name[:-1] if len(name) > 1 and name[-1] in _PRONOUN_HEADS else name


def same_term(a: str, b: str) -> bool:
    """Whether two stemmed terms name the same thing: equal, or one a prefix of the other of at least four letters
    ("norm" of ``LayerNorm`` and "normal" of "normalization")."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def _has(term: str, have: set[str] | list[str]) -> bool:
    return any(same_term(term, t) for t in have)


_HEADING_LABEL_RE = re.compile(r"^\s*(?:Exercise|Example|Part|Step|Chapter|Section|Appendix)\s+[\w.]+:\s*", re.I)
# words in front of a head noun that do not tell one kind of thing from another ("the largest eigenvalue" is the
# "dominant eigenvalue" of a heading, not a sibling of it)
_GENERIC_MODIFIERS = frozenset(tokenize("find get compute best largest smallest biggest top dominant leading main "
                                        "simple basic general full whole new given single multiple several custom "
                                        "standard usual typical naive fast efficient exact"))


def _block_names(code: str, heading: str) -> list[list[str]]:
    """The names a block goes by: its section's heading (without an "Exercise 9.6:" or "Part 3:" label) and each
    function or class it defines, each as terms in reading order."""
    names = [_ordered_terms(_HEADING_LABEL_RE.sub("", heading))]
    names += [_ordered_terms(n) for n in re.findall(r"^(?:def|class)\s+(\w+)", code, re.M)]
    return [n for n in names if n]


_COMMENT_OR_STRING_RE = re.compile(r"#[^\n]*|\"[^\"\n]*\"|'[^'\n]*'")


def block_words(code: str, heading: str = "") -> set[str]:
    """The terms a block says in words about itself: its section's heading, the names of the functions and classes
    it defines, its comments and its strings; not the names it calls or reads (``rng.normal`` draws Gaussian noise
    and says nothing about the normal equations)."""
    said = [heading, *re.findall(r"^\s*(?:def|class)\s+(\w+)", code, re.M), *_COMMENT_OR_STRING_RE.findall(code)]
    return {t for x in said for t in _ordered_terms(x)}


def object_coverage(obj: Sequence[str], code: str, heading: str = "") -> int:
    """How many of the object's terms (:func:`code_object`) the block's own terms (:func:`code_terms`: identifiers,
    comments, strings) or its section's heading name."""
    have = _block_terms(code, heading)
    return sum(_has(t, have) for t in obj)


def _block_terms(code: str, heading: str) -> set[str]:
    """The terms a block names: its identifiers, comments and strings (:func:`code_terms`), glued identifiers'
    parts and its section's heading."""
    return code_terms(_us(code)) | set(_ordered_terms(heading)) | set(_ordered_terms(code))


def is_sibling(obj: Sequence[str], code: str, heading: str = "") -> bool:
    """Whether a block implements a sibling of the asked object rather than the object: one of its names (its
    heading, a function or class it defines) has the object's head noun with another word in front of it
    ("Batch normalization", ``batchnorm_forward`` for "layer normalization"; "k-fold cross-validation index
    splitting" for "a stratified train/test split"), and the block nowhere names a word of the object in front of
    the head ("layer", "stratified"). A one-word object has no sibling, and a generic word in front of the head
    (:data:`_GENERIC_MODIFIERS`: "largest", "dominant", "simple") tells no sibling apart."""
    if len(obj) < 2 or obj[-2] in _GENERIC_MODIFIERS:
        return False
    head, mods = obj[-1], [m for m in obj[:-1] if m not in _GENERIC_MODIFIERS]
    have = _block_terms(code, heading)
    if all(_has(m, have) for m in mods):
        return False
    for name in _block_names(code, heading):
        for i, t in enumerate(name):
            front = name[i - 1] if i > 0 else ""
            if (same_term(t, head) and front and not front.isdigit() and front not in _GENERIC_MODIFIERS
                    and not _has(front, mods) and not same_term(front, head)):
                return True
            # a glued name: "batchnorm" is "batch" in front of "norm"
            for k in range(3, len(t) - 3):
                if same_term(t[k:], head) and len(t[k:]) >= 4 and not _has(t[:k], mods):
                    return True
    return False


def object_excerpt(obj: Sequence[str], cb: CodeBlock, context: Collection[str] = (), heading: str = "") -> CodeBlock:
    """The function or class of a longer block that implements the asked object inside other code, as a block of
    its own lines (the ``layer_norm`` of a transformer block for "layer normalization"): the one top-level
    definition whose own name names every term of the object, when the block's section ``heading`` does not name
    them all (a block under "A simple CNN for handwritten digits" is about the CNN as a whole: its data and training
    stay, f4-14), the block defines at least three top-level names and is longer than that definition by at least
    ten lines, and no other definition that calls it is named by a term of ``context`` (the question's subject
    terms: "average precision for an object detector" needs the ``detection_ap`` that calls
    ``average_precision``, f6-14); else the block itself. Its lines stay those of the file (the excerpt is part of
    a tested block: the corpus tests run the whole block)."""
    lines = cb.code.split("\n")
    tops = [i for i, ln in enumerate(lines) if re.match(r"(?:def|class)\s+\w+", ln)]
    if not obj or len(tops) < 3 or all(_has(t, _ordered_terms(heading)) for t in obj):
        return cb
    name_of = {i: re.match(r"(?:def|class)\s+(\w+)", lines[i]).group(1) for i in tops}
    fits = [i for i in tops if all(_has(t, _ordered_terms(name_of[i])) for t in obj)]
    if len(fits) != 1:
        return cb
    i = fits[0]

    def span(k: int) -> int:  # the end (exclusive) of the definition at line k: its body and blank lines
        e = k + 1
        while e < len(lines) and (not lines[e].strip() or lines[e].startswith((" ", "\t"))):
            e += 1
        return e

    for k in tops:
        body = "\n".join(lines[k + 1: span(k)])
        if k != i and re.search(rf"\b{name_of[i]}\s*\(", body) and any(
                _has(t, _ordered_terms(name_of[k])) for t in context):
            return cb
    j = span(i)
    while j > i + 1 and not lines[j - 1].strip():
        j -= 1
    while i > 0 and lines[i - 1].startswith(("@", "#")):
        i -= 1  # its decorators and the comment right above it
    if len(lines) - (j - i) < 10:
        return cb
    # ``start`` and ``end`` are the lines just before and after the code, as for a fenced block
    return CodeBlock(cb.lang, cb.attrs, "\n".join(lines[i:j]), cb.start + i, cb.start + j + 1)


def _def_name(line: str) -> str | None:
    """The name a top-level ``def`` or ``class`` line defines, else ``None``."""
    m = re.match(r"(?:def|class)\s+(\w+)", line)
    return m.group(1) if m else None


def names_asked(obj: Sequence[str], name: str) -> bool:
    """Whether a function or class name is made of the asked object's terms only (``rouge_n`` for "ROUGE-N precision
    and recall": "rouge" is a term of the object and "n" is no term): every term of the name names a term of the
    object, and it has at least one."""
    own = _ordered_terms(name)
    return bool(obj) and bool(own) and all(_has(t, obj) for t in own)


def defines_object(obj: Sequence[str], code: str) -> bool:
    """Whether a block defines, at its top level, a function or class named by the asked object's terms only
    (:func:`names_asked`): the block holds the asked thing under its own name, whatever its section is called."""
    return any(names_asked(obj, n) for n in re.findall(r"^(?:def|class)\s+(\w+)", code, re.M))


def defined_names(code: str) -> list[str]:
    """The names of the functions and classes ``code`` defines (at any depth), in order."""
    return re.findall(r"^\s*(?:def|class)\s+(\w+)", code, re.M)


def holds_asked(obj: Sequence[str], code: str) -> bool:
    """Whether ``code`` defines a function or class whose name names a term of the asked object (``data_fingerprint``
    for "a function that fingerprints a few numpy arrays"): the block holds the asked thing."""
    return any(_has(t, obj) for n in defined_names(code) for t in _ordered_terms(n))


def describes_code(obj: Sequence[str], code: str, text: str) -> bool:
    """Whether sentence ``text`` says something of the asked ``code``: it names a term of the asked object
    (:func:`code_object`) or a word of the code's own text (:func:`~mlnotes.assistant.answering.lead.code_terms`:
    its identifiers, comments and strings, compared as whole terms). Round 20 (lead20), f17-13: "MLflow is the most
    common open-source tracker: ``mlflow.start_run()`` opens a run, ..." led the block that defines
    ``data_fingerprint`` for "write a function that fingerprints a few numpy arrays", and shares no word with it;
    f6-14's "For one class: pool the detections ..., sort them by score, ... IoU at or above the threshold ..."
    names no term of "average precision" but says what ``detection_ap`` does (detect, score, iou, match, ...)."""
    have = _ordered_terms(text)
    return any(_has(t, have) for t in obj) or bool(terms(text) & code_terms(code))


_BOUND_RE = re.compile(r"^(?:(?:def|class)\s+(\w+)|for\s+(\w+)|(\w+)\s*(?::[^=]*)?=(?!=)|import\s+\w+(?:\.\w+)*\s+as\s+(\w+)|"
                       r"import\s+(\w+)|from\s+\S+\s+import\s+(.+))")


def _bound_names(lines: Sequence[str]) -> set[str]:
    """The names the top-level lines of ``lines`` bind (definitions, assignments, loop variables, imports)."""
    out: set[str] = set()
    for ln in lines:
        m = _BOUND_RE.match(ln)
        if not m:
            continue
        if m.group(6):
            out |= {p.split()[-1] for p in m.group(6).strip("() ").split(",") if p.split()}
        else:
            out |= {g for g in m.groups()[:5] if g}
    return out


def function_excerpt(obj: Sequence[str], cb: CodeBlock, heading: str = "",
                     blocks: Sequence[CodeBlock] = ()) -> CodeBlock:
    """The asked function of a longer block that is about something else, with the checks that call it: the one
    top-level definition named by the object's terms only (:func:`names_asked`) and the top-level lines right after
    it that call it (its asserts and prints), as a block of its own file lines (f10-14: ``rouge_n`` and its two
    asserts at the end of a TextRank summariser under "Text summarization approaches"). Only when the section
    ``heading`` does not name the object's terms, the excerpt reads no name that the block's lines before it bind
    (it runs on its own, given the imports of the file's earlier blocks), and either the lines before the
    definition are at least ten or the rest of the block runs on data of the file's earlier blocks
    (:func:`unseen_names`, ``blocks`` being the file's runnable blocks) that the excerpt does not read (f11-14:
    ``expected_calibration_error`` at the top of a calibration demo on ``Xb_tr``, ``Xb_te``, ... of an earlier
    block, shown whole, showed those names undefined); else the block itself."""
    lines = cb.code.split("\n")
    if not obj or all(_has(t, _ordered_terms(heading)) for t in obj):
        return cb
    fits = [i for i, ln in enumerate(lines) if (n := _def_name(ln)) and names_asked(obj, n)]
    if len(fits) != 1:
        return cb
    i = fits[0]
    name = _def_name(lines[i])
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
        j += 1
    # the top-level lines that call it, with their continuation lines and the blank lines between them
    while j < len(lines) and re.search(rf"\b{name}\s*\(", lines[j]) and not _def_name(lines[j]):
        j += 1
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t", ")", "]"))):
            j += 1
    while j > i + 1 and not lines[j - 1].strip():
        j -= 1
    while i > 0 and lines[i - 1].startswith(("@", "#")):
        i -= 1  # its decorators and the comment right above it
    used = set(re.findall(r"\b[A-Za-z_]\w*\b", _COMMENT_OR_STRING_RE.sub(" ", "\n".join(lines[i:j]))))
    if used & _bound_names(lines[:i]):
        return cb
    if i < 10:
        # the function opens the block: cut it out only when the rest needs data the reader does not see
        unseen = unseen_names(cb, blocks)
        if not unseen or used & unseen:
            return cb
    # ``start`` and ``end`` are the lines just before and after the code, as for a fenced block
    return CodeBlock(cb.lang, cb.attrs, "\n".join(lines[i:j]), cb.start + i, cb.start + j + 1)


def setup_excerpt(cb: CodeBlock, blocks: Sequence[CodeBlock] = ()) -> CodeBlock:
    """The computation of a block that defines nothing and opens by setting up its data from names of the file's
    earlier blocks (round 14, code16s; f12-13: ch03's chi-square block builds ``table`` from ``Xbc``, ``ybc`` and
    ``names`` of the chapter's first block, then computes the expected counts, the statistic, the degrees of freedom
    and the p-value on it and checks them against SciPy): the top-level statements after the last one that reads
    such a name (:func:`unseen_names`, ``blocks`` being the file's runnable blocks), as a block of their own file
    lines. They read what the set-up bound (``table``: the data the method runs on) but nothing of another block.
    Only when the block parses, defines no function or class (a definition is cut out by :func:`function_excerpt`
    or :func:`object_excerpt` instead), and the statements kept are at least three and at least as many as those
    cut (the set-up is the smaller part); else the block itself. A block that makes its own data has no unseen name
    and stays whole."""
    try:
        body = ast.parse(cb.code).body
    except SyntaxError:
        return cb
    if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for s in body):
        return cb
    unseen = unseen_names(cb, blocks)
    if not unseen:
        return cb

    def reads(node: ast.AST) -> set[str]:
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    last = max((k for k, s in enumerate(body) if reads(s) & unseen), default=-1)
    kept = body[last + 1:]
    if last < 0 or len(kept) < max(3, last + 1):
        return cb
    lines = cb.code.split("\n")
    i, j = kept[0].lineno - 1, kept[-1].end_lineno or len(lines)
    # ``start`` and ``end`` are the lines just before and after the code, as for a fenced block
    return CodeBlock(cb.lang, cb.attrs, "\n".join(lines[i:j]), cb.start + i, cb.start + j + 1)


def _stmt_binds(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds: a definition's name, assignment and loop targets, import names."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names}
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.add(sub.id)
    return out


def _stmt_changes(node: ast.stmt) -> set[str]:
    """The names whose value a top-level statement changes in place without rebinding them: the base of a subscript
    or attribute target (``counts[w] += 1``, ``model.w = ...``) and the receiver of a method called as a statement
    (``items.append(x)``, ``np.random.seed(0)``), anywhere in its body (a loop that fills a counter)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
        return set()

    def base(e: ast.expr) -> str | None:
        while isinstance(e, (ast.Attribute, ast.Subscript)):
            e = e.value
        return e.id if isinstance(e, ast.Name) else None

    out: set[str] = set()
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(sub, ast.Assign):
            targets = list(sub.targets)
        elif isinstance(sub, (ast.AugAssign, ast.AnnAssign)):
            targets = [sub.target]
        elif isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Call) and isinstance(sub.value.func,
                                                                                            ast.Attribute):
            targets = [sub.value.func]
        for t in targets:
            for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                if isinstance(e, (ast.Attribute, ast.Subscript)) and (b := base(e)):
                    out.add(b)
    return out


def _stmt_reads(node: ast.stmt) -> set[str]:
    """The names a top-level statement reads and does not bind itself (:func:`_free_names` of its source)."""
    return _free_names(ast.unparse(node))


_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def setup_only(code: str) -> bool:
    """Whether a block only sets up: it imports, and its other statements are assignments or calls that read
    the modules it imported and nothing else (``torch.set_num_threads(1)``, ``rng = np.random.default_rng(0)``); it defines, computes and prints nothing, so it answers no question (round 19: an
    import-only cell shown as a code item)."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    modules: set[str] = set()
    for st in body:
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            modules |= _stmt_binds(st)
        elif not (isinstance(st, (ast.Expr, ast.Assign)) and (reads := _stmt_reads(st)) and reads <= modules):
            return False  # a constant (``config = {...}``) may be what is asked; a call on a module sets up
    return bool(body)


def _definition_said(node: ast.stmt) -> set[str]:
    """The terms a definition says about itself: its name's parts and its docstring's terms."""
    return set(_ordered_terms(node.name)) | set(_ordered_terms(ast.get_docstring(node) or ""))


def definition_terms(question: str, code: str) -> set[str]:
    """The question's subject terms that the names and docstrings of the top-level functions and classes of ``code``
    name (``sentence_tokenize`` with its docstring "Split after . ! ? ... unless the word before is an
    abbreviation" names sentence, split and abbreviation of "a sentence splitter ... that doesn't split after
    abbreviations"): what the shown code does, in the question's words."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return set()
    said = set().union(*(_definition_said(st) for st in body if isinstance(st, _DEF_NODES)))
    return {t for t in subject_terms(question) if _has(_us(t), said)}


def definitions_excerpt(question: str, cb: CodeBlock, blocks: Sequence[CodeBlock] = ()) -> CodeBlock:
    """The definitions of a block of several that the question asks for, with what they need to run and the
    block's own checks that call them (round 19, code19; f16-13: ch09's tokenization block defines a word
    tokenizer, ``sentence_tokenize`` and byte-pair encoding, under torch and matplotlib imports, and "a sentence
    splitter ... that doesn't split after abbreviations" asks for one of them). The asked definitions are the
    top-level functions and classes whose name and docstring name the most subject terms of the question, at
    least two, when some other definition names fewer, and every definition that calls one of them and names a
    subject term (the block stays whole when such a caller names none). Kept with them, read from the code by
    Python's parser: the top-level statements after them that call them (their checks and demo lines: ml-09's comparison with
    ``ndimage.label``), a definition they decorate (f8-02's ``softmax_model`` under ``@predict_proba_contract``), the
    statements after those that read what those bound, and after the first such call those that read nothing but
    the block's modules and what the demo bound; then every earlier top-level statement that binds a name a kept statement reads (imports, constants, helpers, the demo's
    data) or changes it in place (a loop that fills a counter, ``np.random.seed``), until nothing more is read, and
    every statement between the kept ones that uses what they define or compute and reads nothing else (a timing
    baseline a check compares with).
    The kept statements keep their order and lines (with the comment right above each); a gap where statements
    were cut is one blank line (two next to a definition). Only when the excerpt reads no name that Python, an
    import line of the file before it (``blocks``, the file's runnable blocks; shown with it by
    :func:`imports_for`) or the excerpt itself binds, and it cuts at least eight lines and a quarter of the block;
    else the block itself."""
    try:
        body = ast.parse(cb.code).body
    except SyntaxError:
        return cb
    defs = {k for k, st in enumerate(body) if isinstance(st, _DEF_NODES)}
    # one term per word: "rand" and "random" of "How Random Number Generator Works, e.g. rand() ..." are one (ml-63)
    subject: list[str] = []
    for t in sorted({_us(t) for t in subject_terms(question)}, key=lambda x: (-len(x), x)):
        if not any(same_term(t, u) for u in subject):
            subject.append(t)
    if len(defs) < 2 or not subject:
        return cb

    def named(k: int) -> int:
        said = _definition_said(body[k])
        return sum(_has(t, said) for t in subject)

    # the object the question asks to write ranks first (round 19, code19b; f17-13: "for our homemade experiment
    # tracker I want each run to record ... write a function that fingerprints a few numpy arrays ..." asks for
    # ``data_fingerprint``, not the ``Tracker`` whose docstring names more of the question's set-up terms)
    obj = [_us(t) for t in code_object(question)]

    def named_obj(k: int) -> int:
        said = _definition_said(body[k])
        return sum(_has(t, said) for t in obj)

    score = {k: named(k) for k in defs}
    rank = {k: (named_obj(k), score[k]) for k in defs}
    asked = {k for k in defs if rank[k] == max(rank.values())}
    best = max(score[k] for k in asked)
    if best < 2 or len(asked) == len(defs):
        return cb
    reads = [_stmt_reads(st) for st in body]
    binds = [_stmt_binds(st) for st in body]
    changes = [_stmt_changes(st) for st in body]
    # a definition that calls an asked one is what it serves (g477: ``residual``, "the distribution to sample from
    # after a rejection", serves ``speculative_step``, the accept/reject step asked for): the caller is asked too
    # when it names a subject term, else the block stays whole
    grown = True
    while grown:
        grown = False
        for k in sorted(defs - asked):
            inner = _free_names("\n".join(ast.unparse(st) for st in body[k].body))
            if inner & {body[a].name for a in asked}:  # its body calls one (a decorator is its demo, not its use)
                if not score[k]:
                    return cb
                asked.add(k)
                grown = True
    if len(asked) == len(defs):
        return cb
    asked_names = {body[k].name for k in asked}
    kept = set(asked)
    demo_bound: set[str] = set()
    modules = set().union(*(binds[k] for k, st in enumerate(body) if isinstance(st, (ast.Import, ast.ImportFrom))))
    first_demo = None
    # what the definitions not asked for make (f17-13: ``tracker = Tracker(...)`` and the runs it logs): a statement
    # that reads it and calls no asked definition is their demo, not the asked one's (the tracker loop that logs the
    # fingerprint ``fp`` with each run)
    others = {body[k].name for k in defs - asked  # not one an asked definition decorates: that is its demo (f8-02)
              if not set().union(*(_free_names(ast.unparse(d)) for d in body[k].decorator_list)) & asked_names}
    for k in range(len(body)):
        if k not in defs and reads[k] & others:
            others |= binds[k]
    for k in range(min(asked) + 1, len(body)):
        uses = (reads[k] if k not in defs
                else set().union(*(_free_names(ast.unparse(d)) for d in body[k].decorator_list)))
        if k not in defs and not uses & asked_names and uses & others:
            continue
        # after the first call, a statement that reads nothing but the modules and what the demo bound is part of
        # the demo (g102: ``a = torch.randn(3)``, the reseeding call, ``b = ...`` and ``assert torch.equal(a, b)``)
        alone = (first_demo is not None and k not in defs and uses
                 and uses <= modules | demo_bound | asked_names | _NOT_NAMES_READ)
        if uses & (asked_names | demo_bound) or alone:
            kept.add(k)
            demo_bound |= binds[k]
            first_demo = k if first_demo is None else first_demo
    last = max(kept)
    stack = sorted(kept)
    while stack:
        k = stack.pop()
        # a function reads its names when it is called, after its definition: anything bound before the last kept
        # statement serves it; other statements read what was bound before them
        for j in range(last if k in defs else k):
            if j not in kept and (reads[k] & binds[j] or j not in defs and reads[k] & changes[j]):
                kept.add(j)
                stack.append(j)
    # a statement among the kept ones that uses their code and reads nothing else stays too: its effects may be what a
    # check measures (f11-13: the serial loop over the demo's ``slow_batches`` and ``train_step`` times the baseline
    # that the prefetching run is asserted to beat)
    own = set().union(*(binds[k] for k in kept if not isinstance(body[k], (ast.Import, ast.ImportFrom))))
    have = own | set().union(*(binds[k] for k in kept)) | _NOT_NAMES_READ
    for j in range(min(kept), max(kept)):
        if j not in kept and j not in defs and reads[j] & own and reads[j] <= have:
            kept.add(j)
            have |= binds[j]
            own |= binds[j]
    lines = cb.code.split("\n")
    order = sorted(kept)
    spans = []
    for k in order:
        node = body[k]
        i = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while i > 0 and lines[i - 1].strip().startswith("#"):
            i -= 1  # the comment right above it
        spans.append((i, node.end_lineno or node.lineno))
    out: list[str] = []
    for n, ((i, j), k) in enumerate(zip(spans, order)):
        if n:
            if order[n - 1] + 1 == k:
                out += lines[spans[n - 1][1]:i]  # the blank lines between two statements kept together
            else:
                out += [""] * (2 if isinstance(body[k], _DEF_NODES) or isinstance(body[order[n - 1]], _DEF_NODES)
                               else 1)
        out += lines[i:j]
    cut = len(lines) - len(out)
    if cut < max(8, len(lines) / 4):
        return cb
    code = "\n".join(out)
    # ``start`` and ``end`` are the lines just before and after the code, as for a fenced block
    excerpt = CodeBlock(cb.lang, cb.attrs, code, cb.start + spans[0][0], cb.start + spans[-1][1] + 1)
    imported = {n for ib in imports_for(excerpt, blocks) for n in _bound_names([ib.code])}
    if _free_names(code) - imported - _NOT_NAMES_READ:
        return cb
    return excerpt


_NOT_NAMES_READ = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


def unseen_names(cb: CodeBlock, blocks: Sequence[CodeBlock]) -> set[str]:
    """The names a block reads that neither it, Python (keywords, builtins) nor a single-line import of the file
    before it (in ``blocks``, the file's runnable blocks) binds: data that an earlier block of the file set up
    (the corpus tests run a file's blocks in order), such as ``Xb_tr`` in a calibration demo. Shown alone, the
    block reads them undefined."""
    lines = cb.code.split("\n")
    imported = {n for b in blocks for k, ln in enumerate(b.code.split("\n"))
                if b.start + 1 + k < cb.start and _IMPORT_LINE_RE.match(ln)
                for n in _bound_names([ln.split("#")[0].rstrip()])}
    return _free_names(cb.code) - _bound_names(lines) - imported - _NOT_NAMES_READ


_IMPORT_LINE_RE = re.compile(r"^(?:from\s+[\w.]+\s+import\s+[\w ,]+|import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as"
                             r"\s+\w+)?)*)\s*(?:#.*)?$")


def _free_names(code: str) -> set[str]:
    """The names ``code`` reads but does not bind itself: the names it reads (not attribute names, not keyword
    arguments, nothing in comments or strings), less the names it binds anywhere (definitions, parameters,
    assignments, tuple targets such as ``X, y = ...``, loop and comprehension variables, imports, ``as`` names), by
    Python's own parser and its scopes (:func:`_scoped_free_names`): a function's parameter binds a name inside that
    function only (round 20, code20b: f18-14's Cohen's d block defines ``cohens_d(a, b)`` and then calls
    ``cohens_d(a, b)`` at top level on the ``a, b`` of an earlier block, and was shown without them). Code that does
    not parse is read by patterns: identifiers outside comments and strings, less the names it defines, assigns
    (one name to the left of ``=``), loops over or takes as parameters."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return _free_names_by_pattern(code)
    try:
        return _scoped_free_names(code)
    except (SyntaxError, ValueError):
        pass
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound


def _scoped_free_names(code: str) -> set[str]:
    """The names ``code`` reads from its module's scope that no statement of it binds there, by Python's symbol
    tables: at top level every name read and not bound at top level; inside a function or class body the names it
    reads as globals (not its own locals or parameters, nor an enclosing function's), less those bound at top level
    or declared ``global`` and assigned in a function. Raises ``SyntaxError`` for code the symbol table refuses."""
    top = symtable.symtable(code, "<block>", "exec")
    read: set[str] = set()
    bound: set[str] = set()
    for s in top.get_symbols():
        if s.is_referenced():
            read.add(s.get_name())
        if s.is_assigned() or s.is_imported() or s.is_namespace() or s.is_parameter():
            bound.add(s.get_name())
    stack = list(top.get_children())
    while stack:
        t = stack.pop()
        stack += t.get_children()
        for s in t.get_symbols():
            if s.is_global() and s.is_referenced():
                read.add(s.get_name())
            if s.is_declared_global() and (s.is_assigned() or s.is_namespace()):
                bound.add(s.get_name())
    return read - bound


def _free_names_by_pattern(code: str) -> set[str]:
    """:func:`_free_names` for code that does not parse."""
    text = _COMMENT_OR_STRING_RE.sub(" ", code)
    read = set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\b(?!\s*=(?!=))", text))
    bound = set(re.findall(r"\b(?:def|class|for|as|lambda)\s+(\w+)", text))
    bound |= set(re.findall(r"^\s*(\w+)\s*(?::[^=\n]*)?=(?!=)", text, re.M))
    for params in re.findall(r"\b(?:def\s+\w+\s*\(|lambda\b)([^):]*)", text):
        bound |= {p.split("=")[0].split(":")[0].strip(" *") for p in params.split(",")}
    return read - bound


def imports_for(excerpt: CodeBlock, blocks: Sequence[CodeBlock]) -> list[CodeBlock]:
    """The import lines that an excerpt of a longer block needs (:func:`object_excerpt`, :func:`function_excerpt`,
    :func:`setup_excerpt`:
    the corpus runs a file's blocks in order, so an excerpt uses names that the file imported before it,
    ``Counter`` and ``Fraction`` for ``rouge_n``), in file order: for each name the excerpt reads and does not bind,
    the last single-line top-level import before the excerpt (in ``blocks``, the file's runnable blocks) that binds
    it. Each is a one-line block whose ``start`` and ``end`` are the lines just before and after it, as for a
    fenced block."""
    free = _free_names(excerpt.code)
    found: dict[str, tuple[int, str]] = {}
    for cb in blocks:
        for k, ln in enumerate(cb.code.split("\n")):
            line = cb.start + 1 + k
            if line >= excerpt.start or not _IMPORT_LINE_RE.match(ln):
                continue
            for name in _bound_names([ln.split("#")[0].rstrip()]):
                if name in free:
                    found[name] = (line, ln.split("#")[0].rstrip())
    lines = sorted(set(found.values()))
    return [CodeBlock("python", (), text, line - 1, line + 1) for line, text in lines]


SETUP_MAX_LINES = 8  # the most lines of earlier blocks shown above a block to define what it reads


def setup_for(cb: CodeBlock, blocks: Sequence[CodeBlock]) -> list[CodeBlock] | None:
    """The top-level statements of the file's earlier blocks (``blocks``, its runnable blocks) that define what a
    shown block reads and neither it, Python nor an import line before it binds (:func:`unseen_names`: data, models,
    helpers of an earlier block), found with Python's parser (round 19, code19b; f17-14: ch05's benchmark of seven
    classifiers reads ``Xb`` and ``yb`` of ``Xb, yb = load_breast_cancer(return_X_y=True)`` in the chapter's first
    block and stopped with ``NameError`` as shown): for each such name the last statement before the block that
    binds it, then, backwards, the last statement binding each name those read, until all they read is bound by
    import lines before the block (shown by :func:`imports_for`), Python or a kept statement. In file order, each
    a block of its own file lines whose ``start`` and ``end`` are the lines just before and after it, as for a
    fenced block. ``[]`` when the block reads nothing unseen; ``None`` when a name is bound by no earlier
    top-level statement, or the statements would be more than :data:`SETUP_MAX_LINES` lines (the reader is told
    which names to supply instead, :func:`needs_note`)."""
    unseen = unseen_names(cb, blocks)
    if not unseen:
        return []
    stmts: list[tuple[int, int, str, set[str], set[str]]] = []  # first and last file line, text, binds, reads
    imported: set[str] = set()
    for b in blocks:
        if b.start >= cb.start:
            continue
        try:
            body = ast.parse(b.code).body
        except SyntaxError:
            continue
        lines = b.code.split("\n")
        for st in body:
            first, last = b.start + st.lineno, b.start + (st.end_lineno or st.lineno)
            if last >= cb.start + 1:
                break  # a statement of the block itself, or after it (an excerpt's own block)
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                if st.lineno == st.end_lineno and _IMPORT_LINE_RE.match(lines[st.lineno - 1]):
                    imported |= _stmt_binds(st)
                    continue
            text = "\n".join(lines[st.lineno - 1:st.end_lineno or st.lineno])
            stmts.append((first, last, text, _stmt_binds(st), _stmt_reads(st)))
    kept: dict[int, int] = {}  # index in ``stmts`` -> its first line
    need = sorted(unseen)
    have = set(_NOT_NAMES_READ)
    while need:
        name = need.pop()
        if name in have:
            continue
        k = max((k for k, s in enumerate(stmts) if name in s[3]), default=None, key=lambda k: stmts[k][0])
        if k is None:
            return None
        have |= stmts[k][3]
        if k not in kept:
            kept[k] = stmts[k][0]
            need += sorted(stmts[k][4] - have - imported)
    out = [stmts[k] for k in sorted(kept, key=lambda k: stmts[k][0])]
    if sum(s[2].count("\n") + 1 for s in out) > SETUP_MAX_LINES:
        return None
    return [CodeBlock("python", (), s[2], s[0] - 1, s[1] + 1) for s in out]


_EXERCISE_HEADING_RE = re.compile(r"^#{2,6}\s+Exercise\s+[\w.]+:")


def _prompt_span(lines: Sequence[str], code_start: int) -> tuple[int, int] | None:
    """The 0-based line range ``[h, stop)`` of the prompt of the exercise whose solution holds the block opening at
    1-based line ``code_start`` (after its heading, before its ``<details>`` or first block); ``None`` when the block
    is in no exercise."""
    h, fenced = code_start - 1, False
    while h > 0 and (fenced or not re.match(r"#{1,6}\s", lines[h - 1])):
        fenced ^= lines[h - 1].lstrip().startswith(("```", "~~~"))
        h -= 1
    if h == 0 or not _EXERCISE_HEADING_RE.match(lines[h - 1]):
        return None
    stop = h
    while stop < code_start - 1 and not lines[stop].strip().startswith(("<details", "```")):
        stop += 1
    return h, stop


def block_intro(lines: Sequence[str], code_start: int) -> str:
    """The sentences of the paragraph right above the block opening at 1-based line ``code_start`` that point at
    the block or its figure ("The figure simulates ...", "The code below ..."), as one text: what the block does in
    the notes' words, as an exercise's prompt says what its solution does (round 21, f18-14: "The figure simulates
    5,000 two-sample t-tests with n = 30 per group ..." introduces ch03's A/A simulation, whose code says "n_sim"
    and never "simulation"). The other sentences of the paragraph are about the topic, not the block (ml-08: a
    guide's paragraph on convolution output sizes also defines the receptive field, which its ``conv_out`` block
    does not compute)."""
    out: list[str] = []
    i = code_start - 2
    while i >= 0:
        ln = lines[i].strip()
        if ln.startswith(("#", "```", "~~~", "<", "|")) or ln.endswith("```") or (not ln and out):
            break
        if ln:
            out.append(ln)
        i -= 1
    para = " ".join(reversed(out)).strip()
    return " ".join(x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z*_`$])", para) if _POINTS_AT_BLOCK_RE.search(x))


# a sentence that points at the block or the figure it draws: "The figure simulates ...", "The code below ...",
# "The NumPy implementation below uses the im2col trick"
_POINTS_AT_BLOCK_RE = re.compile(r"\b(?:the|this|these) (?:figure|plot|code|block|snippet|demo|cell|simulation|"
                                 r"implementation|example|sketch)s?\b|\bbelow\b", re.I)


# a library function a question names by its dotted path: "scipy.stats.skew", "nn.LayerNorm", "np.linalg.eigh"
_DOTTED_RE = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?![\w.]*\w)")
_NOT_CALLS = frozenset(("py", "md", "txt", "csv", "json", "yaml", "yml", "html", "ipynb", "pdf", "com", "org", "net",
                        "edu"))


def named_calls(question: str) -> list[str]:
    """The functions and classes a question names by a dotted path (``scipy.stats.skew`` -> ``skew``), each by its
    last name; file names (``power.py``), addresses and "e.g." are none."""
    out: list[str] = []
    for m in _DOTTED_RE.finditer(re.sub(r"\]\([^)]*\)|https?://\S+|\bwww\.\S+", " ", question)):
        last = m.group(0).rsplit(".", 1)[1]
        if len(last) >= 3 and last.lower() not in _NOT_CALLS and last not in out:
            out.append(last)
    return out


def calls_named(calls: Sequence[str], code: str) -> int:
    """How many of the question's named functions (:func:`named_calls`) a block's working code calls (round 21,
    f18-13: "check it against scipy.stats.skew" is asked of the block that calls ``stats.skew(area)``, not of a
    bootstrap exercise whose data is a skewed sample)."""
    work = _COMMENT_OR_STRING_RE.sub("", _working_code(code))
    return sum(bool(re.search(rf"(?<!\w){re.escape(c)}\s*\(", work)) for c in calls)


def exercise_task(lines: Sequence[str], code_start: int) -> str:
    """The prompt of the exercise whose solution holds the block opening at 1-based line ``code_start``, as one
    text, its "*Type: ...*" line left out: what the solution's code does, in the prompt's words ("Find the front
    with one sort and a sweep ..." names the Pareto-optimal models that ``pareto_sweep`` returns; round 16, f13-13);
    ``""`` for a block in no exercise."""
    span = _prompt_span(lines, code_start)
    if span is None:
        return ""
    return " ".join(ln for ln in lines[span[0]:span[1]] if not is_exercise_meta(ln))


def exercise_prompt(lines: Sequence[str], code_start: int) -> Candidate | None:
    """For a code block in an exercise's solution: the first sentence of that exercise's prompt (or, when that one
    states the setting in plain words, with no formula or code, the first that sets the task: :data:`_TASK_RE`),
    which states the method the code implements ("Implement layer normalisation over the last dimension: y = gamma (x - mu) /
    sqrt(var + eps) + beta, with mu and the biased variance computed per token ...", f8-13; "Write
    `stratified_split(y, test_frac, seed)` that returns train and test index arrays: shuffle the
    indices of each class separately and send ... to the test set", f8-14). The sentence candidates leave exercise
    sections out (a prompt is no answer to the reader's question in general), so a code answer from an exercise led
    with a sentence of another section (batch-norm benefits for f8-13). ``lines`` are the file's lines,
    ``code_start`` the 1-based line of the block's opening fence; ``None`` when the block is in no exercise or its
    prompt has no sentence before the solution."""
    span = _prompt_span(lines, code_start)
    if span is None:
        return None
    h, stop = span
    usable = [c for c in candidates_from_lines(list(lines[h:stop]), h + 1)
              if c.kind == "sentence" and not is_exercise_meta(c.text) and is_answer_sentence(c.text)]
    if not usable:
        return None
    # a prompt that opens on its setting in plain words, no formula or code ("A candidate model should replace the
    # production model only if ... below zero.", f9-13: it restates the asker's own rule and says nothing of the
    # method), is led by its task sentence ("Write the gate with a paired percentile bootstrap ..."); a first
    # sentence with a formula states the method itself and leads
    if not re.search(r"[$`]", usable[0].text):
        return next((c for c in usable if _TASK_RE.match(c.text)), usable[0])
    return usable[0]


# a sentence that spells out a method: steps after a colon ("Implement gradient boosting for squared loss: start
# from the mean, then ...") or a formula
_STATES_METHOD_RE = re.compile(r":\s+[a-z$]|\$")


def states_method(text: str) -> bool:
    """Whether an exercise prompt's sentence spells out the method its code implements (steps after a colon, or a
    formula), rather than naming the task only ("Compute instead the leave-one-out accuracy of 1-NN ... and check
    it against scikit-learn's ...", f7-14)."""
    return bool(_STATES_METHOD_RE.search(text))


# an exercise prompt's task sentence: it opens on the imperative that sets the task
_TASK_RE = re.compile(r"^\s*(?:implement|write|code|build|compute|find|derive|show|estimate|simulate|train|fit|"
                      r"verify|check|measure|plot|prove|use)\b", re.IGNORECASE)


def code_for(question: str, hits: Sequence[Hit], ranks: int = 6) -> tuple[int, CodeBlock] | None:
    """For a question that asks for code (:func:`asks_for_code`) and got none: the runnable block of the top
    ``ranks`` hits that best fits the library and technique the question names (:func:`code_fit`), then names the
    most terms of the asked object (:func:`code_object`, :func:`object_coverage`), then whose own identifiers,
    comments and strings (:func:`code_terms`) name the most of the question's subject terms, at least two (or all
    of a one-term subject), the best-ranked first; never a sibling's block (:func:`is_sibling`: no batch-norm code
    for "layer normalization"); the function of a longer block that implements the object is shown alone
    (:func:`object_excerpt`); ``None`` when no block qualifies.
    f6-13 ("how to code permutation feature importance ...") was read as a how question and showed a definition
    only, although its third hit holds ``my_permutation_importance``."""
    subject = subject_terms(question)
    if not subject or not asks_for_code(question):
        return None
    need = min(2, len(subject))
    ask = code_ask(question)
    obj = code_object(question)
    best: tuple[tuple[int, int, int, int], int, CodeBlock] | None = None
    for rank, h in enumerate(hits[:ranks]):
        for cb in chunk_code_blocks(h):
            if is_sibling(obj, cb.code, h.chunk.heading) or setup_only(cb.code):
                continue
            named = len(subject & code_terms(cb.code))
            lib, tech = code_fit(ask, cb.code)
            key = (lib, tech, object_coverage(obj, cb.code, h.chunk.heading), named)
            if named >= need and (best is None or key > best[0]):
                best = (key, rank, cb)
    if best is None:
        return None
    return best[1], object_excerpt(obj, best[2], subject, hits[best[1]].chunk.heading)


EXCERPT_NOTE = "*(an excerpt of the cited block: the part that answers, with what it needs to run)*"


def is_excerpt(cb: CodeBlock, hit: Hit) -> bool:
    """Whether a shown code block is a part of a longer block of its hit's chunk (:func:`object_excerpt`,
    :func:`function_excerpt`, :func:`definitions_excerpt`, :func:`setup_excerpt`) rather than a whole block."""
    return all(b.code.strip() != cb.code.strip() for b in chunk_code_blocks(hit))


def needs_note(names: Sequence[str]) -> str:
    """What a shown block reads that the answer does not show and the reader must supply (round 19, code19b): the
    names an earlier block of its file defines, when :func:`setup_for` cannot show the lines that do."""
    listed = ", ".join(f"`{n}`" for n in names)
    return (f"*(the code reads {listed}, set up by an earlier block of its file; supply your own before running "
            f"it)*")


NO_CODE_TEXT = ("*The notes have no tested code for this; the sentences here describe the method, and no other "
                "code is shown in its place.*")


# a list sentence: a head that ends in a colon, then items separated by semicolons ("The remedies, in rough order of
# preference: evaluate with ...; initialise the final-layer bias ...; weight the loss ...; and choose ...")
_LIST_HEAD_RE = re.compile(r"^([^:;]{3,160}?):\s+(.+)$", re.S)
_LIST_ITEM_SPLIT_RE = re.compile(r";\s+(?:(?:and|or)\s+)?")
LIST_ITEMS = 3  # a list has at least this many items (two are a clause pair, not a list)
ITEM_ASK_TERMS = 2  # the item carries at least this many of the asks' terms ...
ITEM_MARGIN = 2  # ... at least this many times as many as any other item, and more than the list's head
ITEM_WORDS = 8  # and reads as a statement of its own: at least this many words, nothing it points back to


def list_item_lead(question: str, text: str) -> str | None:
    """The one item of a list sentence (:data:`_LIST_HEAD_RE`, at least ``LIST_ITEMS`` items split at semicolons)
    that answers the question, verbatim, or ``None``: the item that carries at least ``ITEM_ASK_TERMS`` of the
    terms of the question's asks (:func:`ask_terms` of each piece), ``ITEM_MARGIN`` times as many as any other item and more than the head, and reads
    alone (``ITEM_WORDS`` words, does not dangle). f18-11 ("what should I initialise the output layer's bias to")
    led with four imbalance remedies; the asked one, "initialise the final-layer bias to the log of the class prior
    so the initial loss is already at the base rate", was the second item."""
    m = _LIST_HEAD_RE.match(text.strip())
    if m is None:
        return None
    items = [x.strip() for x in _LIST_ITEM_SPLIT_RE.split(m.group(2))]
    if len(items) < LIST_ITEMS or not all(items):
        return None
    asks: set[str] = set().union(*(ask_terms(p) for p in question_pieces(question)))
    if not asks:
        return None
    counts = [len(terms(x) & asks) for x in items]
    best = max(counts)
    if best < ITEM_ASK_TERMS or counts.count(best) > 1:
        return None
    if best < ITEM_MARGIN * sorted(counts)[-2] or len(terms(m.group(1)) & asks) >= best:
        return None
    item = items[counts.index(best)].rstrip(".").rstrip()
    if len(item.split()) < ITEM_WORDS or dangles(item) or item not in text:
        return None
    return item


def item_lead(question: str, lead: list[AnswerSentence]) -> list[AnswerSentence]:
    """``lead`` with its first sentence shown as the one item of it that answers (:func:`list_item_lead`), citing
    the same lines; unchanged when it is not such a list sentence."""
    if not lead or lead[0].kind != "sentence":
        return lead
    item = list_item_lead(question, lead[0].text)
    if item is None:
        return lead
    return [replace(lead[0], text=item, item=True), *lead[1:]]


def extractive(question: str, r: Retrieved, chosen: Sequence[Scored], mode: str, source: SourceFn,
               hits: Sequence[Hit] | None = None, code: tuple[int, CodeBlock] | None = None,
               n_lead: int = 0, wants_code: bool = False,
               imports: Sequence[tuple[int, CodeBlock]] = (), needs: Sequence[str] = (),
               keep_lead: bool = False) -> Answer:
    """Chosen sentences with sources numbered by first citation. ``hits`` (default ``r.hits``) are what the
    chosen candidates' ranks index, ``r.hits`` plus any section looked up for the lead; the first ``n_lead``
    chosen sentences answer the question directly and come first; ``code`` (a hit's index and its tested code
    block) is shown after them, citing that hit; a question that asks for code and was given none gets the best
    block of the top hits (:func:`code_for`). A sentence that needs the one before it comes after it or not at
    all (:func:`with_antecedents`). A table row is joined by the rows of its table that a question choosing among
    items needs (:func:`with_table_rows`); each explicit ask of a question of several parts gets a sentence among
    the first few (:func:`cover_asks`). A code question (``wants_code``) that still has no block says so after
    the lead (:data:`NO_CODE_TEXT`) rather than leaving the reader to look for code. ``imports`` (a hit's index and a
    one-line block each, :func:`imports_for`): the import lines of the file that an excerpt of a block needs, shown
    in a block of their own right above it, each citing its own piece; after them, the lines of earlier blocks
    that define what the code reads (:func:`setup_for`). ``needs``: the names the code reads that no shown line
    defines, which the reader must supply (:func:`needs_note`). ``keep_lead``: the lead states the formula that a
    worked line computes on the question's own values, and no sentence about a name the asks hold goes before it
    (:func:`cover_sides`): "from which pyramid level does RoIAlign read a 128x128 region?" asks for the level
    the formula gives, not what RoIAlign is."""
    hits = list(r.hits if hits is None else hits)
    chosen, n_lead = with_antecedents(chosen, n_lead, hits, question)
    chosen, n_lead = with_table_rows(question, chosen, n_lead, hits)
    chosen, n_lead = matching_rows_first(question, chosen, n_lead)
    chosen, n_lead = cover_asks(question, chosen, n_lead, hits)
    chosen, n_lead = cover_sides(question, chosen, n_lead, hits, names_first=not keep_lead)
    if code is None:
        code = code_for(question, hits)
    rank_to_n: dict[int, int] = {}
    sources: list[Source] = []
    sentences: list[AnswerSentence] = []

    def cite(rank: int) -> int:
        if rank not in rank_to_n:
            rank_to_n[rank] = len(sources) + 1
            sources.append(source(rank_to_n[rank], hits[rank]))
        return rank_to_n[rank]

    def add(items: Sequence[Scored]) -> list[AnswerSentence]:
        out = []
        for t in items:
            c = t.candidate
            out.append(AnswerSentence(c.text, cite(t.rank), c.line_start, c.line_end, c.kind, c.table_header))
        return out

    lead = item_lead(question, add(chosen[:n_lead]))
    code_sentence = None
    import_sentences: list[AnswerSentence] = []
    if code is not None:
        import_sentences = [AnswerSentence(ib.code, cite(rank), ib.start, ib.end, "code") for rank, ib in imports]
        rank, cb = code
        code_sentence = AnswerSentence(cb.code, cite(rank), cb.start, cb.end, "code")
    rest = add(chosen[n_lead:])
    sentences = lead + import_sentences + ([code_sentence] if code_sentence else []) + rest
    parts = [render_sentences(lead)] if lead else []
    if code_sentence is not None:
        # one code item that runs as shown: the import lines it needs open its fence (round 19: f16-14 showed
        # ``from collections import Counter`` and ``import numpy as np`` as a block of their own above the tagger)
        # the import lines, then the set-up lines of earlier blocks, then the code, a blank line between each
        top = [s.text for s in import_sentences if _IMPORT_LINE_RE.match(s.text)]
        setup = [s.text for s in import_sentences if not _IMPORT_LINE_RE.match(s.text)]
        shown = "\n\n".join(p for p in ("\n".join(top), "\n".join(setup), code_sentence.text) if p)
        cited = "".join(f"[{n}]" for n in dict.fromkeys(s.source for s in [*import_sentences, code_sentence]))
        part = f"{_fence(shown)}\n\n{cited}"
        if is_excerpt(code[1], hits[code[0]]):
            part += f" {EXCERPT_NOTE}"
        if needs:
            part += f" {needs_note(needs)}"
        parts.append(part)
    elif wants_code and sentences:
        parts.append(NO_CODE_TEXT)
    if rest:
        parts.append(render_sentences(rest))
    return Answer(question=question, kind="extractive", sentences=sentences, sources=sources,
                  confidence=r.support, mode=mode, algorithms=algorithms_of(sources),
                  text="\n\n".join(p for p in parts if p))


def bank_code(q: Any, corpus_dir: Path) -> CodeBlock | None:
    """The tested code block of a bank entry's section, or ``None`` when it has none."""
    doc = load_doc(corpus_dir, q.path)
    section = find_section(doc, q.section_id)
    return code_block(doc, section.line_start, section.line_end)


def interview(question: str, q: Any, sim: float, r: Retrieved, mode: str, corpus_dir: Path,
              url: Callable[[str, str], str], source: SourceFn, show_code: bool = False) -> Answer:
    """The bank question's short answer and key points, citing its section (the only source: nothing uncited is
    listed, and Run offers the implementations that section links); with ``show_code`` (a code question) also
    the section's tested code block, or, when the section has none, :data:`NO_CODE_TEXT` after the short answer."""
    doc = load_doc(corpus_dir, q.path)
    section = find_section(doc, q.section_id)
    src = Source(n=1, chunk_id=f"{q.doc_id}#{q.section_id}", doc_id=q.doc_id, section_id=q.section_id,
                 title=q.question, heading=q.question, breadcrumbs=[doc.title or q.doc_id, q.question],
                 path=q.path, line_start=section.line_start, line_end=section.line_end, kind="interview",
                 score=round(sim, 6), url=url(q.path, q.section_id))
    lo, hi = section.line_start, section.line_end
    short_span = find_span(doc.lines, q.short_answer, lo, hi)
    sentences = [AnswerSentence(q.short_answer, 1, short_span[0], short_span[1], "short_answer")]
    cb = code_block(doc, lo, hi) if show_code else None
    if cb is not None:
        sentences.append(AnswerSentence(cb.code, 1, cb.start, cb.end, "code"))
    for kp in q.key_points:
        span = find_span(doc.lines, kp, lo, hi)
        sentences.append(AnswerSentence(kp, 1, span[0], span[1], "key_point"))
    # algorithms linked from the question's "Learn more"
    src.algorithms = [a for _, href in q.links if (a := algorithm_path(href, q.path))]
    follow_up = q.follow_ups[0] if q.follow_ups else None
    text = f"{q.short_answer} [1]"
    if cb is not None:
        text += f"\n\n{_fence(cb.code)}\n\n[1]"
    elif show_code:
        text += f"\n\n{NO_CODE_TEXT}"
    text += "\n\n**Key points**\n\n" + "\n".join(f"- {kp} [1]" for kp in q.key_points)
    if follow_up:
        text += f"\n\n*An interviewer might follow up with:* {follow_up}"
    return Answer(question=question, kind="interview", sentences=sentences, sources=[src],
                  confidence=sim, mode=mode, interview_id=q.id, follow_up=follow_up,
                  algorithms=algorithms_of([src]), text=text)


def candidates_first(hits: Sequence[Hit], has_candidates: Callable[[Hit], bool], window: int) -> list[Hit]:
    """``hits`` with the scoring window filled by chunks that hold answer candidates: the first ``window`` hits
    that do (``has_candidates``) come first, in their order, then the hits without any (a chunk that is only a code
    block) that ranked among them, then the rest. A code-only chunk has no sentence to offer, yet it took one of the
    ``window`` places whose sentences are scored (and one of the lead's ranks), so the section whose prose answers
    the question could fall just outside (round 18: 157 of 300 fresh questions had one among their top five; f15-14's
    answering prose was the 6th hit behind three). The order is otherwise unchanged, so a code-only hit stays within
    reach of the code and Run look-ups of the ranks right after the window."""
    out: list[Hit] = []
    without: list[Hit] = []
    i = 0
    while i < len(hits) and len(out) < window:
        (out if has_candidates(hits[i]) else without).append(hits[i])
        i += 1
    return [*out, *without, *hits[i:]]


def passages_for(hits: Sequence[Hit], n: int = 4) -> tuple[list[Hit], list[str]]:
    """The hits handed to a generator and their numbered passage texts (breadcrumbs, then the chunk)."""
    used = list(hits[:n])
    return used, [" > ".join(h.chunk.breadcrumbs) + "\n" + h.chunk.text for h in used]


def generated(question: str, raw: str, used: Sequence[Hit], r: Retrieved, mode: str, source: SourceFn,
              generator_name: str) -> Answer | None:
    """The generator's text with citations renumbered to its cited passages, or ``None`` if it cites none."""
    text, cited = filter_citations(raw, len(used))
    if not cited:
        return None
    renumber = {old: new for new, old in enumerate(cited, start=1)}
    text = renumber_citations(text, renumber)
    sources = [source(renumber[old], used[old - 1]) for old in cited]
    return Answer(question=question, kind="llm", sentences=[], sources=sources, confidence=r.support, mode=mode,
                  text=text, algorithms=algorithms_of(sources), generator=generator_name)


def fallback_notice(generator_name: str) -> str:
    return (f"The local model ({generator_name}) gave an answer that cited none of the passages, so the extractive "
            "answer is shown instead.")


_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s")
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _norm(line: str) -> str:
    return " ".join(_BULLET_RE.sub("", line).split())


def find_span(lines: list[str], text: str, first: int, last: int | None = None) -> tuple[int, int]:
    """1-based span of the lines of ``first..last`` that hold ``text`` (whitespace-normalised): the shortest run
    of consecutive non-blank, non-heading lines (a list item ends at the next item) whose joined text contains it.
    A heading line is never part of the span; text not found gives the body of ``first..last`` after its
    heading."""
    target = " ".join(text.split())
    last = len(lines) if last is None else min(last, len(lines))

    def usable(i: int) -> bool:
        return bool(lines[i].strip()) and not _HEADING_RE.match(lines[i])

    for i in range(first - 1, last):
        if not usable(i):
            continue
        acc = _norm(lines[i])
        j = i
        while target not in acc and j + 1 < last and usable(j + 1) and not _BULLET_RE.match(lines[j + 1]):
            j += 1
            acc += " " + _norm(lines[j])
        if target in acc:
            while i < j and target in " ".join(_norm(lines[k]) for k in range(i + 1, j + 1)):
                i += 1  # the text starts on a later line of this paragraph
            return i + 1, j + 1
    body = first + 1 if first - 1 < len(lines) and _HEADING_RE.match(lines[first - 1]) else first
    return body, max(body, last)
