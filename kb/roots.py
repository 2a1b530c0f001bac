"""Extra corpora: folders of the user's own Markdown notes, indexed beside the built-in corpus.

``MLNOTES_EXTRA_CORPUS`` (read by :mod:`mlnotes.assistant.settings`, handed here by :func:`configure`; kb reads no
environment) names one or more folders, separated by ``os.pathsep``. Each folder appears under the reserved prefix
``notes/<name>/`` (``<name>`` is the folder's name, made unique with ``-2``, ``-3``, ...), so a note's corpus path is
``notes/<name>/<path inside the folder>``, its document id the same without ``.md``, and its kind ``notes``: ids,
citations, deep links and filters never collide with the built-in documents (whose ids are slugs without ``/``).

:func:`resolve_rel` maps such a corpus path back to the folder it lives in, :func:`note_rel` a file to its corpus path,
and :func:`iter_note_files` walks one folder. The walk skips, with one warning line per folder that counts them: files
that are not Markdown, not UTF-8, over :data:`MAX_NOTE_BYTES`, and symbolic links (files or folders, whatever they
point to), so nothing outside the folder is ever read. With no extra folder configured nothing here changes what
the corpus functions do.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NOTES_PREFIX = "notes"
NOTES_KIND = "notes"
MAX_NOTE_BYTES = 5_000_000

log = logging.getLogger("mlnotes.kb.roots")


class ExtraCorpusError(ValueError):
    """An extra corpus folder cannot be used (missing, not a folder, overlapping the built-in corpus)."""


@dataclass(frozen=True)
class ExtraRoot:
    name: str  # unique among the configured folders
    path: Path  # resolved

    @property
    def prefix(self) -> str:
        return f"{NOTES_PREFIX}/{self.name}/"


_roots: tuple[ExtraRoot, ...] = ()
_warned: set[str] = set()


def _folder_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip("-.") or NOTES_PREFIX


def configure(folders: Iterable[str | Path] = (), corpus_dir: Path | None = None) -> tuple[ExtraRoot, ...]:
    """Set the process's extra corpus folders (an empty list: none); raises :class:`ExtraCorpusError` naming a
    folder that does not exist, is not a folder, or overlaps ``corpus_dir``. A folder listed twice counts once."""
    global _roots
    builtin = Path(corpus_dir).resolve() if corpus_dir is not None else None
    roots: list[ExtraRoot] = []
    for f in folders:
        p = Path(f).expanduser()
        if not p.exists():
            raise ExtraCorpusError(f"MLNOTES_EXTRA_CORPUS: folder {str(f)!r} does not exist; create it or remove "
                                   "it from the setting")
        if not p.is_dir():
            raise ExtraCorpusError(f"MLNOTES_EXTRA_CORPUS: {str(f)!r} is not a folder; give folders of Markdown "
                                   "files, separated by " + repr(os.pathsep))
        p = p.resolve()
        if builtin is not None and (p.is_relative_to(builtin) or builtin.is_relative_to(p)):
            raise ExtraCorpusError(f"MLNOTES_EXTRA_CORPUS: folder {str(f)!r} overlaps the built-in corpus "
                                   f"{str(builtin)!r}; give a folder outside it")
        if any(r.path == p for r in roots):
            continue
        base = name = _folder_name(p)
        n = 1
        while any(r.name == name for r in roots):
            n += 1
            name = f"{base}-{n}"
        roots.append(ExtraRoot(name, p))
    _roots = tuple(roots)
    return _roots


def extra_roots() -> tuple[ExtraRoot, ...]:
    return _roots


def resolve_rel(rel: str) -> tuple[ExtraRoot, str] | None:
    """``(folder, path inside it)`` for a corpus path under ``notes/<name>/`` of a configured folder, else None."""
    parts = PurePosixPath(rel).parts
    if len(parts) < 3 or parts[0] != NOTES_PREFIX:
        return None
    for r in _roots:
        if r.name == parts[1]:
            return r, "/".join(parts[2:])
    return None


def note_rel(path: Path) -> str | None:
    """The corpus path (``notes/<name>/...``) of a file inside a configured folder, else None."""
    if not _roots:
        return None
    resolved = Path(path).resolve()
    for r in _roots:
        if resolved.is_relative_to(r.path):
            return r.prefix + resolved.relative_to(r.path).as_posix()
    return None


def _skip_reason(p: Path) -> str | None:
    if p.is_symlink():
        return "symbolic link"
    if p.suffix.lower() != ".md":
        return "not Markdown"
    try:
        if p.stat().st_size > MAX_NOTE_BYTES:
            return f"over {MAX_NOTE_BYTES // 1_000_000} MB"
        p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    except OSError:
        return "unreadable"
    return None


def iter_note_files(root: ExtraRoot) -> list[Path]:
    """The Markdown files of one extra folder, sorted, hidden files and folders left out. Everything else (see the
    module docstring) is skipped and counted in one warning line, logged once per process for the same skips."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for here, dirs, names in os.walk(root.path, followlinks=False):
        base = Path(here)
        for d in sorted(dirs):
            if d.startswith("."):
                dirs.remove(d)
            elif (base / d).is_symlink():
                dirs.remove(d)
                skipped.append(((base / d).relative_to(root.path).as_posix(), "symbolic link"))
        for n in names:
            if n.startswith("."):
                continue
            p = base / n
            reason = _skip_reason(p)
            if reason is None and not p.resolve().is_relative_to(root.path):
                reason = "outside the folder"
            if reason is None:
                files.append(p)
            else:
                skipped.append((p.relative_to(root.path).as_posix(), reason))
    if skipped:
        counts = Counter(reason for _, reason in skipped)
        skipped.sort()
        shown = ", ".join(f"{rel} ({why})" for rel, why in skipped[:5]) + (" …" if len(skipped) > 5 else "")
        msg = (f"notes folder {root.path} ({root.prefix}): skipped {len(skipped)} file(s) "
               f"({', '.join(f'{n} {why}' for why, n in sorted(counts.items()))}): {shown}")
        if msg not in _warned:
            _warned.add(msg)
            log.warning(msg)
    return sorted(files, key=lambda p: p.relative_to(root.path).as_posix())


def iter_notes() -> list[tuple[str, Path]]:
    """``(corpus path, file)`` of every note of every configured folder, in folder order."""
    out = []
    for r in _roots:
        out.extend((r.prefix + p.relative_to(r.path).as_posix(), p) for p in iter_note_files(r))
    return out
