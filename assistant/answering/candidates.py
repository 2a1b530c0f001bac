"""Candidate sentences of a chunk: paragraph sentences, list items and table rows, each with its line span.

:func:`candidates_for_chunk` walks the parsed document's top-level blocks (``mlnotes.kb.markdown.Document.blocks``,
from the one parsed-document cache, never a second read of the file) that overlap the chunk: headings, fenced
and indented code, display math, HTML and rules are skipped by their block type; a table gives one candidate
per body row carrying its real header (also for a chunk that holds only the later rows of a long table); a
paragraph, list or quote is split into sentences and list items by :func:`candidates_from_lines`, whose own
checks only matter for what is nested inside a list item (a fence or a table in an item).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlnotes.assistant.corpus import load_doc
from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.markdown import Document, split_sentences

_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_DELIM_RE = re.compile(r"^\|?\s*:?-{2,}")


@dataclass(frozen=True)
class Candidate:
    text: str
    line_start: int
    line_end: int
    order: int
    kind: str = "sentence"
    table_header: str = ""


def _skip_fence(lines: list[str], i: int) -> int:
    fence = lines[i].strip()[:3]
    i += 1
    while i < len(lines) and not lines[i].strip().startswith(fence):
        i += 1
    return i + 1


def _skip_display_math(lines: list[str], i: int) -> int:
    s = lines[i].strip()
    if not (len(s) > 4 and s.endswith("$$")):  # a multi-line display: skip to its closing $$
        i += 1
        while i < len(lines) and "$$" not in lines[i]:
            i += 1
    return i + 1


def _table_rows(lines: list[str], i: int, first_line: int, order: int, out: list[Candidate]) -> tuple[int, int]:
    """Every row of the table starting at ``lines[i]`` is a candidate carrying the header; returns (next i, order)."""
    n = len(lines)
    header = lines[i].strip()
    table_header = ""
    j = i + 1
    if j < n and _TABLE_DELIM_RE.match(lines[j].strip()):
        table_header = header + "\n" + lines[j].strip()
        j += 1
    while j < n and lines[j].strip().startswith("|"):
        row = lines[j].strip()
        if len(tokenize(row)) >= 2:
            out.append(Candidate(row, first_line + j, first_line + j, order, "table_row", table_header))
            order += 1
        j += 1
    return j, order


def _paragraph(lines: list[str], i: int, first_line: int, order: int, out: list[Candidate]) -> tuple[int, int]:
    """The sentences of the paragraph or list item at ``lines[i]``, mapped back to file lines."""
    n = len(lines)
    j = i + 1
    is_item = bool(_BULLET_RE.match(lines[i]))
    while j < n:
        ns = lines[j].strip()
        if not ns or ns.startswith(("#", "```", "~~~", "|", "$$")) or _BULLET_RE.match(lines[j]):
            break
        j += 1
    para_lines = lines[i:j]
    first = _BULLET_RE.sub("", para_lines[0]) if is_item else para_lines[0]
    pieces = [first.strip()] + [pl.strip() for pl in para_lines[1:]]
    joined, starts = "", []
    for p in pieces:
        starts.append(len(joined) + (1 if joined else 0))
        joined = f"{joined} {p}" if joined else p
    pos = 0
    for sent in split_sentences(joined):
        k = joined.find(sent, pos)
        if k < 0:
            continue
        end_k = k + len(sent) - 1
        pos = k + len(sent)
        ls = max(idx for idx, st in enumerate(starts) if st <= k)
        le = max(idx for idx, st in enumerate(starts) if st <= end_k)
        if len(tokenize(sent)) >= 3:
            out.append(Candidate(sent, first_line + i + ls, first_line + i + le, order))
            order += 1
    return j, order


def candidates_from_lines(lines: list[str], first_line: int) -> list[Candidate]:
    """Candidate sentences from a chunk's file lines (``first_line`` is the 1-based number of lines[0])."""
    out: list[Candidate] = []
    i, order = 0, 0
    while i < len(lines):
        s = lines[i].strip()
        if not s or s.startswith("#") or s.startswith("<!--"):
            i += 1
        elif s.startswith("```") or s.startswith("~~~"):
            i = _skip_fence(lines, i)
        elif s.startswith("$$"):
            i = _skip_display_math(lines, i)
        elif s.startswith("|"):
            i, order = _table_rows(lines, i, first_line, order, out)
        else:
            i, order = _paragraph(lines, i, first_line, order, out)
    return out


_SKIPPED_BLOCKS = frozenset({"heading", "fence", "code", "math", "html", "hr"})
# sub-sections whose sentences are not answers: the bank's mistakes, follow-ups and reading lists, bibliographies,
# and exercise prompts (a question is no answer)
_NOT_ANSWER_HEADINGS = ("common mistakes", "follow-ups", "follow-up", "learn more", "references", "exercises")
_META_RE = re.compile(r"^\s*\*\*ID:\*\*")  # the bank's "**ID:** `x` · **Difficulty:** ... · **Topics:** ..." line
_LINK_ONLY_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\([^)]*\)[\s.;,]*$")
_MD_LINK_RE = re.compile(r"\[[^\]]*\]\([^)]*\)")


