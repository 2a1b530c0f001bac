"""Spaced repetition with FSRS (the Free Spaced Repetition Scheduler, the scheduler of Anki since 23.10), via
the ``fsrs`` library; it replaced SM-2 here (schema 4 of the store rebuilds every card from the logged
answers, see :func:`replay`).

Each (user, question) card carries FSRS's memory state: *stability* (days until recall probability falls to
90%), *difficulty* (1-10) and the time of the last review; the next due date is where the predicted recall
probability reaches the desired retention (0.9). A graded answer becomes an FSRS rating:

* skipped, or a score below 3/10: **Again** (forgotten);
* 3 to below 5.5: **Hard**;  5.5 to below 8.5: **Good**;  8.5 and above: **Easy**.

Interview questions are practised in sessions days apart, so the scheduler runs without FSRS's minute-scale
learning steps (every interval is at least one day) and without fuzzing (the schedule is reproducible).
Pure functions over a small dataclass; the store persists the state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

DAY = 86400.0
DESIRED_RETENTION = 0.9
#: FSRS card states as stored: 0 = never reviewed, then fsrs.State values (1 learning, 2 review, 3 relearning)
NEW = 0


@dataclass(frozen=True)
class CardState:
    stability: float | None = None
    difficulty: float | None = None
    state: int = NEW
    interval_days: float = 0.0
    due_at: float = 0.0  # unix seconds; 0 = never seen, due at once
    last_review: float | None = None
    last_score: float | None = None
    n_seen: int = 0


@lru_cache(maxsize=1)
def scheduler():
    from fsrs import Scheduler

    return Scheduler(desired_retention=DESIRED_RETENTION, learning_steps=(), relearning_steps=(),
                     enable_fuzzing=False)


def rating(score: float | None, skipped: bool = False) -> int:
    """FSRS rating 1..4 (Again, Hard, Good, Easy) from a 0-10 score; a skip is Again."""
    if skipped or score is None:
        return 1
    s = float(score)
    if not 0.0 <= s <= 10.0:
        raise ValueError(f"score must be within 0..10, got {score}")
    return 1 if s < 3.0 else 2 if s < 5.5 else 3 if s < 8.5 else 4


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _to_fsrs(c: CardState):
    from fsrs import Card, State

    if c.state == NEW or c.stability is None:
        return Card(card_id=1)
    return Card(card_id=1, state=State(c.state), step=None if c.state == 2 else 0, stability=c.stability,
                difficulty=c.difficulty, due=_dt(c.due_at),
                last_review=_dt(c.last_review) if c.last_review is not None else None)


def review(state: CardState, r: int, now: float, score: float | None = None) -> CardState:
    """The card after a review with rating ``r`` (1..4) at ``now`` (unix seconds)."""
    from fsrs import Rating

    if r not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1 (again), 2 (hard), 3 (good) or 4 (easy), got {r}")
    card, _ = scheduler().review_card(_to_fsrs(state), Rating(r), _dt(now))
    due = card.due.timestamp()
    return replace(state, stability=float(card.stability), difficulty=float(card.difficulty),
                   state=int(card.state.value), interval_days=round((due - now) / DAY, 4), due_at=due,
                   last_review=now, last_score=score, n_seen=state.n_seen + 1)


def retrievability(state: CardState, now: float) -> float | None:
    """Predicted probability of recalling the answer at ``now`` (None for a card never reviewed)."""
    if state.state == NEW or state.stability is None:
        return None
    return float(scheduler().get_card_retrievability(_to_fsrs(state), _dt(now)))


def replay(events: Iterable[tuple[float, float | None, bool]]) -> CardState:
    """Rebuild a card from its logged answers ``(time, score, skipped)``, oldest first."""
    c = CardState()
    for t, score, skipped in sorted(events, key=lambda e: e[0]):
        c = review(c, rating(score, skipped), t, score)
    return c


def due_order(cards: dict[str, CardState], question_ids: list[str], now: float) -> list[str]:
    """``question_ids`` ordered for practice: due cards first (most overdue, then hardest), then cards never
    seen (in the given order), then cards not yet due (soonest first)."""
    seen_due, unseen, later = [], [], []
    for i, qid in enumerate(question_ids):
        c = cards.get(qid)
        if c is None or c.n_seen == 0:
            unseen.append((i, qid))
        elif c.due_at <= now:
            seen_due.append((c.due_at, -(c.difficulty or 0.0), i, qid))
        else:
            later.append((c.due_at, -(c.difficulty or 0.0), i, qid))
    return [q for *_, q in sorted(seen_due)] + [q for _, q in unseen] + [q for *_, q in sorted(later)]
