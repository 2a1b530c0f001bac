"""Hand-built lead candidates for the lead-choice tests that call ``pick_lead`` on pools of their own."""

from __future__ import annotations

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.scoring import Scored


def cand(text: str, rank: int, score: float, line: int = 1, vec: int = 0) -> Scored:
    """A scored candidate of chunk ``rank`` at ``line``, its vector the unit vector ``vec`` of eight dimensions."""
    v = np.zeros(8, np.float32)
    v[vec] = 1.0
    return Scored(score, rank, Candidate(text, line, line, line), v)
