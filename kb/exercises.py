"""Parser for the end-of-chapter exercises (``## Exercises`` in ``corpus/chapters/NN-*.md``).

Format, one exercise per ``###`` heading inside the chapter's ``## Exercises`` section::

    ### Exercise 5.3: Ridge in closed form

    *Type: derivation · Difficulty: medium*

    The prompt: one or more paragraphs, lists, math, code.

    <details>
    <summary>Solution</summary>

    The worked solution, with ``python`` blocks whose asserts check it.

    </details>

``N`` in ``Exercise N.k`` is the chapter number (``0`` for chapter ``00``) and ``k`` counts from 1 without gaps.
Structure comes from :func:`mlnotes.kb.markdown.parse_text` (markdown-it tokens), so a ``###`` or ``<details>`` line inside
a fenced code block is code, never structure. Line numbers are 1-based and count the front matter.

Public API:

- :class:`Exercise`: one exercise (chapter id and number, exercise number, title, type, difficulty, prompt,
  solution, line span, section id, the solution's code blocks).
- :func:`parse_exercises` (a parsed :class:`~mlnotes.kb.markdown.Document`) and :func:`parse_exercises_text` (Markdown
  text): the exercises of one chapter, in order; :class:`ExerciseFormatError` (message starts ``path:line``) when
  the section is malformed.
- :func:`load_exercises`: every exercise of every chapter under a corpus folder.
- :meth:`Exercise.as_question`: a plain dict the interview mode can pose (question = prompt, reference answer =
  solution with code blocks kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlnotes.kb.markdown import CodeBlock, Document, parse_document, parse_text

TYPES: tuple[str, ...] = ("conceptual", "derivation", "coding")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
SECTION_TITLE = "Exercises"

_HEAD_RE = re.compile(r"^Exercise\s+(?P<chapter>\d+)\.(?P<k>\d+)\s*:\s*(?P<title>\S.*?)\s*$")
_META_RE = re.compile(
    r"^\*Type:\s*(?P<type>[a-z]+)\s*·\s*Difficulty:\s*(?P<difficulty>[a-z]+)\s*\*$"
)
_CHAPTER_FILE_RE = re.compile(r"^(?P<num>\d{2})-")


class ExerciseFormatError(ValueError):
    """A chapter's Exercises section does not follow the documented format; the message starts with ``path:line``."""


@dataclass(frozen=True)
class Exercise:
    chapter_id: str  # the chapter's front-matter id, e.g. "ch05-classical-ml"
    chapter: int  # chapter number, 0-14
    path: str  # chapter path relative to the corpus root (or as given)
    number: str  # "5.3"
    index: int  # k in "Exercise N.k"
    title: str
    type: str  # one of TYPES
    difficulty: str  # one of DIFFICULTIES
    prompt: str  # Markdown between the metadata line and <details>
    solution: str  # Markdown between <summary>…</summary> and </details>
    start: int  # 1-based line of the ### heading
    end: int  # 1-based last line of the exercise (the </details> line)
    section_id: str  # GitHub slug of the heading, for links: path#section_id
    code_blocks: tuple[CodeBlock, ...] = ()  # fenced blocks inside the solution

    @property
    def id(self) -> str:
        """Stable id across the corpus, e.g. ``ex-5-3``."""
        return f"ex-{self.chapter}-{self.index}"

    @property
    def python_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(b for b in self.code_blocks if b.lang in ("python", "py", "python3"))

    @property
    def has_checked_code(self) -> bool:
        """True when some Python block of the solution contains an ``assert`` statement."""
        return any(re.search(r"(^|\s)assert\s", b.code) for b in self.python_blocks)

    def as_question(self) -> dict:
        """A plain dict for the interview mode: what to ask, the reference answer and where it lives."""
        return {
            "id": self.id,
            "question": f"{self.title}. {self.prompt}".strip(),
            "answer": self.solution,
            "type": self.type,
            "difficulty": self.difficulty,
            "doc_id": self.chapter_id,
            "path": self.path,
            "line": self.start,
            "section_id": self.section_id,
        }


