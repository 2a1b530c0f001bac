"""FSRS scheduling (checked against the fsrs library), the SM-2 to FSRS migration, and the interview store:
migrations, WAL, token hashing and isolation, CSV export. The store tests taking ``make_store`` run against both
implementations, SQLite and a real PostgreSQL server (tests/pg_support.py)."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from mlnotes.assistant.interview.srs import DAY, CardState, due_order, rating, replay, retrievability, review
from mlnotes.assistant.interview.store import (
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


def _fsrs_reference(ratings, times):
    """The same reviews driven through the fsrs library directly (the independent reference)."""
    from datetime import UTC, datetime

    from fsrs import Card, Rating, Scheduler

    sch = Scheduler(desired_retention=0.9, learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card = Card(card_id=1)
    for r, t in zip(ratings, times):
        card, _ = sch.review_card(card, Rating(r), datetime.fromtimestamp(t, tz=UTC))
    return card


def test_review_matches_the_fsrs_library():
    ratings, times = [3, 3, 1, 2, 4], []
    c, t = CardState(), NOW
    for r in ratings:
        times.append(t)
        c = review(c, r, t)
        t = c.due_at  # answered exactly when due
    ref = _fsrs_reference(ratings, times)
    assert c.stability == pytest.approx(ref.stability) and c.difficulty == pytest.approx(ref.difficulty)
    assert c.due_at == pytest.approx(ref.due.timestamp()) and c.n_seen == 5 and c.state == ref.state.value


def test_intervals_grow_on_success_and_shrink_on_failure():
    c, t, intervals = CardState(), NOW, []
    for _ in range(4):
        c = review(c, 3, t)
        intervals.append(c.interval_days)
        t = c.due_at
    assert intervals == sorted(intervals) and intervals[0] >= 1 and intervals[-1] > 20
    f = review(c, 1, t)
    assert f.interval_days < intervals[-1] and f.stability < c.stability
    assert f.interval_days >= 1  # no minute-scale learning steps


def test_rating_mapping():
    assert [rating(s) for s in (0, 2.9, 3, 5.4, 5.5, 8.4, 8.5, 10)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert rating(9.0, skipped=True) == 1
    with pytest.raises(ValueError):
        review(CardState(), 5, NOW)
    with pytest.raises(ValueError):
        rating(11)


def test_replay_equals_reviews_in_time_order():
    events = [(NOW + 3 * DAY, 9.0, False), (NOW, 2.0, False), (NOW + DAY, 0.0, True)]
    c = replay(events)
    ref = _fsrs_reference([1, 1, 4], [NOW, NOW + DAY, NOW + 3 * DAY])
    assert c.stability == pytest.approx(ref.stability) and c.n_seen == 3 and c.last_score == 9.0
    # FSRS's forgetting curve in closed form, R(t) = (1 + F t / S) ** -w20 with F = 0.9 ** (-1 / w20) - 1, so
    # that R = 0.9 after S days (t in whole days, as the library counts them)
    from mlnotes.assistant.interview.srs import scheduler

    w20 = scheduler().parameters[20]
    for days in (0, 1, 5, 30):
        closed = (1 + (0.9 ** (-1 / w20) - 1) * days / c.stability) ** -w20
        assert retrievability(c, c.last_review + days * DAY) == pytest.approx(closed, rel=1e-6)
    assert retrievability(CardState(), NOW) is None


def test_due_ordering():
    cards = {
        "late": CardState(difficulty=7.0, state=2, stability=1.0, n_seen=2, due_at=NOW - 5 * DAY),
        "just_due": CardState(difficulty=5.0, state=2, stability=1.0, n_seen=1, due_at=NOW - DAY),
        "future": CardState(difficulty=5.0, state=2, stability=3.0, n_seen=3, due_at=NOW + 3 * DAY),
        "far": CardState(difficulty=5.0, state=2, stability=30.0, n_seen=3, due_at=NOW + 30 * DAY),
    }
    order = due_order(cards, ["far", "new1", "future", "just_due", "new2", "late"], NOW)
    assert order == ["late", "just_due", "new1", "new2", "future", "far"]


def test_upgrade_from_sm2_rebuilds_fsrs_cards_from_the_log(tmp_path):
    """A version-3 database (SM-2 cards) is migrated: every card is rebuilt by replaying its answers."""
    db = tmp_path / "interview.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (3)")
    for m in MIGRATIONS[:3]:
        m(conn)
    conn.execute("INSERT INTO users (id, token_hash, created_at, expires_at) VALUES (1, ?, ?, NULL)",
                 (hash_token("t"), NOW))
    conn.execute("INSERT INTO sessions (id, user_id, created_at, params, question_ids, position) "
                 "VALUES ('s', 1, ?, '{}', '[\"q1\", \"q2\", \"q1\"]', 3)", (NOW,))
    log = [(0, "q1", 8.0, 0, NOW), (1, "q2", 0.0, 1, NOW + 60), (2, "q1", 4.0, 0, NOW + 2 * DAY)]
    for pos, qid, score, skipped, t in log:
        conn.execute("INSERT INTO answers (session_id, user_id, position, question_id, answer, score, skipped, "
                     "feedback, created_at) VALUES ('s', 1, ?, ?, 'a', ?, ?, '{}', ?)", (pos, qid, score, skipped, t))
    # the SM-2 cards as the old code left them
    conn.execute("INSERT INTO cards VALUES (1, 'q1', 2.36, 0, 1.0, ?, 4.0, 2)", (NOW + 3 * DAY,))
    conn.execute("INSERT INTO cards VALUES (1, 'q2', 1.7, 0, 1.0, ?, 0.0, 1)", (NOW + DAY,))
    conn.commit()
    conn.close()
    s = Store(tmp_path, clock=lambda: NOW + 2 * DAY)
    assert s.schema_version() == SCHEMA_VERSION == 4
    uid = s.user_for_token("t")
    cards = s.cards(uid)
    ref1 = _fsrs_reference([3, 2], [NOW, NOW + 2 * DAY])
    ref2 = _fsrs_reference([1], [NOW + 60])
    assert cards["q1"].stability == pytest.approx(ref1.stability)
    assert cards["q1"].due_at == pytest.approx(ref1.due.timestamp())
    assert cards["q1"].n_seen == 2 and cards["q1"].last_score == 4.0
    assert cards["q2"].stability == pytest.approx(ref2.stability) and cards["q2"].n_seen == 1
    s.close()


def query(store, sql: str) -> list[tuple]:
    """Rows of ``sql`` read straight from the store's database (not through the store)."""
    if isinstance(store, Store):
        return [tuple(r) for r in store.conn.execute(sql).fetchall()]
    import psycopg

    with psycopg.connect(store.url) as c:
        return [tuple(r) for r in c.execute(sql).fetchall()]


