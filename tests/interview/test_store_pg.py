"""The PostgreSQL interview store against a real server: the same schema and the same results as SQLite, races
between two stores (two app replicas) on one database, and what a user sees when the server is down, refuses
the credentials or comes back: a clear error naming the URL with its password masked, a 503, then recovery."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from mlnotes.assistant.interview.srs import DAY, CardState, review
from mlnotes.assistant.interview.store import (
    ConflictError,
    InterviewStore,
    NotFoundError,
    Store,
    StoreError,
    StoreUnavailable,
    open_store,
)
from tests.browser_support import free_port
from tests.interview.test_api import _start, _user
from tests.pg_support import PASSWORD, start_server

NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def own_server():
    """A cluster of this module's own, which the recovery tests stop and start again."""
    yield from start_server()


def scenario(s: InterviewStore, clock) -> list:
    """A fixed sequence of calls; everything it returns except ids and tokens must be equal across stores."""
    out: list = []
    uid, token = s.create_user()
    other, _ = s.create_user()
    out.append(s.user_for_token(token) == uid)
    a = s.create_session(uid, ["q1", "q2", "q3"], {"n": 3, "topics": ["x"]})
    b = s.create_session(uid, ["q2"], {"n": 1})  # same clock tick: listed after a
    out.append([x.id for x in s.list_sessions(uid)] == [a.id, b.id])
    out.append((a.params, a.question_ids, a.position, a.finished_at, a.hints_current, a.created_at))
    out += [s.add_hint(uid, a.id, 0), s.add_hint(uid, a.id, 0)]
    with pytest.raises(ConflictError):
        s.add_hint(uid, a.id, 1)
    with pytest.raises(NotFoundError):
        s.get_session(other, a.id)
    with pytest.raises(NotFoundError):
        s.record_answer(other, a.id, 0, "q1", "x", 1.0, False, {}, CardState())
    c1 = review(CardState(), 3, clock.t, 7.5)
    s.record_answer(uid, a.id, 0, "q1", "first", 7.5, False, {"key_points": [{"covered": True}]}, c1)
    clock.t += DAY
    s.record_answer(uid, a.id, 1, "q2", "", 0.0, True, {}, review(CardState(), 1, clock.t, 0.0))
    clock.t += 3 * DAY
    s.record_answer(uid, a.id, 2, "q1", "again", 9.0, False, {}, review(c1, 4, clock.t, 9.0))
    s.record_answer(uid, b.id, 0, "q2", "b", 5.0, False, {}, review(CardState(), 2, clock.t, 5.0))
    done = s.get_session(uid, a.id)
    out.append((done.position, done.finished, done.finished_at, done.hints_current))
    out.append(sorted((k, vars(v)) for k, v in s.cards(uid).items()))
    out.append(vars(s.card(uid, "q1")))
    out.append(s.card(uid, "nope"))
    for row in s.answers(uid):
        out.append({k: v for k, v in row.items() if k not in ("id", "session_id")})
    out.append(len(s.answers(uid, b.id)))
    s.expire_user(uid)
    out.append(s.cards(other))
    return out


class Clock:
    def __init__(self) -> None:
        self.t = NOW

    def __call__(self) -> float:
        return self.t


def test_postgres_gives_the_same_results_as_sqlite(tmp_path, pg_server):
    """SQLite is the reference: the same calls on both stores return the same rows, cards and errors."""
    ref_clock, pg_clock = Clock(), Clock()
    ref = Store(tmp_path, clock=ref_clock)
    pg = open_store(tmp_path, pg_server.create_database(), clock=pg_clock)
    try:
        assert isinstance(ref, InterviewStore) and isinstance(pg, InterviewStore)
        assert scenario(pg, pg_clock) == scenario(ref, ref_clock)
    finally:
        ref.close()
        pg.close()


def test_the_same_schema_as_sqlite(tmp_path, pg_server):
    ref = Store(tmp_path)
    ref.ping()
    pg = open_store(tmp_path, pg_server.create_database())
    pg.ping()
    want = {}
    for t in ("users", "sessions", "answers", "cards"):
        for r in ref.conn.execute(f"PRAGMA table_info({t})"):
            want[(t, r["name"])] = (r["type"].split()[0], bool(r["notnull"]) or bool(r["pk"]))
    import psycopg

    with psycopg.connect(pg.url) as c:
        rows = c.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                         "WHERE table_schema = 'public' AND table_name <> 'mlnotes_migrations'").fetchall()
    pg_types = {"REAL": "double precision", "INTEGER": "integer", "TEXT": "text"}
    got = {(t, c): (dt, nullable == "NO") for t, c, dt, nullable in rows if c != "seq"}
    assert set(got) == set(want)
    for key, (typ, notnull) in want.items():
        # SQLite's INTEGER PRIMARY KEY ids are 64-bit; PostgreSQL's ids and user_id references are bigint
        assert got[key][0] in (pg_types[typ], "bigint" if typ == "INTEGER" else None), key
        assert got[key][1] == notnull, key
    ref.close()
    pg.close()


