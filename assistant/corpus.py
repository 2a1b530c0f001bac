"""Safe, read-only access to the corpus for the browser: the tree, raw files, sections, rendered HTML.

Every path comes from a user, so :func:`resolve_corpus_path` refuses absolute paths, ``..`` components,
anything that resolves (through symlinks) outside the corpus folder, and files that are not Markdown.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from mlnotes.kb import roots
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.markdown import Document, cached_document, iter_corpus_files

MAX_FILE_BYTES = 2_000_000


class CorpusPathError(ValueError):
    """The requested path is not an allowed corpus file; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def resolve_corpus_path(corpus_dir: Path, rel: str) -> Path:
    """Resolve a user-supplied corpus-relative path, or raise :class:`CorpusPathError` saying why not."""
    if not isinstance(rel, str) or not rel.strip():
        raise CorpusPathError("path is empty; give a corpus-relative path such as 'guides/loss-functions.md'")
    rel = rel.strip().replace("\\", "/")
    if "\x00" in rel:
        raise CorpusPathError("path contains a NUL byte")
    p = PurePosixPath(rel)
    if p.is_absolute() or rel.startswith("~") or (len(rel) > 1 and rel[1] == ":"):
        raise CorpusPathError("absolute paths are not allowed; give a path relative to the corpus folder")
    if any(part == ".." for part in p.parts):
        raise CorpusPathError("'..' is not allowed in corpus paths")
    if p.suffix.lower() != ".md":
        raise CorpusPathError(f"only Markdown (.md) files can be read, not {p.name!r}", status=415)
    root = Path(corpus_dir).resolve()
    note = roots.resolve_rel(p.as_posix())  # notes/<name>/... of an extra notes folder
    if note is not None:
        root, p = note[0].path, PurePosixPath(note[1])
        if any((root / Path(*p.parts[:i])).is_symlink() for i in range(1, len(p.parts) + 1)):
            raise CorpusPathError("symbolic links in a notes folder are not followed", status=403)
    target = (root / Path(*p.parts)).resolve()
    try:
        target.relative_to(root)
    except ValueError:
        raise CorpusPathError("that path leads outside the corpus folder (through a symlink)", status=403) from None
    if not target.is_file():
        raise CorpusPathError(f"no corpus file {rel!r}", status=404)
    if target.stat().st_size > MAX_FILE_BYTES:
        raise CorpusPathError(f"{rel!r} is too large to serve", status=413)
    return target


@dataclass
class TreeEntry:
    path: str
    title: str
    kind: str
    doc_id: str


def load_doc(corpus_dir: Path, rel: str) -> Document:
    """A user-named corpus file (checked by :func:`resolve_corpus_path`), parsed through kb's one cache."""
    return cached_document(resolve_corpus_path(corpus_dir, rel), corpus_dir)


def section_chunk_texts(corpus_dir: Path) -> dict[str, list[str]]:
    """The chunk texts of every section of the corpus, in order, keyed ``doc_id#section_id`` (the text the index
    holds for it; the worked-numbers survey and its tests read sections this way)."""
    from mlnotes.kb.chunker import chunk_document

    out: dict[str, list[str]] = {}
    for path in sorted(corpus_dir.rglob("*.md")):
        doc = load_doc(corpus_dir, str(path.relative_to(corpus_dir)))
        for c in chunk_document(doc):
            out.setdefault(f"{c.doc_id}#{c.section_id}", []).append(c.text)
    return out


def corpus_tree(corpus_dir: Path) -> list[TreeEntry]:
    """Every corpus file with its title and kind, sorted by path (symlinks out of the corpus are skipped), then
    the notes of the extra folders (:mod:`mlnotes.kb.roots`) under ``notes/<name>/``."""
    root = Path(corpus_dir).resolve()
    out = []
    for p in iter_corpus_files(root):
        try:
            p.resolve().relative_to(root)
        except ValueError:
            continue
        rel = p.relative_to(root).as_posix()
        try:
            doc = load_doc(root, rel)
            out.append(TreeEntry(rel, doc.title or rel, doc.kind, doc.id))
        except Exception:  # noqa: BLE001 - a malformed file is listed by path only
            out.append(TreeEntry(rel, rel, "", ""))
    for rel, _ in roots.iter_notes():  # the extra notes folders, under notes/<name>/
        try:
            doc = load_doc(root, rel)
            out.append(TreeEntry(rel, doc.title or rel, doc.kind, doc.id))
        except Exception:  # noqa: BLE001 - e.g. a note too large to serve: listed by path only
            out.append(TreeEntry(rel, rel, roots.NOTES_KIND, ""))
    return out


@dataclass
class Section:
    doc_id: str
    section_id: str
    title: str
    heading: str
    path: str
    line_start: int
    line_end: int
    markdown: str


