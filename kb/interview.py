"""Parser for the interview bank (``corpus/interview/*.md``).

The format is documented in ``corpus/README.md`` ("Interview questions"): one question per ``##`` heading, a
metadata line right under it, then the H3 sections "Short answer", "Key points", "Explanation",
"Common mistakes", "Follow-ups" and "Learn more", in that order.

Structure comes from markdown-it-py tokens (``token.map`` gives 0-based line spans, reported here as 1-based
line numbers counting the front matter), so a ``## `` line inside a fenced code block is code, never a
question. Only the content of the single metadata paragraph is split with a regular expression.

Public API: :data:`TOPICS`, :data:`DIFFICULTIES`, :class:`InterviewQuestion`, :class:`InterviewFormatError`,
:func:`parse_interview_text`, :func:`load_bank` (with its optional cache, :func:`bank_cache_file`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlnotes.kb.markdown import heading_plain_text, markdown_parser, slugify, unique_slugs

TOPICS: tuple[str, ...] = (
    "ml-fundamentals",
    "statistics",
    "probability",
    "mathematics",
    "data-processing",
    "feature-engineering",
    "linear-models",
    "trees-ensembles",
    "svm-kernels",
    "neighbors-clustering",
    "dimensionality-reduction",
    "evaluation",
    "deep-learning",
    "optimization",
    "cnn-vision",
    "nlp-transformers",
    "llm-rag",
    "recommender-systems",
    "time-series",
    "reinforcement-learning",
    "interpretability",
    "mlops-system-design",
    "coding",
)
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")

#: The H3 sections of a question, in the required order.
SECTIONS: tuple[str, ...] = (
    "Short answer",
    "Key points",
    "Explanation",
    "Common mistakes",
    "Follow-ups",
    "Learn more",
)
MIN_KEY_POINTS, MAX_KEY_POINTS = 3, 6

_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
_META_RE = re.compile(
    r"^\*\*ID:\*\*\s*`(?P<id>[^`]*)`\s*·\s*\*\*Difficulty:\*\*\s*(?P<difficulty>[^·]*?)\s*·\s*"
    r"\*\*Topics:\*\*\s*(?P<topics>.*?)\s*$"
)


class InterviewFormatError(ValueError):
    """An interview file does not follow the documented format; the message starts with ``path:line``."""


@dataclass(frozen=True)
class InterviewQuestion:
    id: str
    question: str
    difficulty: str
    topics: tuple[str, ...]
    short_answer: str
    key_points: tuple[str, ...]
    explanation: str
    mistakes: tuple[str, ...]
    follow_ups: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    doc_id: str
    path: str
    line: int
    section_id: str


# one slug rule for the whole corpus (GitHub's), mlnotes.kb.markdown's; the old private names stay for their tests
_slugify = slugify
_unique_slugs = unique_slugs


@dataclass
class _Heading:
    level: int
    text: str
    raw: str
    line: int  # 1-based
    index: int  # token index of heading_open
    slug: str = ""


def _front_matter(tokens: list[Any], where: str) -> dict:
    for tok in tokens:
        if tok.type == "front_matter":
            try:
                data = yaml.safe_load(tok.content) or {}
            except yaml.YAMLError as exc:
                raise InterviewFormatError(f"{where}:1: front matter is not valid YAML ({exc})") from None
            if not isinstance(data, dict):
                raise InterviewFormatError(f"{where}:1: front matter is not a mapping")
            return data
    return {}


def _lines_text(lines: list[str], start: int, end: int) -> str:
    """Source lines [start, end) (0-based), stripped as a block."""
    return "\n".join(lines[start:end]).strip()


def _list_items(tokens: list[Any], lo: int, hi: int, lines: list[str]) -> tuple[list[str], list[Any], bool]:
    """Top-level bullet items in tokens[lo:hi] as one-line strings, their token ranges, and whether any
    non-list block appears at the top level of the section."""
    items: list[str] = []
    ranges: list[Any] = []
    other = False
    depth = 0
    i = lo
    while i < hi:
        tok = tokens[i]
        if tok.level == 0 and tok.type not in ("bullet_list_open", "bullet_list_close"):
            other = True
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and depth == 1:
            j = i + 1
            nest = 1
            while j < hi and nest:
                if tokens[j].type == "list_item_open":
                    nest += 1
                elif tokens[j].type == "list_item_close":
                    nest -= 1
                j += 1
            start, end = tok.map
            text = " ".join(s.strip() for s in lines[start:end] if s.strip())
            text = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text).strip()
            items.append(text)
            ranges.append((i, j))
        i += 1
    return items, ranges, other


def _links(tokens: list[Any], lo: int, hi: int) -> list[tuple[str, str]]:
    found = []
    for tok in tokens[lo:hi]:
        if tok.type != "inline":
            continue
        children = tok.children or []
        k = 0
        while k < len(children):
            ch = children[k]
            if ch.type == "link_open":
                href = ch.attrGet("href") or ""
                text = []
                k += 1
                while k < len(children) and children[k].type != "link_close":
                    if children[k].type in ("text", "code_inline", "math_inline"):
                        text.append(children[k].content)
                    k += 1
                found.append(("".join(text).strip(), href))
            k += 1
    return found


def parse_interview_text(text: str, path: str = "") -> list[InterviewQuestion]:
    """Parse one interview file; raise :class:`InterviewFormatError` (``path:line: problem``) on any defect."""
    where = path or "<text>"
    tokens = markdown_parser().parse(text)
    lines = text.splitlines()
    fm = _front_matter(tokens, where)
    doc_id = str(fm.get("id", ""))

    heads: list[_Heading] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            heads.append(_Heading(int(tok.tag[1]), heading_plain_text(inline), inline.content.strip(), tok.map[0] + 1, i))
    for h, slug in zip(heads, unique_slugs([h.text for h in heads])):
        h.slug = slug

    questions: list[InterviewQuestion] = []
    q_heads = [h for h in heads if h.level == 2]
    for _qi, qh in enumerate(q_heads):
        # the question's token range ends at the next heading of level <= 2
        end_idx = len(tokens)
        end_line = len(lines)
        for h in heads:
            if h.index > qh.index and h.level <= 2:
                end_idx, end_line = h.index, h.line - 1
                break
        questions.append(_parse_question(tokens, lines, heads, qh, end_idx, end_line, where, path, doc_id))
    return questions


def _parse_question(tokens, lines, heads, qh, end_idx, end_line, where, path, doc_id) -> InterviewQuestion:
    """One question (its H2 up to the next) from the token stream, with a file:line error for each rule it breaks.

    Longer than most functions on purpose: it reads the question's parts in the order the format prescribes, and
    each part's check and error message sit next to the code that reads it.
    """
    if not qh.text:
        raise InterviewFormatError(f"{where}:{qh.line}: empty question heading")
    # metadata: the first block after the H2 must be the metadata paragraph
    i = qh.index + 3  # heading_open, inline, heading_close
    meta_tok = tokens[i] if i < end_idx else None
    if meta_tok is None or meta_tok.type != "paragraph_open":
        raise InterviewFormatError(
            f"{where}:{qh.line}: missing metadata line (**ID:** `...` · **Difficulty:** ... · **Topics:** ...) "
            f"under the question heading"
        )
    meta_line = meta_tok.map[0] + 1
    m = _META_RE.match(tokens[i + 1].content.replace("\n", " ").strip())
    if not m:
        raise InterviewFormatError(
            f"{where}:{meta_line}: malformed metadata line; expected "
            f"**ID:** `topic-slug` · **Difficulty:** easy|medium|hard · **Topics:** a, b"
        )
    qid = m.group("id").strip()
    if not _ID_RE.match(qid):
        raise InterviewFormatError(f"{where}:{meta_line}: bad ID {qid!r} (lower-case, prefix-slug, '-' separated)")
    difficulty = m.group("difficulty").strip()
    if difficulty not in DIFFICULTIES:
        raise InterviewFormatError(f"{where}:{meta_line}: unknown difficulty {difficulty!r} (use {DIFFICULTIES})")
    topics = tuple(t.strip() for t in m.group("topics").split(",") if t.strip())
    if not topics:
        raise InterviewFormatError(f"{where}:{meta_line}: no topics")
    for t in topics:
        if t not in TOPICS:
            raise InterviewFormatError(f"{where}:{meta_line}: unknown topic {t!r}")
    if len(set(topics)) != len(topics):
        raise InterviewFormatError(f"{where}:{meta_line}: repeated topic")

    # H3 sections
    subs = [h for h in heads if qh.index < h.index < end_idx]
    for h in subs:
        if h.level != 3:
            raise InterviewFormatError(f"{where}:{h.line}: unexpected H{h.level} {h.text!r} inside a question")
    names = [h.text for h in subs]
    for h in subs:
        if h.text not in SECTIONS:
            raise InterviewFormatError(f"{where}:{h.line}: unknown section {h.text!r} (allowed: {SECTIONS})")
    for name in SECTIONS:
        if names.count(name) == 0:
            raise InterviewFormatError(f"{where}:{qh.line}: question {qid!r} is missing section {name!r}")
        if names.count(name) > 1:
            raise InterviewFormatError(f"{where}:{qh.line}: question {qid!r} repeats section {name!r}")
    if names != list(SECTIONS):
        raise InterviewFormatError(f"{where}:{subs[0].line}: sections out of order; expected {SECTIONS}")
    # anything between the metadata paragraph and the first H3 is not allowed
    if tokens[i + 3].type != "heading_open":
        stray = tokens[i + 3]
        line = stray.map[0] + 1 if stray.map else meta_line
        raise InterviewFormatError(f"{where}:{line}: unexpected content between metadata and 'Short answer'")

    spans: dict[str, tuple[Any, int, int, int, int]] = {}
    for k, h in enumerate(subs):
        nxt_idx = subs[k + 1].index if k + 1 < len(subs) else end_idx
        nxt_line = subs[k + 1].line - 1 if k + 1 < len(subs) else end_line
        spans[h.text] = (h, h.index + 3, nxt_idx, h.line, nxt_line)  # body tokens, 1-based heading line

    def body(name: str) -> str:
        h, _, _, hline, nline = spans[name]
        return _lines_text(lines, hline, nline)  # lines after the heading up to the next heading

    def bullets(name: str, lo_n: int = 1, hi_n: int | None = None) -> tuple[str, ...]:
        h, lo, hi, _, _ = spans[name]
        items, _, other = _list_items(tokens, lo, hi, lines)
        if other:
            raise InterviewFormatError(f"{where}:{h.line}: section {name!r} must contain only a bullet list")
        if len(items) < lo_n:
            raise InterviewFormatError(f"{where}:{h.line}: section {name!r} needs at least {lo_n} bullet(s)")
        if hi_n is not None and len(items) > hi_n:
            raise InterviewFormatError(
                f"{where}:{h.line}: section {name!r} has {len(items)} bullets (at most {hi_n})"
            )
        if any(not it for it in items):
            raise InterviewFormatError(f"{where}:{h.line}: empty bullet in {name!r}")
        return tuple(items)

    short = body("Short answer")
    if not short:
        raise InterviewFormatError(f"{where}:{spans['Short answer'][3]}: empty short answer")
    explanation = body("Explanation")
    if not explanation:
        raise InterviewFormatError(f"{where}:{spans['Explanation'][3]}: empty explanation")
    h_kp = spans["Key points"][0]
    kp_items, _, other = _list_items(tokens, spans["Key points"][1], spans["Key points"][2], lines)
    if other:
        raise InterviewFormatError(f"{where}:{h_kp.line}: 'Key points' must contain only a bullet list")
    if not MIN_KEY_POINTS <= len(kp_items) <= MAX_KEY_POINTS:
        raise InterviewFormatError(
            f"{where}:{h_kp.line}: {len(kp_items)} key points (need {MIN_KEY_POINTS}-{MAX_KEY_POINTS})"
        )
    mistakes = bullets("Common mistakes")
    follow_ups = bullets("Follow-ups", 1, 3)
    bullets("Learn more", 0)
    _, lo, hi, _, _ = spans["Learn more"]
    links = tuple(_links(tokens, lo, hi))

    return InterviewQuestion(
        id=qid,
        question=qh.text,
        difficulty=difficulty,
        topics=topics,
        short_answer=short,
        key_points=tuple(kp_items),
        explanation=explanation,
        mistakes=mistakes,
        follow_ups=follow_ups,
        links=links,
        doc_id=doc_id,
        path=path,
        line=qh.line,
        section_id=qh.slug,
    )


def load_bank(corpus_dir: str | Path, cache: Path | None = None) -> list[InterviewQuestion]:
    """Every question of every ``kind: interview`` file under ``corpus_dir/interview/``, in file order.

    With ``cache`` (a JSON file, e.g. :func:`bank_cache_file` beside the index), the parsed bank is read from it
    when neither the files nor this parser changed since it was written, and written after a parse (best
    effort): parsing the bank costs about a second, most of a one-shot ``mlnotes ask``'s start."""
    corpus_dir = Path(corpus_dir)
    files = [(p, p.read_bytes()) for p in sorted((corpus_dir / "interview").glob("*.md"))]
    key = _bank_key(corpus_dir, files) if cache is not None else ""
    if cache is not None:
        cached = _read_bank_cache(cache, key)
        if cached is not None:
            return cached
    out: list[InterviewQuestion] = []
    for p, raw in files:
        text = raw.decode("utf-8")
        rel = p.relative_to(corpus_dir).as_posix()
        fm = _front_matter(markdown_parser().parse(text), rel)
        if fm.get("kind") != "interview":
            continue
        out.extend(parse_interview_text(text, rel))
    if cache is not None:
        _write_bank_cache(cache, key, out)
    return out


