"""Storage for mock interviews: users, sessions, graded answers and spaced-repetition cards.

:class:`InterviewStore` is the interface the service uses; :func:`open_store` picks the implementation from
``MLNOTES_DATABASE_URL``: unset, the SQLite :class:`Store` below (the embedded default, one file per data dir);
``postgresql://...``, :class:`mlnotes.assistant.interview.store_pg.PgStore`, which several app replicas can share.

The SQLite store:

* One file, ``<data_dir>/interview.sqlite3``, in WAL mode (readers never block the writer; a crash loses at
  most the transaction in flight).
* The schema is versioned: table ``schema_version`` holds the version, :data:`MIGRATIONS` are ordered functions
  applied in one transaction each, so an old file is upgraded in place and an empty one built from scratch.
* A user is identified by a bearer token from :func:`secrets.token_urlsafe` (32 bytes); only its SHA-256 is
  stored. Every read of a session is scoped by the user, so one user cannot see another's sessions: a foreign
  or unknown session id is "not found".
* Each graded answer is committed in its own transaction together with its card update and the session's
  position, so stopping the server mid-session loses at most the answer being graded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mlnotes.assistant.interview.srs import CardState

DB_NAME = "interview.sqlite3"


class StoreError(Exception):
    """A request the interview cannot serve; the message says what to fix (the REST layer maps each subclass
    to an HTTP status in ``interview/api.py``)."""


class AuthError(StoreError):
    """Missing, unknown or expired token."""


class NotFoundError(StoreError):
    """No such session for this token."""


class ConflictError(StoreError):
    """The session moved on (answered twice, question removed)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (server down, wrong credentials); the request may be retried later (503)."""


# ------------------------------------------------------------------------------------------------ migrations


def _m1_core(c: sqlite3.Connection) -> None:
    c.execute("""CREATE TABLE users (
        id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, expires_at REAL)""")
    c.execute("""CREATE TABLE sessions (
        id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at REAL NOT NULL, params TEXT NOT NULL, question_ids TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0, finished_at REAL)""")
    c.execute("""CREATE TABLE answers (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, position INTEGER NOT NULL,
        question_id TEXT NOT NULL, answer TEXT NOT NULL, score REAL NOT NULL, skipped INTEGER NOT NULL,
        feedback TEXT NOT NULL, created_at REAL NOT NULL, UNIQUE (session_id, position))""")
    c.execute("CREATE INDEX sessions_user ON sessions(user_id)")


def _m2_cards(c: sqlite3.Connection) -> None:
    c.execute("""CREATE TABLE cards (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, question_id TEXT NOT NULL,
        ef REAL NOT NULL, reps INTEGER NOT NULL, interval_days REAL NOT NULL, due_at REAL NOT NULL,
        last_score REAL, n_seen INTEGER NOT NULL, PRIMARY KEY (user_id, question_id))""")


def _m3_hints(c: sqlite3.Connection) -> None:
    c.execute("ALTER TABLE sessions ADD COLUMN hints_current INTEGER NOT NULL DEFAULT 0")
    c.execute("ALTER TABLE answers ADD COLUMN hints INTEGER NOT NULL DEFAULT 0")
    c.execute("CREATE INDEX answers_user_time ON answers(user_id, created_at)")


def _m4_fsrs(c: sqlite3.Connection) -> None:
    """SM-2 to FSRS: new columns for FSRS's memory state, and every card rebuilt by replaying the user's logged
    answers to its question through FSRS (the SM-2 columns ``ef`` and ``reps`` stay, unused)."""
    from mlnotes.assistant.interview.srs import replay

    for col, typ in (("stability", "REAL"), ("difficulty", "REAL"), ("fsrs_state", "INTEGER NOT NULL DEFAULT 0"),
                     ("last_review", "REAL")):
        c.execute(f"ALTER TABLE cards ADD COLUMN {col} {typ}")
    events: dict[tuple[int, str], list[tuple[float, float | None, bool]]] = {}
    for r in c.execute("SELECT user_id, question_id, created_at, score, skipped FROM answers ORDER BY created_at, id"):
        events.setdefault((r[0], r[1]), []).append((float(r[2]), float(r[3]), bool(r[4])))
    for (uid, qid), evs in events.items():
        card = replay(evs)
        c.execute("INSERT INTO cards (user_id, question_id, ef, reps, interval_days, due_at, last_score, n_seen, "
                  "stability, difficulty, fsrs_state, last_review) VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (user_id, question_id) DO UPDATE SET interval_days = excluded.interval_days, "
                  "due_at = excluded.due_at, last_score = excluded.last_score, n_seen = excluded.n_seen, "
                  "stability = excluded.stability, difficulty = excluded.difficulty, "
                  "fsrs_state = excluded.fsrs_state, last_review = excluded.last_review",
                  (uid, qid, card.interval_days, card.due_at, card.last_score, card.n_seen, card.stability,
                   card.difficulty, card.state, card.last_review))


#: Ordered schema migrations; migration ``i`` (1-based) takes the schema from version ``i - 1`` to ``i``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_m1_core, _m2_cards, _m3_hints, _m4_fsrs)
SCHEMA_VERSION = len(MIGRATIONS)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class SessionRow:
    id: str
    user_id: int
    created_at: float
    params: dict[str, Any]
    question_ids: list[str]
    position: int
    finished_at: float | None
    hints_current: int

    @property
    def finished(self) -> bool:
        return self.position >= len(self.question_ids)


@runtime_checkable
class InterviewStore(Protocol):
    """What the interview service needs from its storage; :class:`Store` (SQLite) and
    :class:`mlnotes.assistant.interview.store_pg.PgStore` (PostgreSQL) implement it with the same behaviour: the same
    errors (:class:`AuthError`, :class:`NotFoundError`, :class:`ConflictError`, and :class:`StoreUnavailable`
    when the database cannot be reached), and each graded answer stored with its card and the session's new
    position in one transaction."""

    clock: Callable[[], float]

    def describe(self) -> str: ...
    def ping(self) -> None: ...
    def schema_version(self) -> int: ...
    def close(self) -> None: ...
    def create_user(self) -> tuple[int, str]: ...
    def user_for_token(self, token: str | None) -> int: ...
    def expire_user(self, user_id: int, when: float | None = None) -> None: ...
    def create_session(self, user_id: int, question_ids: list[str], params: dict[str, Any]) -> SessionRow: ...
    def get_session(self, user_id: int, session_id: str) -> SessionRow: ...
    def list_sessions(self, user_id: int) -> list[SessionRow]: ...
    def add_hint(self, user_id: int, session_id: str, position: int) -> int: ...
    def card(self, user_id: int, question_id: str) -> CardState | None: ...
    def cards(self, user_id: int) -> dict[str, CardState]: ...
    def record_answer(self, user_id: int, session_id: str, position: int, question_id: str, answer: str,
                      score: float, skipped: bool, feedback: dict[str, Any], card: CardState) -> None: ...
    def answers(self, user_id: int, session_id: str | None = None) -> list[dict[str, Any]]: ...


def open_store(data_dir: Path | str, database_url: str | None = None, clock: Callable[[], float] = time.time,
               token_ttl_days: float = 365.0) -> InterviewStore:
    """The PostgreSQL store when ``database_url`` is given (``postgresql://user:password@host:port/db``), else the
    SQLite one in ``data_dir``. Neither connects here: the first use does (and migrates), so a database that is
    down at start makes requests fail with :class:`StoreUnavailable` until it is back."""
    if database_url:
        from mlnotes.assistant.interview.store_pg import PgStore

        return PgStore(database_url, clock=clock, token_ttl_days=token_ttl_days)
    return Store(data_dir, clock=clock, token_ttl_days=token_ttl_days)


class Store:
    """The SQLite implementation of :class:`InterviewStore` (see the module's docstring)."""

    def __init__(self, data_dir: Path | str, clock: Callable[[], float] = time.time,
                 token_ttl_days: float = 365.0) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self.clock = clock
        self.token_ttl_days = token_ttl_days
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None  # opened (and the file created) on first use

    # -- connection and schema
    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
            self._migrate(conn)
        return self._conn

    @property
    def conn(self) -> sqlite3.Connection:
        with self._lock:
            return self._connect()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = 0
        else:
            version = int(row[0])
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {version}, newer than this program "
                             f"({SCHEMA_VERSION}); upgrade ML/AI Notes")
        for v in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[v](conn)
                conn.execute("UPDATE schema_version SET version = ?", (v + 1,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        return int(self.conn.execute("SELECT version FROM schema_version").fetchone()[0])

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def ping(self) -> None:
        with self._lock:
            self.conn.execute("SELECT 1").fetchone()

    def journal_mode(self) -> str:
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- users
    def create_user(self) -> tuple[int, str]:
        """A new user and its token (shown once; only the hash is kept)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + self.token_ttl_days * 86400.0 if self.token_ttl_days else None
        with self._lock:
            cur = self.conn.execute("INSERT INTO users (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
                                    (hash_token(token), now, expires))
        return int(cur.lastrowid), token

    def user_for_token(self, token: str | None) -> int:
        if not token or not isinstance(token, str) or len(token) > 200:
            raise AuthError("missing interview token; create one with POST /api/interview/users and send it in "
                            "the X-Interview-Token header")
        with self._lock:
            row = self.conn.execute("SELECT id, expires_at FROM users WHERE token_hash = ?",
                                    (hash_token(token),)).fetchone()
        if row is None:
            raise AuthError("unknown interview token; create a new one with POST /api/interview/users")
        if row["expires_at"] is not None and row["expires_at"] <= self.clock():
            raise AuthError("the interview token has expired; create a new one with POST /api/interview/users")
        return int(row["id"])

    def expire_user(self, user_id: int, when: float | None = None) -> None:
        with self._lock:
            self.conn.execute("UPDATE users SET expires_at = ? WHERE id = ?",
                              (self.clock() if when is None else when, user_id))

    # -- sessions
    def create_session(self, user_id: int, question_ids: list[str], params: dict[str, Any]) -> SessionRow:
        sid = secrets.token_urlsafe(12)
        now = self.clock()
        with self._lock:
            self.conn.execute(
                "INSERT INTO sessions (id, user_id, created_at, params, question_ids) VALUES (?, ?, ?, ?, ?)",
                (sid, user_id, now, json.dumps(params), json.dumps(question_ids)))
        return self.get_session(user_id, sid)

    def get_session(self, user_id: int, session_id: str) -> SessionRow:
        with self._lock:
            row = self.conn.execute("SELECT * FROM sessions WHERE id = ? AND user_id = ?",
                                    (session_id, user_id)).fetchone()
        if row is None:
            raise NotFoundError(f"no interview session {session_id!r} for this token")
        return SessionRow(id=row["id"], user_id=row["user_id"], created_at=row["created_at"],
                          params=json.loads(row["params"]), question_ids=json.loads(row["question_ids"]),
                          position=row["position"], finished_at=row["finished_at"],
                          hints_current=row["hints_current"])

    def list_sessions(self, user_id: int) -> list[SessionRow]:
        with self._lock:
            ids = [r[0] for r in self.conn.execute(
                "SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at", (user_id,))]
        return [self.get_session(user_id, i) for i in ids]

    def add_hint(self, user_id: int, session_id: str, position: int) -> int:
        with self._lock:
            cur = self.conn.execute(
                "UPDATE sessions SET hints_current = hints_current + 1 WHERE id = ? AND user_id = ? AND position = ?",
                (session_id, user_id, position))
            if cur.rowcount != 1:
                raise ConflictError("the session moved on; fetch the current question again")
            return int(self.conn.execute("SELECT hints_current FROM sessions WHERE id = ?",
                                         (session_id,)).fetchone()[0])

    # -- answers and cards
    def card(self, user_id: int, question_id: str) -> CardState | None:
        with self._lock:
            row = self.conn.execute("SELECT * FROM cards WHERE user_id = ? AND question_id = ?",
                                    (user_id, question_id)).fetchone()
        return None if row is None else _card(row)

    def cards(self, user_id: int) -> dict[str, CardState]:
        with self._lock:
            rows = self.conn.execute("SELECT * FROM cards WHERE user_id = ?", (user_id,)).fetchall()
        return {r["question_id"]: _card(r) for r in rows}

    def record_answer(self, user_id: int, session_id: str, position: int, question_id: str, answer: str,
                      score: float, skipped: bool, feedback: dict[str, Any], card: CardState) -> None:
        """Store one graded answer, its card and the session's new position in ONE transaction."""
        now = self.clock()
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT position, question_ids, hints_current FROM sessions "
                                "WHERE id = ? AND user_id = ?", (session_id, user_id)).fetchone()
                if row is None:
                    raise NotFoundError(f"no interview session {session_id!r} for this token")
                if row["position"] != position:
                    raise ConflictError("this question was already answered; fetch the current question again")
                n = len(json.loads(row["question_ids"]))
                c.execute("INSERT INTO answers (session_id, user_id, position, question_id, answer, score, skipped, "
                          "feedback, created_at, hints) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (session_id, user_id, position, question_id, answer, score, int(skipped),
                           json.dumps(feedback), now, row["hints_current"]))
                c.execute("INSERT INTO cards (user_id, question_id, ef, reps, interval_days, due_at, last_score, "
                          "n_seen, stability, difficulty, fsrs_state, last_review) "
                          "VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, question_id) DO UPDATE "
                          "SET interval_days = excluded.interval_days, due_at = excluded.due_at, "
                          "last_score = excluded.last_score, n_seen = excluded.n_seen, "
                          "stability = excluded.stability, difficulty = excluded.difficulty, "
                          "fsrs_state = excluded.fsrs_state, last_review = excluded.last_review",
                          (user_id, question_id, card.interval_days, card.due_at, card.last_score, card.n_seen,
                           card.stability, card.difficulty, card.state, card.last_review))
                c.execute("UPDATE sessions SET position = position + 1, hints_current = 0, finished_at = ? "
                          "WHERE id = ?", (now if position + 1 >= n else None, session_id))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def answers(self, user_id: int, session_id: str | None = None) -> list[dict[str, Any]]:
        q = "SELECT * FROM answers WHERE user_id = ?"
        args: list[Any] = [user_id]
        if session_id is not None:
            q += " AND session_id = ?"
            args.append(session_id)
        with self._lock:
            rows = self.conn.execute(q + " ORDER BY created_at, id", args).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["feedback"] = json.loads(d["feedback"])
            d["skipped"] = bool(d["skipped"])
            out.append(d)
        return out


def _card(r: sqlite3.Row) -> CardState:
    return CardState(stability=r["stability"], difficulty=r["difficulty"], state=r["fsrs_state"],
                     interval_days=r["interval_days"], due_at=r["due_at"], last_review=r["last_review"],
                     last_score=r["last_score"], n_seen=r["n_seen"])


def answers_csv(rows: list[dict[str, Any]], topics_of: Callable[[str], list[str]] | None = None) -> str:
    """CSV of answers: one row per graded or skipped answer, oldest first."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["answered_at_utc", "session_id", "position", "question_id", "topics", "score", "skipped", "hints",
                "covered", "missed"])
    for r in rows:
        fb = r.get("feedback") or {}
        kps = fb.get("key_points", [])
        w.writerow([time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r["created_at"])), r["session_id"],
                    r["position"] + 1, r["question_id"],
                    ";".join(topics_of(r["question_id"]) if topics_of else []), f"{r['score']:.1f}",
                    int(r["skipped"]), r.get("hints", 0), sum(bool(k.get("covered")) for k in kps),
                    sum(not k.get("covered") for k in kps)])
    return buf.getvalue()