def _link_list(text: str) -> bool:
    """A pointer rather than a statement: a list of links with few words of its own ("From-scratch versions:
    [a.py](...), [b.py](...), ..."), or a link with fewer than four words of its own around it. A statement that
    also points to code ("LSTMs and GRUs are the standard cells because ... (see [lstm.py](...), ...)") stays."""
    links = _MD_LINK_RE.findall(text)
    own = len(re.findall(r"[A-Za-z]{2,}", _MD_LINK_RE.sub(" ", text)))
    return bool(links) and (own < 4 or (len(links) >= 3 and own < 3 * len(links)))
# sentences that only make sense next to something the reader of an answer cannot see
_CONTEXT_BOUND_RE = re.compile(r"\b(below|above|this chapter|this guide|this section|the next section|"
                               r"the previous section|here)\b", re.IGNORECASE)


# a sentence about the code next to it ("The code trains ...", "The snippet below ...") describes what the reader of
# an answer does not see
_ABOUT_CODE_RE = re.compile(r"^\s*(?:the|this|that) (?:code|snippet|listing|cell|block)\b", re.IGNORECASE)


def _heading_text(line: str) -> str:
    return line.strip().lstrip("#").strip().lower()


def _not_answer_heading(text: str) -> bool:
    return text in _NOT_ANSWER_HEADINGS or text.startswith("exercise ")


def is_answer_sentence(text: str) -> bool:
    """False for text that must never be presented as an answer sentence: the bank's metadata line, a line that
    is only a link, or a sentence bound to its context ("below", "this chapter", "here", "The code ...")."""
    return not (_META_RE.match(text) or _LINK_ONLY_RE.match(text) or _link_list(text) or _CONTEXT_BOUND_RE.search(text)
                or _ABOUT_CODE_RE.match(text))


def _table_block_rows(doc: Document, header_lines: tuple[int, ...], lo: int, hi: int,
                      order: int, out: list[Candidate]) -> int:
    """Body rows of a table on lines ``lo..hi`` (1-based), each carrying the table's header and delimiter rows."""
    h, d = header_lines
    header = doc.lines[h - 1].strip() + "\n" + doc.lines[d - 1].strip()
    for ln in range(max(lo, d + 1), hi + 1):
        row = doc.lines[ln - 1].strip()
        if row.startswith("|") and len(tokenize(row)) >= 2:
            out.append(Candidate(row, ln, ln, order, "table_row", header))
            order += 1
    return order


def candidates_for_chunk(doc: Document, chunk: Chunk) -> list[Candidate]:
    """Candidate sentences of ``chunk`` in document order, from the blocks of its parsed document."""
    if chunk.kind == "reference":  # bibliography entries are sources, not answers
        return []
    ls, le = chunk.line_start, chunk.line_end
    out: list[Candidate] = []
    order = 0
    skipping_level = None  # inside a sub-section whose text is not an answer (until a heading of its level or above)
    for b in doc.blocks:
        if b.type == "heading" and b.start <= le:
            line = doc.lines[b.start - 1]
            level = len(line) - len(line.lstrip("#"))
            if skipping_level is not None and level <= skipping_level:
                skipping_level = None
            if skipping_level is None and _not_answer_heading(_heading_text(line)):
                skipping_level = level
            continue
        if skipping_level is not None or b.end < ls or b.start > le or b.type in _SKIPPED_BLOCKS:
            continue
        lo, hi = max(b.start, ls), min(b.end, le)
        if b.type == "table" and len(b.header_lines) == 2:
            order = _table_block_rows(doc, b.header_lines, lo, hi, order, out)
            continue
        for c in candidates_from_lines(doc.lines[lo - 1 : hi], lo):
            if not is_answer_sentence(c.text):
                continue
            out.append(Candidate(c.text, c.line_start, c.line_end, order, c.kind, c.table_header))
            order += 1
    return out


class SentenceStore:
    """Candidates and their embeddings per chunk, cached by the chunk's content hash (thread-safe)."""

    def __init__(self, corpus_dir: Path, embed, max_entries: int = 4096) -> None:
        self.corpus_dir = Path(corpus_dir)
        self._embed = embed  # texts -> (n, d) unit vectors
        self._max = max_entries
        self._cache: dict[str, tuple[list[Candidate], np.ndarray]] = {}
        self._lock = threading.Lock()

    def get(self, chunk: Chunk) -> tuple[list[Candidate], np.ndarray]:
        key = chunk.content_hash
        with self._lock:
            got = self._cache.get(key)
        if got is not None:
            return got
        cands = candidates_for_chunk(load_doc(self.corpus_dir, chunk.path), chunk)
        texts = [(" ".join(chunk.breadcrumbs[-1:]) + ": " + c.text) for c in cands]
        vecs = self._embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        with self._lock:
            if len(self._cache) > self._max:
                self._cache.clear()
            self._cache[key] = (cands, vecs)
        return cands, vecs
