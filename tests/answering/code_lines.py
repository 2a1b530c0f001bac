"""What a shown code sentence must be: its corpus file's own lines (shared by the code-answer tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def shown_from_file(file_lines: Sequence[str], s: Any) -> bool:
    """Whether a code sentence ``s`` (``text``, ``line_start`` and ``line_end``: the lines just before and after its
    code, as for a fenced block) is its file's own lines: the lines between them, whole; or, for an excerpt that
    cuts statements out of a block (round 19: ``compose.definitions_excerpt``), the file's lines in order with
    lines left out, opening with the span's first line and closing with its last, and nothing added but blank
    lines where a cut was."""
    span = list(file_lines[s.line_start: s.line_end - 1])
    if "\n".join(span).strip() == s.text.strip():
        return True
    shown = [ln for ln in s.text.split("\n") if ln.strip()]
    kept = [ln for ln in span if ln.strip()]
    if not shown or not kept or shown[0] != kept[0] or shown[-1] != kept[-1]:
        return False
    rest = iter(kept)
    return all(any(ln == k for k in rest) for ln in shown)