def find_section(doc: Document, section_id: str) -> Section:
    """A heading and everything up to the next heading of the same or higher level."""
    heads = doc.headings
    for i, h in enumerate(heads):
        if h.slug == section_id:
            end = len(doc.lines)
            for h2 in heads[i + 1 :]:
                if h2.level <= h.level:
                    end = h2.line - 1
                    break
            while end > h.line and not doc.lines[end - 1].strip():
                end -= 1
            return Section(doc.id, h.slug, doc.title, h.text, doc.rel_path, h.line, end, doc.text_of(h.line, end))
    raise CorpusPathError(f"no section {section_id!r} in {doc.rel_path}", status=404)


def section_url(doc_path: str, section_id: str = "", base: str = "/") -> str:
    """The deep link that opens the Browse tab on a section: ``/?doc=<path>&section=<id>`` (both URL-quoted).

    The one builder of these links (answers, search hits, algorithm pages, the interview, the UI)."""
    from urllib.parse import quote

    url = f"{base}?doc={quote(doc_path)}"
    return f"{url}&section={quote(section_id)}" if section_id else url


def taught_in(chunks: Iterable[Chunk], impl_path: str, base: str = "/") -> list[dict]:
    """Corpus sections whose text links to the implementation at ``impl_path`` (the corpus is the source of that
    mapping), each once, with its deep link; ``chunks`` is a retriever's ``iter_chunks()``."""
    out, seen = [], set()
    for c in chunks:
        if impl_path in c.algorithms and (c.doc_id, c.section_id) not in seen:
            seen.add((c.doc_id, c.section_id))
            out.append({"doc_id": c.doc_id, "section_id": c.section_id, "breadcrumbs": c.breadcrumbs,
                        "path": c.path, "line_start": c.line_start, "line_end": c.line_end,
                        "url": section_url(c.path, c.section_id, base)})
    return out


def body_markdown(doc: Document) -> str:
    return "\n".join(doc.lines[doc.body_start - 1 :])


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .use(dollarmath_plugin, allow_space=True, double_inline=True)
        .use(anchors_plugin, max_level=6, slug_func=_slug_for_anchor)
    )

    def html_token(self, tokens, idx, options, env):  # only the details/summary of a solution pass; the rest is text
        content = tokens[idx].content
        return content if is_allowed_html(content) else html.escape(content)

    md.add_render_rule("html_block", html_token)
    md.add_render_rule("html_inline", html_token)
    return md


def _slug_for_anchor(text: str) -> str:
    from mlnotes.kb.markdown import slugify

    return slugify(text)


def render_html(markdown_text: str) -> str:
    """Markdown to HTML (raw HTML escaped except a solution's details/summary tags; math left as ``$…$`` spans
    for a client-side renderer)."""
    return _renderer().render(markdown_text)


# ---------------------------------------------------------------------------------------------- display helpers
# The corpus is Markdown with no raw HTML except one construct: chapter exercises end with collapsible
# solutions, ``<details><summary>Solution</summary> … </details>``. Both renderers let exactly those tags
# through and escape every other tag.

_ALLOWED_TAG = r"(?:<details>|</details>|<summary>[^<>\n]{0,200}</summary>)"
_ALLOWED_BLOCK = re.compile(rf"^\s*(?:{_ALLOWED_TAG}\s*)+$")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_LINK = re.compile(r"\]\((?!https?:|/|#|mailto:)([^)\s#]+\.md)(?:#([^)\s]*))?\)")


def is_allowed_html(fragment: str) -> bool:
    """True for the details/summary tags of a collapsible solution (and nothing else)."""
    return bool(_ALLOWED_BLOCK.match(fragment))


def _escape_tags(line: str) -> str:
    """``<`` of every tag outside code spans written as ``&lt;`` (so a Markdown renderer shows it as text)."""
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(line):
        out.append(_TAG_START.sub("&lt;", line[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_TAG_START.sub("&lt;", line[pos:]))
    return "".join(out)


def deep_link_markdown(text: str, doc_path: str) -> str:
    """Relative links to other corpus files (``](../chapters/02-mathematics.md#vectors)``) turned into the
    Browse deep links ``/?doc=…&section=…``; links that leave the corpus are kept as they are."""
    base = posixpath.dirname(doc_path)

    def sub(m: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(base, m.group(1)))
        if target.startswith(".."):
            return m.group(0)
        return "](" + section_url(target, m.group(2) or "") + ")"

    return _MD_LINK.sub(sub, text)


def display_markdown(text: str, doc_path: str = "") -> str:
    """Corpus Markdown prepared for the browser's Markdown component: raw HTML tags escaped outside code except
    the details/summary pair, and relative corpus links turned into deep links."""
    out, fence = [], None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1) == fence:
                fence = None
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        out.append(line if is_allowed_html(line) else _escape_tags(line))
    return deep_link_markdown("\n".join(out), doc_path) if doc_path else "\n".join(out)
