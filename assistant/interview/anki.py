"""Export interview questions as an Anki deck (``.apkg``) with genanki.

One note per question, note type "ML/AI Notes interview question" with the fields Question, Answer (the short
answer), KeyPoints, Source (a link back to the cited section), Topics, Difficulty and QuestionId (the note's
GUID derives from the id, so re-importing an updated deck updates the notes instead of duplicating them).

Math: the corpus writes ``$...$`` and ``$$...$$``; Anki's MathJax reads ``\\(...\\)`` and ``\\[...\\]``, so the
delimiters are rewritten (after HTML-escaping the text, which MathJax reads back as characters). Inline code
becomes ``<code>``.

An ``.apkg`` is a zip with an SQLite collection (``collection.anki2``) and a ``media`` map; the tests open the
produced package that way and check notes and fields.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MODEL_ID = 1_607_392_319  # fixed, so that re-imports map to the same note type
DECK_ID_BASE = 2_059_400_110
FIELDS = ("Question", "Answer", "KeyPoints", "Source", "Topics", "Difficulty", "QuestionId")


class ExportError(ValueError):
    """The deck cannot be written (bad path, nothing to export); the message says what to fix."""


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])")
_CODE = re.compile(r"`([^`\n]+)`")


def to_anki_html(text: str) -> str:
    """Markdown-ish corpus text to Anki field HTML: escaped, math for MathJax, inline code, line breaks."""
    out = html.escape(" ".join(text.split()) if "\n\n" not in text else text.strip(), quote=False)
    out = _DISPLAY.sub(lambda m: r"\[" + m.group(1).strip() + r"\]", out)
    out = _INLINE.sub(lambda m: r"\(" + m.group(1) + r"\)", out)
    out = _CODE.sub(lambda m: "<code>" + m.group(1) + "</code>", out)
    return out.replace("\n\n", "<br><br>")


def _model():
    import genanki

    card_front = ("<div class=meta>{{Topics}} · {{Difficulty}}</div><div class=q>{{Question}}</div>")
    card_back = ("{{FrontSide}}<hr id=answer><div class=a>{{Answer}}</div><div class=kp>{{KeyPoints}}</div>"
                 "<div class=src>{{Source}}</div>")
    css = (".card{font-family:sans-serif;font-size:18px;text-align:left;max-width:46em;margin:auto}"
           ".meta{color:#888;font-size:13px}.q{font-weight:600;margin:.6em 0}.kp li{margin:.2em 0}"
           ".src{font-size:13px;margin-top:1em}code{background:#f2f2f2;padding:0 .2em}")
    return genanki.Model(MODEL_ID, "ML/AI Notes interview question",
                         fields=[{"name": f} for f in FIELDS],
                         templates=[{"name": "Question → answer", "qfmt": card_front, "afmt": card_back}], css=css)


def note_fields(q: Any, url: str) -> list[str]:
    kps = "<ul>" + "".join(f"<li>{to_anki_html(k)}</li>" for k in q.key_points) + "</ul>"
    where = html.escape(f"corpus/{q.path}, line {q.line}", quote=False)
    source = f'<a href="{html.escape(url, quote=True)}">Learn it: {where}</a>'
    return [to_anki_html(q.question), to_anki_html(q.short_answer), kps, source,
            html.escape(", ".join(q.topics), quote=False), html.escape(q.difficulty, quote=False), q.id]


def check_output_path(path: str | os.PathLike) -> Path:
    """The resolved output path, or :class:`ExportError` saying what is wrong with it."""
    p = Path(path).expanduser()
    if p.suffix.lower() != ".apkg":
        raise ExportError(f"{p} does not end in .apkg; Anki imports decks from .apkg files")
    if p.exists() and not p.is_file():
        raise ExportError(f"{p} exists and is not a file; choose another path")
    if p.exists():
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            raise ExportError(f"{p} exists and is not an Anki package (not a zip); refusing to overwrite it") from None
        if not names & {"collection.anki2", "collection.anki21"}:
            raise ExportError(f"{p} exists and is a zip but not an Anki package; refusing to overwrite it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"the folder {parent} is not writable; choose another path")
    return p


def write_deck(questions: Sequence[Any], path: str | os.PathLike, url_of: Callable[[Any], str],
               deck_name: str = "ML/AI Notes interview") -> dict[str, Any]:
    """Write ``questions`` as an Anki package at ``path`` (atomically: a temporary file, then a rename)."""
    import genanki

    out = check_output_path(path)
    if not questions:
        raise ExportError("no questions to export (the selection is empty)")
    deck_id = DECK_ID_BASE + sum(map(ord, deck_name)) % 1_000_000
    deck = genanki.Deck(deck_id, deck_name)
    model = _model()
    for q in questions:
        deck.add_note(genanki.Note(model=model, fields=note_fields(q, url_of(q)), guid=genanki.guid_for(q.id),
                                   tags=[t.replace(" ", "_") for t in q.topics] + [q.difficulty]))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(suffix=".apkg", dir=out.parent)
        os.close(fd)
        genanki.Package(deck).write_to_file(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(f"could not write {out}: {exc.strerror or exc}; choose a writable path") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return {"path": str(out), "notes": len(questions), "deck": deck_name, "bytes": out.stat().st_size}