BANK_CACHE_VERSION = 1


def bank_cache_file(index_dir: str | Path) -> Path:
    """Where a local index keeps its parsed interview bank: ``<index>.bank.json`` beside the index folder."""
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".bank.json")


def bank_vectors_file(index_dir: str | Path) -> Path:
    """Where a local index keeps the bank questions' vectors: ``<index>.bank.vectors.npz`` beside the index folder
    (:meth:`mlnotes.assistant.answering.bank.BankMatcher.use_cache`)."""
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".bank.vectors.npz")


def _bank_key(corpus_dir: Path, files: list[tuple[Path, bytes]]) -> str:
    """What the parsed bank depends on: this parser's source (so a parser change is never served stale), the
    Markdown helpers' and each file's path and bytes."""
    import hashlib

    from mlnotes.kb import markdown as md

    h = hashlib.sha256(f"bank {BANK_CACHE_VERSION}\0".encode())
    for src in (__file__, md.__file__):
        h.update(Path(src).read_bytes())
    for p, raw in files:
        h.update(p.relative_to(corpus_dir).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(raw).digest())
    return h.hexdigest()


def _read_bank_cache(path: Path, key: str) -> list[InterviewQuestion] | None:
    """The cached bank when ``path`` holds the one for ``key``; None when missing, stale or unreadable."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return [InterviewQuestion(**{**q, "topics": tuple(q["topics"]), "key_points": tuple(q["key_points"]),
                                     "mistakes": tuple(q["mistakes"]), "follow_ups": tuple(q["follow_ups"]),
                                     "links": tuple(tuple(link) for link in q["links"])})
                for q in data["questions"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_bank_cache(path: Path, key: str, bank: list[InterviewQuestion]) -> None:
    """Write the parsed bank atomically; a folder that cannot be written only costs the next start a parse."""
    import json
    from dataclasses import asdict

    from mlnotes.kb.cachefile import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    data = json.dumps({"key": key, "questions": [asdict(q) for q in bank]}).encode("utf-8")
    write_atomically(path, lambda f: f.write(data))