_CONTEXT_BOUND = re.compile(r"\b(below|above|the check|this check|the code|the block|here)\b", re.IGNORECASE)


def solution_statements(solution: str, limit: int = 4) -> list[str]:
    """The solution's prose sentences that make a claim on their own: code, math blocks, tables and sentences that
    point at a block ("the check below") are left out. They serve as the key points an answer is graded against."""
    from mlnotes.kb.markdown import split_sentences

    prose, in_code = [], False
    for line in solution.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not stripped or stripped.startswith(("|", "$$", "<", "#")):
            continue
        prose.append(stripped)
    out = []
    for sentence in split_sentences(" ".join(prose)):
        if len(sentence.split()) >= 6 and not _CONTEXT_BOUND.search(sentence):
            out.append(sentence)
        if len(out) == limit:
            break
    return out


def to_interview_question(ex: Exercise):
    """The exercise as an interview-bank question (topics ``exercises`` and ``exercises-<chapter id>``), graded
    against the statements of its worked solution; ``None`` when the solution has no stand-alone statement (a
    coding exercise whose solution is all code), since such an answer cannot be graded by key points."""
    from mlnotes.kb.interview import InterviewQuestion

    points = solution_statements(ex.solution)
    if not points:
        return None
    return InterviewQuestion(
        id=ex.id, question=f"{ex.title}. {ex.prompt}".strip(), difficulty=ex.difficulty or "medium",
        topics=("exercises", f"exercises-{ex.chapter_id}"), short_answer=" ".join(points[:2]),
        key_points=tuple(points), explanation=ex.solution, mistakes=(), follow_ups=(), links=(),
        doc_id=ex.chapter_id, path=ex.path, line=ex.start, section_id=ex.section_id)


def _chapter_number(doc: Document) -> int | None:
    m = _CHAPTER_FILE_RE.match(Path(doc.rel_path or str(doc.path)).name)
    return int(m.group("num")) if m else None


def _strip_blank(text: str) -> str:
    return text.strip("\n").rstrip()