def test_replicas_migrating_at_once_apply_each_migration_once(pg_server):
    url = pg_server.create_database()
    stores = [open_store("unused", url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def go(s):
        barrier.wait()
        try:
            s.ping()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    import psycopg

    with psycopg.connect(url) as c:
        rows = c.execute("SELECT version, name FROM mlnotes_migrations ORDER BY version").fetchall()
    assert rows == [(1, "m1_core"), (2, "m2_cards"), (3, "m3_hints"), (4, "m4_fsrs")]
    for s in stores:
        s.close()


def test_a_newer_schema_is_refused(pg_server):
    url = pg_server.create_database()
    s = open_store("unused", url)
    s.ping()
    import psycopg

    with psycopg.connect(url) as c:
        c.execute("INSERT INTO mlnotes_migrations VALUES (99, 'from the future', 0)")
    s2 = open_store("unused", url)
    with pytest.raises(StoreError, match="newer than this program"):
        s2.ping()
    s.close()
    s2.close()


def test_two_stores_answering_the_same_question_at_once_store_it_once(make_store):
    """Two stores on one database (two replicas) race on the same position: one wins, the other conflicts,
    the session moves on by exactly one, whatever the interleaving (20 rounds)."""
    a = make_store(clock=lambda: NOW)
    b = make_store(data_dir=getattr(a, "data_dir", None), url=getattr(a, "url", None), clock=lambda: NOW)
    uid, _ = a.create_user()
    sess = a.create_session(uid, [f"q{i}" for i in range(20)], {})
    for pos in range(20):
        barrier = threading.Barrier(2)
        results: list[str] = []

        def answer(store, who, pos=pos, barrier=barrier, results=results):
            barrier.wait()
            try:
                store.record_answer(uid, sess.id, pos, f"q{pos}", who, 5.0, False, {},
                                    review(CardState(), 3, NOW, 5.0))
                results.append("ok")
            except ConflictError:
                results.append("conflict")

        threads = [threading.Thread(target=answer, args=(s, w)) for s, w in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["conflict", "ok"], (pos, results)
    rows = b.answers(uid, sess.id)
    assert [r["position"] for r in rows] == list(range(20))
    assert b.get_session(uid, sess.id).position == 20 and b.get_session(uid, sess.id).finished


def test_unreachable_server_and_wrong_password_name_the_url_without_the_password(pg_server):
    dead = f"postgresql://mlnotes:{PASSWORD}@127.0.0.1:{free_port()}/mlnotes"
    s = open_store("unused", dead)
    with pytest.raises(StoreUnavailable) as e:
        s.create_user()
    msg = str(e.value)
    assert f"postgresql://mlnotes:***@127.0.0.1:{dead.split(':')[3].split('/')[0]}/mlnotes" in msg
    assert PASSWORD not in msg and "MLNOTES_DATABASE_URL" in msg
    wrong = pg_server.url(password="not-the-password")
    s = open_store("unused", wrong)
    with pytest.raises(StoreUnavailable) as e:
        s.ping()
    assert "password authentication failed" in str(e.value) and "not-the-password" not in str(e.value)
    assert "mlnotes:***@" in str(e.value)
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        open_store("unused", "mysql://root:hunter2@db/x")
    for bad in ("postgresql://u:hunter2@[bad/db", "postgresql://u:hunter2@host/db?foo=bar"):
        with pytest.raises(StoreError, match="not a valid PostgreSQL URL") as e:
            open_store("unused", bad)
        assert "hunter2" not in str(e.value) and "u:***@" in str(e.value)
    s = open_store("unused", "postgresql://u:hunter2@127.0.0.1:notaport/db")  # libpq checks the port
    with pytest.raises(StoreUnavailable, match="port") as e:
        s.ping()
    assert "hunter2" not in str(e.value)


def test_mask_url():
    from mlnotes.assistant.interview.store_pg import mask_url

    assert mask_url("postgresql://me:s3cr:et@h:5432/db") == "postgresql://me:***@h:5432/db"
    assert mask_url("postgresql://me@h/db") == "postgresql://me@h/db"  # no password, nothing to hide
    assert mask_url("host=h password=s3cret dbname=x") == "host=h password=*** dbname=x"
    assert mask_url('bad URI: "postgresql://u:p@[x/db"') == 'bad URI: "postgresql://u:***@[x/db"'


def test_recovers_when_the_server_comes_back(own_server):
    s = open_store("unused", own_server.create_database())
    uid, token = s.create_user()
    own_server.stop()
    try:
        with pytest.raises(StoreUnavailable, match="unavailable"):
            s.user_for_token(token)
        with pytest.raises(StoreUnavailable):  # and again: nothing is cached as broken for good
            s.create_user()
    finally:
        own_server.start()
    assert s.user_for_token(token) == uid  # the next request reconnects
    # a restart while the store is idle: its pooled connections are dead, and no request notices
    busy = threading.Barrier(3)

    def hold():  # three transactions at once leave three connections in the pool
        with s._tx() as c:
            busy.wait()
            c.execute("SELECT 1")

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s._idle) == 3
    own_server.stop()
    own_server.start()
    time.sleep(1.1)  # idle past VALIDATE_AFTER_S
    for _ in range(4):
        assert s.user_for_token(token) == uid
    s.close()


def test_api_answers_503_while_the_database_is_down_and_recovers(make_client, own_server):
    store = open_store("unused", own_server.create_database())
    c = make_client(store=store)
    h = _user(c)
    sid = _start(c, h, n=2)["session_id"]
    own_server.stop()
    try:
        for r in (c.post("/api/interview/users"), c.get(f"/api/interview/sessions/{sid}", headers=h),
                  c.post(f"/api/interview/sessions/{sid}/skip", headers=h)):
            assert r.status_code == 503, r.text
            err = r.json()["error"]
            assert "postgresql://mlnotes:***@127.0.0.1" in err and "Traceback" not in r.text
            assert PASSWORD not in r.text and r.headers.get("retry-after") == "5"
    finally:
        own_server.start()
    v = c.get(f"/api/interview/sessions/{sid}", headers=h)
    assert v.status_code == 200 and v.json()["answered"] == 0  # nothing was half-written while it was down
    assert c.post(f"/api/interview/sessions/{sid}/skip", headers=h).status_code == 200


def test_a_session_started_through_one_app_continues_through_another(make_client, pg_server, tmp_path):
    """In-process version of tests/scaleout: two apps with separate data dirs, one PostgreSQL database."""
    url = pg_server.create_database()
    c1 = make_client(tmp_path / "d1", store=open_store(tmp_path / "d1", url))
    c2 = make_client(tmp_path / "d2", store=open_store(tmp_path / "d2", url))
    h = _user(c1)
    sid = _start(c1, h, n=3)["session_id"]
    assert c1.post(f"/api/interview/sessions/{sid}/skip", headers=h).status_code == 200
    v = c2.get(f"/api/interview/sessions/{sid}", headers=h).json()
    assert v["answered"] == 1 and v["question"]["position"] == 2
    assert c2.post(f"/api/interview/sessions/{sid}/skip", headers=h).status_code == 200
    assert c1.get(f"/api/interview/sessions/{sid}", headers=h).json()["answered"] == 2  # and back
    assert not any((tmp_path / d / "interview.sqlite3").exists() for d in ("d1", "d2"))


def test_sqlite_is_still_the_default(tmp_path):
    s = open_store(tmp_path)
    assert isinstance(s, Store) and s.describe().startswith("SQLite")
    s.ping()
    assert sqlite3.connect(tmp_path / "interview.sqlite3").execute("SELECT COUNT(*) FROM users").fetchone() == (0,)
    s.close()


def test_the_app_starts_with_the_database_down_and_says_so(answerer, bank, corpus_dir, tmp_path, own_server):
    """build_interview: an unreachable server is logged once with the masked URL; the service is still built, so
    requests answer 503 until the server is reachable and then work, without a restart."""
    from mlnotes.assistant.services import build_interview
    from mlnotes.assistant.settings import Settings

    url = own_server.create_database()
    own_server.stop()
    logs: list[str] = []
    try:
        settings = Settings(corpus_dir=corpus_dir, data_dir=tmp_path / "data", database_url=url)
        svc = build_interview(settings, answerer, bank, log=logs.append)
        assert svc is not None
        assert any("not reachable yet" in m and "mlnotes:***@127.0.0.1" in m for m in logs), logs
        assert not any(PASSWORD in m for m in logs)
        with pytest.raises(StoreUnavailable):
            svc.create_user()
    finally:
        own_server.start()
    assert svc.create_user()["token"]
    svc.close()
    assert not (tmp_path / "data" / "interview.sqlite3").exists()
