"""Hand-built lead candidates for the lead-choice tests that call ``pick_lead`` on pools of their own, and the
hand-built chunks and placed candidates of the composer tests (:func:`chunk`, :func:`at`)."""

from __future__ import annotations

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.scoring import Scored
from mlnotes.kb.chunker import Chunk


def cand(text: str, rank: int, score: float, line: int = 1, vec: int = 0) -> Scored:
    """A scored candidate of chunk ``rank`` at ``line``, its vector the unit vector ``vec`` of eight dimensions."""
    v = np.zeros(8, np.float32)
    v[vec] = 1.0
    return Scored(score, rank, Candidate(text, line, line, line), v)


def vec(axis: int, dim: int = 8) -> np.ndarray:
    """The unit vector ``axis`` of ``dim`` dimensions."""
    v = np.zeros(dim, np.float32)
    v[axis] = 1.0
    return v


def chunk(lines: list[str], start: int = 10, sid: str = "s") -> Chunk:
    """A guide chunk of section ``sid`` holding ``lines`` from line ``start``."""
    return Chunk(id=f"x#{sid}", doc_id="x", section_id=sid, title="X", heading=sid.upper(), breadcrumbs=["X", sid],
                 path="guides/x.md", line_start=start, line_end=start + len(lines) - 1, kind="guide",
                 text="\n".join(lines))


def at(text: str, line: int, axis: int = 0, rank: int = 0, order: int = 0) -> Scored:
    """A candidate at ``line`` of chunk ``rank``, scored 1.0, its vector :func:`vec` ``axis``."""
    return Scored(1.0, rank, Candidate(text, line, line, order), vec(axis))