def parse_exercises(doc: Document) -> list[Exercise]:
    """The exercises of one parsed chapter, in document order; ``[]`` when it has no ``## Exercises`` section.

    Raises :class:`ExerciseFormatError` on a malformed exercise (bad heading, missing or invalid metadata line,
    missing ``<details>`` solution block, empty solution, numbering that does not match the chapter or has gaps).
    """
    where = doc.rel_path or str(doc.path)
    heads = doc.headings
    sec = next((i for i, h in enumerate(heads) if h.level == 2 and h.text.strip() == SECTION_TITLE), None)
    if sec is None:
        return []
    last_line = len(doc.lines)
    sec_end = next((h.line - 1 for h in heads[sec + 1 :] if h.level <= 2), last_line)
    chapter = _chapter_number(doc)
    ex_heads = [h for h in heads[sec + 1 :] if h.line <= sec_end and h.level == 3]
    out: list[Exercise] = []
    for n, h in enumerate(ex_heads):
        loc = f"{where}:{h.line}"
        m = _HEAD_RE.match(h.text)
        if not m:
            raise ExerciseFormatError(f"{loc}: heading {h.text!r} must read 'Exercise N.k: title'")
        num, k = int(m.group("chapter")), int(m.group("k"))
        if chapter is not None and num != chapter:
            raise ExerciseFormatError(f"{loc}: exercise {num}.{k} is in chapter {chapter}; number it {chapter}.{k}")
        if k != n + 1:
            raise ExerciseFormatError(f"{loc}: exercise {num}.{k} should be numbered {num}.{n + 1} (no gaps)")
        end = ex_heads[n + 1].line - 1 if n + 1 < len(ex_heads) else sec_end
        # a deeper heading inside an exercise stays part of it; blocks in the span, by their start line
        blocks = [b for b in doc.blocks if h.line < b.start <= end]
        meta_block = next((b for b in blocks if b.type != "heading"), None)
        meta_text = doc.text_of(meta_block.start, meta_block.end).strip() if meta_block else ""
        mm = _META_RE.match(meta_text)
        if not meta_block or meta_block.type != "paragraph" or not mm:
            raise ExerciseFormatError(
                f"{loc}: the line after the heading must be '*Type: conceptual|derivation|coding · "
                f"Difficulty: easy|medium|hard*'"
            )
        etype, diff = mm.group("type"), mm.group("difficulty")
        if etype not in TYPES:
            raise ExerciseFormatError(f"{where}:{meta_block.start}: type {etype!r} is not one of {list(TYPES)}")
        if diff not in DIFFICULTIES:
            raise ExerciseFormatError(
                f"{where}:{meta_block.start}: difficulty {diff!r} is not one of {list(DIFFICULTIES)}"
            )
        html = [b for b in blocks if b.type == "html"]
        open_b = next((b for b in html if doc.lines[b.start - 1].strip().startswith("<details")), None)
        if open_b is None:
            raise ExerciseFormatError(f"{loc}: no '<details>' block with the solution")
        close_b = next(
            (b for b in html if b.start > open_b.start and doc.lines[b.start - 1].strip() == "</details>"), None
        )
        if close_b is None:
            raise ExerciseFormatError(f"{where}:{open_b.start}: '<details>' is never closed by a '</details>' line")
        open_lines = doc.lines[open_b.start - 1 : open_b.end]
        if not any(re.search(r"<summary>.*</summary>", ln) for ln in open_lines):
            raise ExerciseFormatError(f"{where}:{open_b.start}: '<details>' needs a '<summary>Solution</summary>' line")
        prompt = _strip_blank(doc.text_of(meta_block.end + 1, open_b.start - 1))
        solution = _strip_blank(doc.text_of(open_b.end + 1, close_b.start - 1))
        if not prompt:
            raise ExerciseFormatError(f"{loc}: the exercise has no prompt")
        if not solution:
            raise ExerciseFormatError(f"{where}:{open_b.start}: the solution is empty")
        code = tuple(c for c in doc.code_blocks if open_b.end < c.start < close_b.start)
        out.append(
            Exercise(
                chapter_id=doc.id,
                chapter=num,
                path=where,
                number=f"{num}.{k}",
                index=k,
                title=m.group("title"),
                type=etype,
                difficulty=diff,
                prompt=prompt,
                solution=solution,
                start=h.line,
                end=close_b.end,
                section_id=h.slug,
                code_blocks=code,
            )
        )
    return out


def parse_exercises_text(text: str, path: str = "") -> list[Exercise]:
    """:func:`parse_exercises` for Markdown text; ``path`` (e.g. ``chapters/05-x.md``) names it in errors."""
    return parse_exercises(parse_text(text, rel_path=path))


def load_exercises(corpus_dir: str | Path) -> list[Exercise]:
    """Every exercise of every ``chapters/*.md`` file under ``corpus_dir``, chapter by chapter."""
    corpus_dir = Path(corpus_dir)
    out: list[Exercise] = []
    for p in sorted((corpus_dir / "chapters").glob("*.md")):
        out.extend(parse_exercises(parse_document(p, corpus_dir)))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m mlnotes.kb.exercises [CORPUS]``: exercises per chapter, by type; exit 1 on a format error."""
    import sys
    from collections import Counter

    args = sys.argv[1:] if argv is None else argv
    corpus = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "corpus"
    try:
        exercises = load_exercises(corpus)
    except ExerciseFormatError as exc:
        print(f"error: {exc}")
        return 1
    by_chapter: dict[str, list[Exercise]] = {}
    for ex in exercises:
        by_chapter.setdefault(ex.path, []).append(ex)
    for path, exs in by_chapter.items():
        kinds = Counter(e.type for e in exs)
        print(f"{path}: {len(exs)} exercises ({', '.join(f'{kinds[t]} {t}' for t in TYPES if kinds[t])})")
    print(f"{len(exercises)} exercises in {len(by_chapter)} chapters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