def table_names(store) -> set[str]:
    if isinstance(store, Store):
        return {r[0] for r in query(store, "SELECT name FROM sqlite_master WHERE type='table'")}
    return {r[0] for r in query(store, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_migrations_from_an_empty_db(make_store, tmp_path):
    s = make_store()
    assert s.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert {"users", "sessions", "answers", "cards"} <= table_names(s)
    assert ("schema_version" if make_store.kind == "sqlite" else "mlnotes_migrations") in table_names(s)
    if make_store.kind == "sqlite":
        assert s.journal_mode().lower() == "wal"
    else:  # one row per applied migration, in order
        assert [r[0] for r in query(s, "SELECT version FROM mlnotes_migrations ORDER BY version")] == [1, 2, 3, 4]
    s.close()
    # reopening runs no migration twice
    s2 = make_store(data_dir=tmp_path / "data", url=getattr(s, "url", None))
    assert s2.schema_version() == SCHEMA_VERSION
    if make_store.kind == "postgres":
        assert len(query(s2, "SELECT version FROM mlnotes_migrations")) == SCHEMA_VERSION


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


def test_tokens_are_hashed_and_isolated(make_store):
    s = make_store(clock=lambda: NOW)
    a, ta = s.create_user()
    b, tb = s.create_user()
    assert len(ta) >= 43 and ta != tb
    stored = [r[0] for r in query(s, "SELECT token_hash FROM users")]
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


def test_record_answer_is_atomic_and_csv_export(make_store):
    s = make_store(clock=lambda: NOW)
    uid, _ = s.create_user()
    sess = s.create_session(uid, ["q1", "q2"], {})
    card = review(CardState(), 3, NOW, 8.0)
    fb = {"key_points": [{"covered": True}, {"covered": False}]}
    s.record_answer(uid, sess.id, 0, "q1", "my answer", 8.0, False, fb, card)
    with pytest.raises(ConflictError):  # the same position twice is refused, nothing half-written
        s.record_answer(uid, sess.id, 0, "q1", "again", 1.0, False, fb, card)
    assert len(s.answers(uid)) == 1 and s.get_session(uid, sess.id).position == 1
    assert s.card(uid, "q1").last_score == 8.0
    s.record_answer(uid, sess.id, 1, "q2", "", 0.0, True, {}, review(CardState(), 1, NOW, 0.0))
    assert s.get_session(uid, sess.id).finished
    text = answers_csv(s.answers(uid), lambda q: ["evaluation"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["question_id"] for r in rows] == ["q1", "q2"]
    assert rows[0]["score"] == "8.0" and rows[0]["covered"] == "1" and rows[0]["missed"] == "1"
    assert rows[1]["skipped"] == "1" and rows[0]["topics"] == "evaluation"
    s.close()
