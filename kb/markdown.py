"""Markdown parsing for the corpus, with markdown-it-py (never regexes over raw text for structure).

:func:`parse_document` turns one corpus file into a :class:`Document`: its YAML front matter, its headings with
GitHub-style section ids and 1-based line numbers, its top-level blocks with line spans, its fenced code blocks,
its links and its citations. A ``#`` line inside a code fence is part of a ``fence`` token, so it can never be
mistaken for a heading.

Line numbers are 1-based and count the front matter, so ``path:line`` opens the right line in any editor or on a
Git host.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mlnotes.kb import roots

KINDS = ("guide", "chapter", "interview", "reference")
LEVELS = ("beginner", "intermediate", "advanced")

CITATION_RE = re.compile(r"\[(@[A-Za-z0-9_:\-]+(?:\s*;\s*@[A-Za-z0-9_:\-]+)*)\]")

# sentence boundaries of prose: after . ! ? and whitespace, before a capital, digit, bracket, quote, math or code
# opener; not after common abbreviations (e.g., i.e., vs., et al., Fig., Eq., cf., approx.). Each guard is a
# fixed-width look-behind ending in the abbreviation's final period, tried at the whitespace after it.
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "et al.", "Fig.", "Eq.", "cf.", "approx.", "resp.")
_ABBREV = "".join(rf"(?<!\b{re.escape(a)})" for a in _ABBREVIATIONS)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])" + _ABBREV + r"\s+(?=[A-Z(\[$*`\"'0-9])")

# round 20 (split20): a sentence may also open with a lower-case name (``pandas adds ...``, ``kNN depends ...``,
# ``scikit-learn's TargetEncoder ...``, ``bf16 keeps ...``). Such a boundary is taken only when the word before the
# period is no abbreviation: none of the words below (lower-cased), no dotted initialism (``i.e.``, ``i.i.d.``,
# ``w.r.t.``, ``<e.g.``), no single letter (an initial) and no bare enumerator (``1.``, ``3-4.``); and when the next
# token is no scheme-like identifier (``arXiv:1706.03762``, ``doi:10.1007/...``, ``https://...``).
LOWER_ABBREVIATIONS = frozenset((
    "al", "approx", "resp", "cf", "vs", "etc", "fig", "figs", "eq", "eqs", "incl", "esp", "viz", "ca", "pp",
    "vol", "no", "sec", "ch", "ref", "refs", "ed", "eds", "hist", "min", "max", "avg", "std", "dr", "mr", "ms", "st",
))
_LOWER_BOUNDARY_RE = re.compile(r"(?<=[.!?])\s+(?=[a-z])")
_WORD_BEFORE_RE = re.compile(r"(\S+)[.!?]$")
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]$")  # "i.e", "i.i.d", "w.r.t" once the final period is cut
_SCHEME_RE = re.compile(r"[a-z][A-Za-z0-9+.-]*:\S")  # arXiv:..., doi:..., https://...


def _lower_boundary(before: str, after: str) -> bool:
    """Whether a lower-case word at the start of ``after`` opens a new sentence after ``before`` (which ends in
    ``.``, ``!`` or ``?``): see :data:`LOWER_ABBREVIATIONS`."""
    if _SCHEME_RE.match(after):
        return False
    m = _WORD_BEFORE_RE.search(before)
    if not m or not any(ch.isalnum() for ch in m.group(1)):  # "... ! ?": punctuation named, not a sentence end
        return False
    if before.endswith(("!", "?")):
        return True
    word = m.group(1).lstrip("(<[\"'*_`")
    if not word or word.endswith("."):  # "3.9999..." or "...": an ellipsis runs on
        return False
    if not any(ch.isalnum() for ch in word[-1:]) and word[-1] not in ")]}$*_`\"'":
        return False
    core = word.rstrip(")]}$*_`\"'")
    if not core:
        return True
    if core.lower() in LOWER_ABBREVIATIONS or _DOTTED_RE.fullmatch(core):
        return False
    if len(core) == 1 and core.isalpha() and word == core:  # an initial ("E. coli"), not a symbol ("$y$.")
        return False
    if re.fullmatch(r"[0-9]+(?:[-–][0-9]+)?", core) and word == core:  # an enumerator: "1.", "3-4."
        return False
    return True


def _split_lower(piece: str) -> list[str]:
    """``piece`` (one piece of :data:`SENTENCE_SPLIT_RE`) cut before each lower-case word that opens a sentence."""
    out: list[str] = []
    start = 0
    for m in _LOWER_BOUNDARY_RE.finditer(piece):
        if _lower_boundary(piece[start:m.start()], piece[m.end():]):
            out.append(piece[start:m.start()])
            start = m.end()
    out.append(piece[start:])
    return out


def _open_brackets(text: str) -> int:
    """How many ``(`` and ``[`` of ``text`` are still open at its end."""
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
    return depth


def _closes_first(text: str) -> bool:
    """Whether ``text`` closes a bracket before it opens one: it starts inside a parenthesis."""
    m = re.search(r"[()\[\]]", text)
    return bool(m) and m.group() in ")]"


def split_sentences(text: str) -> list[str]:
    """The sentences of a run of prose (the one splitter of the corpus side: answers and search snippets). A boundary
    inside a parenthesis is none: a piece that leaves a bracket open is joined by the next piece when that one closes
    a bracket before opening any (round 19: ``fails on abbreviations ("Dr. Smith") and decimals`` split after the
    unlisted "Dr." and left the fragment ``Smith") and decimals, ...`` as a sentence of its own)."""
    out: list[str] = []
    for piece in (p for big in SENTENCE_SPLIT_RE.split(text) for p in _split_lower(big)):
        piece = piece.strip()
        if not piece:
            continue
        if out and _open_brackets(out[-1]) and _closes_first(piece):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


CITE_KEY_RE = re.compile(r"@([A-Za-z0-9_:\-]+)")


class MarkdownError(ValueError):
    """A corpus file is malformed (bad front matter, missing required field); the message says where."""


@lru_cache(maxsize=1)
def markdown_parser():
    """The one markdown-it configuration of the corpus (CommonMark, tables, strikethrough, front matter, $math$)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    return (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .enable("strikethrough")
        .use(front_matter_plugin)
        .use(dollarmath_plugin, allow_space=True, double_inline=True)
    )


def slugify(text: str) -> str:
    """GitHub's heading slug: lower-case, drop punctuation except ``-`` and ``_``, spaces become ``-``.

    >>> slugify("Bias–variance trade-off")
    'biasvariance-trade-off'
    >>> slugify("What is $L_2$ regularization?")
    'what-is-l_2-regularization'
    """
    text = unicodedata.normalize("NFKC", text).strip().lower()
    out = []
    for ch in text:
        if ch in "-_ ":
            out.append("-" if ch == " " else ch)
        elif unicodedata.category(ch)[0] in ("L", "N", "M"):
            out.append(ch)
    return "".join(out)


def unique_slugs(texts: list[str]) -> list[str]:
    """Slugs for headings in document order, de-duplicated the way GitHub does (``x``, ``x-1``, ``x-2``)."""
    seen: dict[str, int] = {}
    used: set[str] = set()
    result = []
    for t in texts:
        base = slugify(t)
        if base not in seen and base not in used:
            seen[base] = 0
            used.add(base)
            result.append(base)
            continue
        n = seen.get(base, 0)
        while True:
            n += 1
            cand = f"{base}-{n}"
            if cand not in used:
                break
        seen[base] = n
        used.add(cand)
        result.append(cand)
    return result


def heading_plain_text(inline_token: Any) -> str:
    """The text of a heading as GitHub renders it (markup removed, code and math kept as their content)."""
    parts: list[str] = []
    for child in inline_token.children or []:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            continue
    return "".join(parts).strip()


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    slug: str
    line: int  # 1-based line of the heading in the file


@dataclass(frozen=True)
class Block:
    """A top-level block with its 1-based inclusive line span."""

    type: str  # heading, paragraph, fence, table, list, blockquote, math, html, hr, code, other
    start: int
    end: int
    info: str = ""
    # for tables: the 1-based lines of the header row and the delimiter row; for lists: item start lines
    header_lines: tuple[int, ...] = ()
    item_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class CodeBlock:
    lang: str
    attrs: tuple[str, ...]  # words after the language in the info string, e.g. ("norun",)
    code: str
    start: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence

    @property
    def norun(self) -> bool:
        return "norun" in self.attrs

    @property
    def requires(self) -> tuple[str, ...]:
        for a in self.attrs:
            if a.startswith("requires="):
                return tuple(x.strip() for x in a.split("=", 1)[1].split(",") if x.strip())
        return ()


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    line: int


@dataclass(frozen=True)
class Citation:
    key: str
    line: int


@dataclass
class Document:
    path: Path
    rel_path: str  # path relative to the corpus root, forward slashes
    meta: dict[str, Any]
    lines: list[str]  # every line of the file, without newlines
    body_start: int  # 1-based first line after the front matter
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.id))

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind", ""))

    @property
    def section_ids(self) -> set[str]:
        return {h.slug for h in self.headings}

    def text_of(self, start: int, end: int) -> str:
        """Lines ``start``..``end`` (1-based, inclusive) joined with newlines."""
        return "\n".join(self.lines[start - 1 : end])


_CODE_CHILD_TYPES = ("code_inline", "math_inline", "math_inline_double")


def _inline_links_and_citations(inline: Any, line: int, links: list[Link], cites: list[Citation]) -> None:
    children = inline.children or []
    # text runs joined across soft line breaks, so a citation may wrap: "[@a;\n@b]"
    runs: list[list[tuple[str, int]]] = [[]]
    cur_line = line
    i = 0
    while i < len(children):
        ch = children[i]
        if ch.type == "link_open":
            href = str(ch.attrs.get("href", ""))
            text_parts = []
            j = i + 1
            while j < len(children) and children[j].type != "link_close":
                text_parts.append(children[j].content)
                j += 1
            links.append(Link("".join(text_parts), href, cur_line))
            runs.append([])
            i = j
        elif ch.type == "text":
            runs[-1].append((ch.content, cur_line))
        elif ch.type in ("softbreak", "hardbreak"):
            runs[-1].append((" ", cur_line))
            cur_line += 1
        else:
            runs.append([])
        i += 1
    for run in runs:
        if not run:
            continue
        text = "".join(t for t, _ in run)
        starts, pos = [], 0
        for t, ln in run:
            starts.append((pos, ln))
            pos += len(t)
        for m in CITATION_RE.finditer(text):
            at = max(ln for p0, ln in starts if p0 <= m.start())
            for key in CITE_KEY_RE.findall(m.group(1)):
                cites.append(Citation(key, at))


def parse_text(text: str, rel_path: str = "", path: Path | None = None, lenient_meta: bool = False) -> Document:
    """Parse Markdown text (with optional YAML front matter) into a :class:`Document`. With ``lenient_meta``, front
    matter that is not a YAML mapping is ignored (empty ``meta``) instead of raising :class:`MarkdownError`.

    One pass over markdown-it's token stream with a case per top-level block type; kept as one loop (over the
    usual length) because every case advances the same cursor and fills the same lists.
    """
    md = markdown_parser()
    tokens = md.parse(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    meta: dict[str, Any] = {}
    body_start = 1
    heading_raw: list[tuple[int, str, int]] = []
    blocks: list[Block] = []
    code_blocks: list[CodeBlock] = []
    links: list[Link] = []
    cites: list[Citation] = []

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "front_matter":
            try:
                loaded = yaml.safe_load(tok.content) or {}
            except yaml.YAMLError as exc:
                if not lenient_meta:
                    raise MarkdownError(f"{rel_path}: invalid YAML front matter: {exc}") from None
                loaded = {}
            if not isinstance(loaded, dict):
                if not lenient_meta:
                    raise MarkdownError(f"{rel_path}: front matter must be a YAML mapping")
                loaded = {}
            meta = loaded
            body_start = tok.map[1] + 1 if tok.map else 1
            i += 1
            continue
        # inline children anywhere (paragraphs inside lists, table cells, headings) carry links and citations
        if tok.type == "inline" and tok.map:
            _inline_links_and_citations(tok, tok.map[0] + 1, links, cites)
        if tok.level != 0 or tok.map is None or tok.nesting == -1:
            i += 1
            continue
        start, end = tok.map[0] + 1, tok.map[1]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            htext = heading_plain_text(tokens[i + 1])
            heading_raw.append((level, htext, start))
            blocks.append(Block("heading", start, end))
        elif tok.type == "fence":
            info = tok.info.strip()
            parts = info.split()
            lang = parts[0].lower() if parts else ""
            code_blocks.append(CodeBlock(lang, tuple(parts[1:]), tok.content, start, end))
            blocks.append(Block("fence", start, end, info=info))
        elif tok.type == "code_block":
            blocks.append(Block("code", start, end))
        elif tok.type == "table_open":
            header = (start, start + 1)
            blocks.append(Block("table", start, end, header_lines=header))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items = []
            depth = 0
            j = i + 1
            while j < len(tokens):
                t2 = tokens[j]
                if t2.type == tok.type.replace("_open", "_close") and t2.level == 0:
                    break
                if t2.type == "list_item_open" and t2.level == 1 and t2.map:
                    items.append(t2.map[0] + 1)
                depth += t2.nesting
                j += 1
            blocks.append(Block("list", start, end, item_starts=tuple(items)))
        elif tok.type == "paragraph_open":
            blocks.append(Block("paragraph", start, end))
        elif tok.type == "blockquote_open":
            blocks.append(Block("blockquote", start, end))
        elif tok.type == "math_block":
            blocks.append(Block("math", start, end))
        elif tok.type == "html_block":
            blocks.append(Block("html", start, end))
        elif tok.type == "hr":
            blocks.append(Block("hr", start, end))
        else:
            blocks.append(Block("other", start, end))
        i += 1

    slugs = unique_slugs([h[1] for h in heading_raw])
    headings = [Heading(level, htext, slug, line) for (level, htext, line), slug in zip(heading_raw, slugs)]
    return Document(
        path=path or Path(rel_path),
        rel_path=rel_path,
        meta=meta,
        lines=lines,
        body_start=body_start,
        headings=headings,
        blocks=blocks,
        code_blocks=code_blocks,
        links=links,
        citations=cites,
    )


def parse_document(path: Path, corpus_dir: Path | None = None) -> Document:
    """Read and parse one corpus file; ``rel_path`` is relative to ``corpus_dir`` when given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MarkdownError(f"{path}: not valid UTF-8 ({exc})") from None
    if corpus_dir is not None:
        try:
            rel = path.resolve().relative_to(Path(corpus_dir).resolve()).as_posix()
        except ValueError:
            rel = roots.note_rel(path) or path.name
    else:
        rel = roots.note_rel(path) or path.name
    if roots.resolve_rel(rel) is not None:
        return _as_note(parse_text(text, rel_path=rel, path=path, lenient_meta=True))
    return parse_text(text, rel_path=rel, path=path)


def _as_note(doc: Document) -> Document:
    """A note of an extra corpus (:mod:`mlnotes.kb.roots`): its id is its corpus path without ``.md``, its kind
    ``notes`` (whatever its front matter says), its title the front matter's, else its first heading, else the
    file name; front-matter topics are kept."""
    meta = dict(doc.meta)
    title = meta.get("title") or (doc.headings[0].text if doc.headings else "") or Path(doc.rel_path).stem
    topics = meta.get("topics") or []
    meta.update(id=doc.rel_path.removesuffix(".md"), kind=roots.NOTES_KIND, title=str(title),
                topics=[str(t) for t in topics] if isinstance(topics, list) else [str(topics)])
    doc.meta = meta
    return doc


def cached_document(path: Path, corpus_dir: Path) -> Document:
    """:func:`parse_document` through the one parsed-document cache of the process (keyed by the resolved path and
    its modification time, so an edited file is parsed again). Callers must not mutate the result."""
    path = Path(path).resolve()
    return _cached(str(path), path.stat().st_mtime, str(Path(corpus_dir).resolve()))


@lru_cache(maxsize=512)
def _cached(path: str, mtime: float, corpus_dir: str) -> Document:
    return parse_document(Path(path), Path(corpus_dir))


def validate_meta(doc: Document) -> list[str]:
    """Problems with a document's front matter, as human-readable messages (empty when it is valid)."""
    problems = []
    where = f"{doc.rel_path}:1"
    if not doc.meta:
        return [f"{where}: missing YAML front matter (id, title, kind, topics, level)"]
    for key in ("id", "title", "kind", "topics", "level"):
        if key not in doc.meta or doc.meta[key] in (None, "", []):
            problems.append(f"{where}: front matter is missing {key!r}")
    if doc.meta.get("kind") and doc.meta["kind"] not in KINDS:
        problems.append(f"{where}: kind {doc.meta['kind']!r} is not one of {list(KINDS)}")
    if doc.meta.get("level") and doc.meta["level"] not in LEVELS:
        problems.append(f"{where}: level {doc.meta['level']!r} is not one of {list(LEVELS)}")
    if "topics" in doc.meta and not isinstance(doc.meta["topics"], list):
        problems.append(f"{where}: topics must be a list")
    if doc.id and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", doc.id):
        problems.append(f"{where}: id {doc.id!r} must be a lower-case slug (a-z, 0-9, -)")
    return problems


def iter_corpus_files(corpus_dir: Path) -> list[Path]:
    """Every Markdown file of the corpus, sorted, skipping hidden folders. Symbolic links are never followed: a
    linked file or folder could point outside the corpus (``guides/x.md -> /etc/passwd``), so it is skipped with a
    warning on the ``mlnotes.kb.markdown`` logger, as is anything that resolves outside the corpus root."""
    import logging

    corpus_dir = Path(corpus_dir)
    root = corpus_dir.resolve()
    files = []
    for p in sorted(corpus_dir.rglob("*.md")):
        rel = p.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        linked = any((corpus_dir / Path(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts) + 1))
        if linked or not p.resolve().is_relative_to(root):
            logging.getLogger("mlnotes.kb.markdown").warning("skipped %s: symbolic links are not followed in the corpus", rel)
            continue
        files.append(p)
    return files


def iter_indexed_files(corpus_dir: Path) -> list[tuple[str, Path]]:
    """``(corpus path, file)`` of everything the index holds: the corpus's files (:func:`iter_corpus_files`) and
    then the notes of the extra folders (:func:`mlnotes.kb.roots.iter_notes`, under ``notes/<name>/``)."""
    corpus_dir = Path(corpus_dir)
    out = [(p.relative_to(corpus_dir).as_posix(), p) for p in iter_corpus_files(corpus_dir)]
    return out + roots.iter_notes()


def prose_word_count(doc: Document) -> int:
    """Words of prose: the body without code fences, tables, display math, headings or HTML."""
    skip = {"fence", "table", "math", "code", "html", "heading", "hr"}
    total = 0
    for b in doc.blocks:
        if b.type in skip:
            continue
        text = doc.text_of(b.start, b.end)
        text = re.sub(r"\$[^$]*\$", " ", text)  # inline math
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        total += len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
    return total
