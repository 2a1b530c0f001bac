"""Heading-aware chunking of corpus documents (DESIGN §5).

Rules, in order:

1. Headings cut the body into sections: a section is a heading line and the lines up to the next heading of
   any level (text before the first heading is the document's preamble section).
2. A section whose only content is its heading (e.g. ``## Part 2`` directly followed by ``### 2.1``) is folded
   into the next section's first chunk, so no heading line is lost and no chunk is empty.
3. A section within the token budget is one chunk. A longer one is split between top-level blocks (paragraphs,
   lists, fences, tables, math) into pieces under the budget; a block is never cut, except that long lists are
   cut between items and long tables between row groups, with the table's header row and delimiter row repeated
   at the top of every piece. A code fence is never split.
4. Every chunk carries its breadcrumbs (document title and the headings above it), which are prepended to the
   text that gets indexed, and the ``algorithms/`` modules its links point to.

By construction every non-blank body line belongs to exactly one chunk's line span.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlnotes.kb.markdown import Block, Document

CHUNKER_VERSION = "2"
# interview files are cut at their questions (H2), so a question and its short answer and key points stay
# together; their H3 parts ("Short answer", "Key points", ...) are blocks inside the question's section
CUT_LEVEL = {"interview": 2}
DEFAULT_BUDGET = 200  # words; all-MiniLM-L6-v2 reads at most 256 word pieces
TABLE_MAX_ROWS = 10  # rows per table piece, so a lookup finds its row group

_WORD_RE = re.compile(r"\S+")


def count_tokens(text: str) -> int:
    """A cheap, deterministic size measure: whitespace-separated words."""
    return len(_WORD_RE.findall(text))


@dataclass
class Chunk:
    id: str  # "{doc_id}#{section_id}" or "{doc_id}#{section_id}~{piece}" for continuation pieces
    doc_id: str
    section_id: str  # "" for a preamble before the first heading
    title: str  # document title
    heading: str  # the section heading text ("" for the preamble)
    breadcrumbs: list[str]  # document title, then the headings above and including this section
    path: str  # corpus-relative path, e.g. "guides/loss-functions.md"
    line_start: int  # 1-based, inclusive, counted in the file (front matter included)
    line_end: int
    kind: str  # guide | chapter | interview | reference
    text: str  # the Markdown of the chunk (table header repeated for table pieces)
    algorithms: list[str] = field(default_factory=list)  # repo-relative paths like "algorithms/linear/ridge.py"
    piece: int = 0

    @property
    def index_text(self) -> str:
        """What gets indexed: breadcrumbs, then the text."""
        return " > ".join(self.breadcrumbs) + "\n" + self.text

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.index_text.encode("utf-8")).hexdigest()

    @property
    def citation(self) -> str:
        return f"{self.doc_id}#{self.section_id}" if self.section_id else self.doc_id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(**d)


@dataclass
class _Section:
    heading_idx: int | None  # index into doc.headings, None for the preamble
    start: int  # 1-based line of the heading (or first body line of the preamble)
    end: int  # inclusive
    blocks: list[Block]


def _cut_headings(doc: Document):
    max_level = CUT_LEVEL.get(doc.kind, 6)
    return [h for h in doc.headings if h.level <= max_level]


def _sections(doc: Document) -> list[_Section]:
    last_line = len(doc.lines)
    heads = _cut_headings(doc)
    cut_lines = {h.line for h in heads}
    sections: list[_Section] = []
    first_head_line = heads[0].line if heads else last_line + 1
    if doc.body_start < first_head_line:
        sections.append(_Section(None, doc.body_start, first_head_line - 1, []))
    for i, h in enumerate(heads):
        end = heads[i + 1].line - 1 if i + 1 < len(heads) else last_line
        sections.append(_Section(i, h.line, end, []))
    for b in doc.blocks:
        if b.type == "heading" and b.start in cut_lines:
            continue
        for s in sections:
            if s.start <= b.start <= s.end:
                s.blocks.append(b)
                break
    return sections


def _nonblank(doc: Document, start: int, end: int) -> bool:
    return any(doc.lines[i - 1].strip() for i in range(start, end + 1))


def _units(doc: Document, sec: _Section, body_start: int) -> list[tuple[int, int, tuple[int, int] | None]]:
    """Split a section body into indivisible units (start, end, table header span or None), covering every line.

    Lines between blocks (blank lines, link reference definitions) are attached to the preceding unit.
    """
    units: list[list[Any]] = []
    cursor = body_start
    for b in sec.blocks:
        if b.start > cursor:  # uncovered lines before this block
            if units:
                units[-1][1] = b.start - 1
            elif _nonblank(doc, cursor, b.start - 1):
                units.append([cursor, b.start - 1, None])
        if b.type == "table":
            header_end = b.header_lines[1] if b.header_lines else b.start + 1
            rows = list(range(header_end + 1, b.end + 1))
            if len(rows) <= TABLE_MAX_ROWS:
                units.append([b.start, b.end, (b.start, header_end)])
            else:
                first = True
                for k in range(0, len(rows), TABLE_MAX_ROWS):
                    grp = rows[k : k + TABLE_MAX_ROWS]
                    s0 = b.start if first else grp[0]
                    units.append([s0, grp[-1], (b.start, header_end)])
                    first = False
        elif b.type == "list" and len(b.item_starts) > 1:
            starts = list(b.item_starts)
            for k, s0 in enumerate(starts):
                e0 = starts[k + 1] - 1 if k + 1 < len(starts) else b.end
                units.append([b.start if k == 0 else s0, e0, None])
        else:
            units.append([b.start, b.end, None])
        cursor = b.end + 1
    if cursor <= sec.end:
        if units:
            units[-1][1] = sec.end
        elif _nonblank(doc, cursor, sec.end):
            units.append([cursor, sec.end, None])
    return [(u[0], u[1], u[2]) for u in units]


def algorithm_path(href: str, doc_rel_path: str) -> str | None:
    """The repo-relative ``algorithms/...py`` file a link in corpus file ``doc_rel_path`` points to, or None."""
    href = href.split("#", 1)[0]
    if not href.endswith(".py") or re.match(r"^[a-z]+:", href):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname("corpus/" + doc_rel_path), href))
    return target if target.startswith("algorithms/") else None


def _algorithm_links(doc: Document, start: int, end: int) -> list[str]:
    """Repo-relative paths of ``algorithms/*.py`` files linked from lines ``start``..``end``."""
    out: list[str] = []
    for link in doc.links:
        if start <= link.line <= end:
            target = algorithm_path(link.href, doc.rel_path)
            if target and target not in out:
                out.append(target)
    return out


def chunk_document(doc: Document, budget: int = DEFAULT_BUDGET) -> list[Chunk]:
    """Cut one parsed document into chunks (see the module docstring for the rules)."""
    if budget < 20:
        raise ValueError("budget must be at least 20 words")
    heads = _cut_headings(doc)
    doc_id = doc.id or re.sub(r"[^a-z0-9]+", "-", doc.rel_path.lower().removesuffix(".md")).strip("-")
    chunks: list[Chunk] = []
    pending_start: int | None = None  # line where folded heading-only sections began
    # breadcrumb stack of (level, text)
    for sec in _sections(doc):
        if sec.heading_idx is None:
            heading, section_id, level = "", "", 0
            body_start = sec.start
        else:
            h = heads[sec.heading_idx]
            heading, section_id, level = h.text, h.slug, h.level
            body_start = h.line + 1
        crumbs = [doc.title]
        if sec.heading_idx is not None:
            stack: list[tuple[int, str]] = []
            for h2 in heads[: sec.heading_idx + 1]:
                while stack and stack[-1][0] >= h2.level:
                    stack.pop()
                stack.append((h2.level, h2.text))
            crumbs += [t for _, t in stack if t != doc.title]
        units = _units(doc, sec, body_start)
        if not units:
            if sec.heading_idx is None:
                continue
            nxt = heads[sec.heading_idx + 1] if sec.heading_idx + 1 < len(heads) else None
            if nxt is not None and nxt.level > level:
                # heading-only section with a subsection next: fold it into the child's first chunk
                if pending_start is None:
                    pending_start = sec.start
                continue
            # heading-only section with nothing of its own below it: a small chunk of its own
            start = pending_start if pending_start is not None else sec.start
            pending_start = None
            end = sec.end
            while end > start and not doc.lines[end - 1].strip():
                end -= 1
            chunks.append(Chunk(id=f"{doc_id}#{section_id}", doc_id=doc_id, section_id=section_id,
                                title=doc.title, heading=heading, breadcrumbs=crumbs, path=doc.rel_path,
                                line_start=start, line_end=end, kind=doc.kind, text=doc.text_of(start, end)))
            continue
        # group units into pieces under the budget
        pieces: list[list[tuple[int, int, tuple[int, int] | None]]] = []
        cur: list[tuple[int, int, tuple[int, int] | None]] = []
        cur_tokens = count_tokens(heading)
        for u in units:
            t = count_tokens(doc.text_of(u[0], u[1]))
            table_break = bool(cur) and u[2] is not None and cur[-1][2] is not None
            if cur and (cur_tokens + t > budget or table_break):
                pieces.append(cur)
                cur, cur_tokens = [], 0
            cur.append(u)
            cur_tokens += t
        if cur:
            pieces.append(cur)
        for p_idx, piece in enumerate(pieces):
            if p_idx == 0:
                start = pending_start if pending_start is not None else sec.start
                pending_start = None
            else:
                start = piece[0][0]
            end = piece[-1][1]
            # drop trailing blank lines from the span
            while end > start and not doc.lines[end - 1].strip():
                end -= 1
            text = doc.text_of(start, end)
            hdr = piece[0][2]
            if hdr is not None and piece[0][0] > hdr[1]:  # a continuation table piece: repeat the header
                text = doc.text_of(hdr[0], hdr[1]) + "\n" + text
            cid = f"{doc_id}#{section_id}" if section_id else f"{doc_id}#"
            if p_idx > 0:
                cid += f"~{p_idx}"
            chunks.append(
                Chunk(
                    id=cid,
                    doc_id=doc_id,
                    section_id=section_id,
                    title=doc.title,
                    heading=heading,
                    breadcrumbs=crumbs,
                    path=doc.rel_path,
                    line_start=start,
                    line_end=end,
                    kind=doc.kind,
                    text=text,
                    algorithms=_algorithm_links(doc, start, end),
                    piece=p_idx,
                )
            )
    return chunks


def chunk_corpus(corpus_dir: Path, budget: int = DEFAULT_BUDGET) -> tuple[list[Chunk], dict[str, str]]:
    """Chunk every Markdown file of a corpus; returns the chunks and ``{rel_path: sha256 of file}``."""
    from mlnotes.kb.markdown import iter_corpus_files, parse_document

    chunks: list[Chunk] = []
    hashes: dict[str, str] = {}
    for path in iter_corpus_files(corpus_dir):
        data = path.read_bytes()
        doc = parse_document(path, corpus_dir)
        hashes[doc.rel_path] = hashlib.sha256(data).hexdigest()
        chunks.extend(chunk_document(doc, budget=budget))
    return chunks, hashes
