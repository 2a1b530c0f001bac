"""SM-2 scheduling, and the SQLite store: migrations, WAL, token hashing and isolation, CSV export."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from assistant.interview.srs import DAY, CardState, due_order, quality, review
from assistant.interview.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AuthError,
    ConflictError,
    NotFoundError,
    Store,
    answers_csv,
    hash_token,
)

NOW = 1_700_000_000.0


def test_intervals_grow_on_success():
    c = CardState()
    intervals = []
    for _ in range(5):
        c = review(c, 5, NOW)
        intervals.append(c.interval_days)
    assert intervals[:2] == [1.0, 6.0]
    assert all(b > a for a, b in zip(intervals[1:], intervals[2:]))
    assert c.ef > 2.5 and c.reps == 5


def test_failure_resets_interval_and_lowers_easiness():
    c = CardState()
    for _ in range(4):
        c = review(c, 4, NOW)
    assert c.interval_days > 6
    f = review(c, 1, NOW)
    assert f.reps == 0 and f.interval_days == 1.0 and f.ef < c.ef
    assert f.due_at == NOW + DAY
    for _ in range(20):
        f = review(f, 0, NOW)
    assert f.ef == pytest.approx(1.3)


def test_quality_mapping():
    assert [quality(s) for s in (0, 2.4, 5, 6, 9.9, 10)] == [0, 1, 2, 3, 5, 5]
    assert quality(9.0, skipped=True) == 0
    with pytest.raises(ValueError):
        review(CardState(), 6, NOW)


def test_due_ordering():
    cards = {
        "late": CardState(ef=2.0, n_seen=2, due_at=NOW - 5 * DAY),
        "just_due": CardState(ef=2.5, n_seen=1, due_at=NOW - DAY),
        "future": CardState(ef=2.5, n_seen=3, due_at=NOW + 3 * DAY),
        "far": CardState(ef=2.5, n_seen=3, due_at=NOW + 30 * DAY),
    }
    order = due_order(cards, ["far", "new1", "future", "just_due", "new2", "late"], NOW)
    assert order == ["late", "just_due", "new1", "new2", "future", "far"]


def test_migrations_from_an_empty_db_and_wal(tmp_path):
    s = Store(tmp_path)
    assert s.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert s.journal_mode().lower() == "wal"
    tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"schema_version", "users", "sessions", "answers", "cards"} <= tables
    s.close()
    # reopening runs no migration twice
    s2 = Store(tmp_path)
    assert s2.schema_version() == SCHEMA_VERSION
    s2.close()


def test_upgrade_from_version_one(tmp_path):
    db = tmp_path / "interview.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    MIGRATIONS[0](conn)
    conn.execute("INSERT INTO users (token_hash, created_at, expires_at) VALUES (?, ?, NULL)", (hash_token("t"), NOW))
    conn.commit()
    conn.close()
    s = Store(tmp_path, clock=lambda: NOW)
    assert s.schema_version() == SCHEMA_VERSION
    uid = s.user_for_token("t")  # the old user survives the upgrade
    sess = s.create_session(uid, ["q1"], {})
    assert sess.hints_current == 0
    s.close()


def test_tokens_are_hashed_and_isolated(tmp_path):
    s = Store(tmp_path, clock=lambda: NOW)
    a, ta = s.create_user()
    b, tb = s.create_user()
    assert len(ta) >= 43 and ta != tb
    stored = [r[0] for r in s.conn.execute("SELECT token_hash FROM users")]
    assert ta not in stored and hash_token(ta) in stored
    sa = s.create_session(s.user_for_token(ta), ["q1", "q2"], {"n": 2})
    assert s.get_session(a, sa.id).question_ids == ["q1", "q2"]
    with pytest.raises(NotFoundError):
        s.get_session(b, sa.id)
    with pytest.raises(AuthError, match="unknown"):
        s.user_for_token("not-a-token")
    s.expire_user(a, NOW - 1)
    with pytest.raises(AuthError, match="expired"):
        s.user_for_token(ta)
    s.close()


def test_record_answer_is_atomic_and_csv_export(tmp_path):
    s = Store(tmp_path, clock=lambda: NOW)
    uid, _ = s.create_user()
    sess = s.create_session(uid, ["q1", "q2"], {})
    card = review(CardState(), 4, NOW, 8.0)
    fb = {"key_points": [{"covered": True}, {"covered": False}]}
    s.record_answer(uid, sess.id, 0, "q1", "my answer", 8.0, False, fb, card)
    with pytest.raises(ConflictError):  # the same position twice is refused, nothing half-written
        s.record_answer(uid, sess.id, 0, "q1", "again", 1.0, False, fb, card)
    assert len(s.answers(uid)) == 1 and s.get_session(uid, sess.id).position == 1
    assert s.card(uid, "q1").last_score == 8.0
    s.record_answer(uid, sess.id, 1, "q2", "", 0.0, True, {}, review(CardState(), 0, NOW, 0.0))
    assert s.get_session(uid, sess.id).finished
    text = answers_csv(s.answers(uid), lambda q: ["evaluation"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["question_id"] for r in rows] == ["q1", "q2"]
    assert rows[0]["score"] == "8.0" and rows[0]["covered"] == "1" and rows[0]["missed"] == "1"
    assert rows[1]["skipped"] == "1" and rows[0]["topics"] == "evaluation"
    s.close()
