"""Export executable chapters to Jupyter notebooks with jupytext.

``python`` fences become code cells (``norun`` ones are kept as code but tagged ``norun`` and commented
out with an explanation, so "Run all" does not stop on them); everything else becomes Markdown cells.
"""

from __future__ import annotations

import re
from pathlib import Path


class ChapterNotFound(LookupError):
    pass


def find_chapter(corpus_dir: Path, chapter: str) -> Path:
    chapter = chapter.strip()
    if not re.fullmatch(r"\d{1,2}", chapter):
        raise ChapterNotFound(f"chapter must be a number from 00 to 14, got {chapter!r}")
    num = f"{int(chapter):02d}"
    matches = sorted((Path(corpus_dir) / "chapters").glob(f"{num}-*.md"))
    if not matches:
        available = sorted(p.name[:2] for p in (Path(corpus_dir) / "chapters").glob("[0-9][0-9]-*.md"))
        raise ChapterNotFound(f"no chapter {num} in {corpus_dir}/chapters; available: {', '.join(available) or 'none'}")
    return matches[0]


def chapter_to_notebook(text: str):
    """Convert a chapter's Markdown (with front matter) into a notebook object."""
    try:
        import jupytext
    except ImportError:
        raise ChapterNotFound("notebook export needs jupytext: pip install 'mlnotes[chapters]'") from None
    from mlnotes.kb.markdown import parse_text

    doc = parse_text(text)
    lines = doc.lines[doc.body_start - 1 :]
    body = "\n".join(lines)
    # jupytext's Markdown reader turns ```python fences into code cells; mark norun blocks first
    body = re.sub(r"^```python norun[^\n]*\n(.*?)^```", lambda m: "```python\n# norun: shown for reading, not run "
                  "here (see the text above)\n" + "\n".join("# " + ln for ln in m.group(1).splitlines()) + "\n```",
                  body, flags=re.S | re.M)
    body = re.sub(r"^```python requires=[^\n]*$", "```python", body, flags=re.M)
    nb = jupytext.reads(body, fmt="md")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["mlnotes"] = {"id": doc.id, "title": doc.title}
    return nb


def export_chapter(corpus_dir: Path, chapter: str, out: Path | None = None) -> Path:
    path = find_chapter(corpus_dir, chapter)
    nb = chapter_to_notebook(path.read_text(encoding="utf-8"))
    import nbformat

    out = Path(out) if out else Path.cwd() / (path.stem + ".ipynb")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out))
    return out
