"""Spaced repetition with SM-2 (Wozniak, 1990), the scheduler behind SuperMemo 2 and early Anki.

Each (user, question) pair carries an easiness factor ``ef`` (start 2.5, floor 1.3), a count of successful
reviews in a row ``reps`` and the current interval in days. A graded answer is mapped to SM-2's quality
``q`` in 0..5 by ``q = round(score / 2)`` (a skipped question is ``q = 0``):

* ``q >= 3`` (a pass): ``reps += 1``; the interval becomes 1 day, then 6 days, then ``round(interval * ef)``;
* ``q < 3`` (a fail): ``reps = 0`` and the interval resets to 1 day, so the question comes back soon;
* in both cases ``ef += 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)``, floored at 1.3.

Pure functions over a small dataclass; the store persists the state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DAY = 86400.0
EF_START, EF_MIN = 2.5, 1.3


@dataclass(frozen=True)
class CardState:
    ef: float = EF_START
    reps: int = 0
    interval_days: float = 0.0
    due_at: float = 0.0  # unix seconds; 0 = never seen, due at once
    last_score: float | None = None
    n_seen: int = 0


def quality(score: float | None, skipped: bool = False) -> int:
    """SM-2 quality 0..5 from a 0-10 score (skips are 0)."""
    if skipped or score is None:
        return 0
    return int(min(5, max(0, round(float(score) / 2.0))))


def review(state: CardState, q: int, now: float, score: float | None = None) -> CardState:
    """The card state after a review of quality ``q`` (0..5) at time ``now`` (unix seconds)."""
    if not 0 <= q <= 5:
        raise ValueError(f"quality must be 0..5, got {q}")
    ef = max(EF_MIN, state.ef + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    if q >= 3:
        reps = state.reps + 1
        if reps == 1:
            interval = 1.0
        elif reps == 2:
            interval = 6.0
        else:
            interval = float(round(state.interval_days * state.ef))
    else:
        reps, interval = 0, 1.0
    return replace(state, ef=ef, reps=reps, interval_days=interval, due_at=now + interval * DAY,
                   last_score=score, n_seen=state.n_seen + 1)


def due_order(cards: dict[str, CardState], question_ids: list[str], now: float) -> list[str]:
    """``question_ids`` ordered for practice: overdue cards first (most overdue, then lowest ``ef``), then cards
    never seen (in the given order), then cards not yet due (soonest first)."""
    seen_due, unseen, later = [], [], []
    for i, qid in enumerate(question_ids):
        c = cards.get(qid)
        if c is None or c.n_seen == 0:
            unseen.append((i, qid))
        elif c.due_at <= now:
            seen_due.append((c.due_at, c.ef, i, qid))
        else:
            later.append((c.due_at, c.ef, i, qid))
    return ([q for *_, q in sorted(seen_due)] + [q for _, q in unseen] + [q for *_, q in sorted(later)])
