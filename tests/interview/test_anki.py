"""Anki export: the produced .apkg is opened as what it is (a zip holding an SQLite collection) and its notes
and fields are checked; bad output paths get a clear error; the CLI and REST routes work."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile

import pytest
from typer.testing import CliRunner

from mlnotes.assistant.interview.anki import FIELDS, ExportError, check_output_path, to_anki_html


def read_apkg(path, tmp_path):
    """Notes of an .apkg, read with zipfile and sqlite3 only: [(fields dict, tags, guid)] and the model."""
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist() and "media" in z.namelist()
        z.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    (model,) = [m for m in models.values() if m["name"] == "ML/AI Notes interview question"]
    names = [f["name"] for f in sorted(model["flds"], key=lambda f: f["ord"])]
    notes = [(dict(zip(names, flds.split("\x1f"))), tags.split(), guid)
             for flds, tags, guid in conn.execute("SELECT flds, tags, guid FROM notes ORDER BY id")]
    n_cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
    conn.close()
    return notes, names, n_cards, [d["name"] for d in decks.values()]


def test_math_code_and_html_for_anki():
    assert to_anki_html("the step is $2/\\lambda_{max}$ here") == "the step is \\(2/\\lambda_{max}\\) here"
    assert to_anki_html("$$a^2 + b^2$$") == "\\[a^2 + b^2\\]"
    assert to_anki_html("costs $5 and $6") == "costs $5 and $6"  # prices are not math
    assert to_anki_html("use `np.logaddexp` if x < 0 & y") == "use <code>np.logaddexp</code> if x &lt; 0 &amp; y"


def test_export_whole_bank_and_topic(make_service, bank, tmp_path):
    svc = make_service(tmp_path / "d")
    out = tmp_path / "deck.apkg"
    res = svc.export_anki(out)
    assert res["notes"] == len(bank) and out.exists()
    notes, names, n_cards, decks = read_apkg(out, tmp_path / "x1")
    assert names == list(FIELDS) and n_cards == len(bank) and "ML/AI Notes interview" in decks
    by_id = {f["QuestionId"]: (f, tags, guid) for f, tags, guid in notes}
    assert set(by_id) == {q.id for q in bank}
    for q in bank:
        f, tags, _ = by_id[q.id]
        assert f["Question"] == to_anki_html(q.question)
        assert f["Answer"] == to_anki_html(q.short_answer)
        assert f["KeyPoints"].count("<li>") == len(q.key_points)
        assert f'href="{svc.public_url}/?doc=' in f["Source"] and f"corpus/{q.path}" in f["Source"]
        assert set(q.topics) <= set(tags) and q.difficulty in tags
    # re-exporting overwrites its own package; a topic selects its questions only
    topic = bank[0].topics[0]
    res = svc.export_anki(out, topic=topic)
    notes, *_ = read_apkg(out, tmp_path / "x2")
    assert {f["QuestionId"] for f, _, _ in notes} == {q.id for q in bank if topic in q.topics}
    with pytest.raises(Exception, match="unknown topic"):
        svc.export_anki(out, topic="astrology")


def test_export_weak_questions(make_service, tmp_path):
    svc = make_service(tmp_path / "d")
    token = svc.create_user()["token"]
    with pytest.raises(Exception, match="no weak questions"):
        svc.export_anki(tmp_path / "w.apkg", token=token, weak=True)
    sid = svc.start(token, n=2, seed=1)["session_id"]
    first = svc.current(token, sid)["question"]["id"]
    svc.skip(token, sid)  # a skip scores 0: weak
    svc.answer(token, sid, "Precision is true positives divided by all predicted positives, and recall is true "
                           "positives divided by all actual positives. Recall matters when false negatives are "
                           "costly and precision matters when false positives are costly. Raising the decision "
                           "threshold usually increases precision and decreases recall.")
    cards = svc.store.cards(svc.store.user_for_token(token))
    expected = {qid for qid, c in cards.items() if c.last_score < 6.0}
    assert first in expected
    svc.export_anki(tmp_path / "w.apkg", token=token, weak=True)
    notes, *_ = read_apkg(tmp_path / "w.apkg", tmp_path / "xw")
    assert {f["QuestionId"] for f, _, _ in notes} == expected


@pytest.mark.parametrize("make_bad, message", [
    (lambda p: p / "deck.txt", "does not end in .apkg"),
    (lambda p: p / "missing" / "deck.apkg", "does not exist"),
    (lambda p: _made(p / "dir.apkg", lambda x: x.mkdir()), "not a file"),
    (lambda p: _made(p / "c.apkg", lambda x: x.write_bytes(b"\x00garbage")), "not an Anki package"),
    (lambda p: _zip(p / "f.apkg", {"readme.txt": "hi"}), "zip but not an Anki package"),
])
def test_bad_output_paths_get_a_clear_error(tmp_path, make_bad, message):
    path = make_bad(tmp_path)
    with pytest.raises(ExportError, match=message):
        check_output_path(path)


def _made(path, make):
    make(path)
    return path


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return path


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_unwritable_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="not writable"):
            check_output_path(ro / "deck.apkg")
    finally:
        ro.chmod(0o700)


def test_unwritable_path_as_root_is_still_a_clear_error(make_service, tmp_path):
    # /proc is not writable even for root: the export must fail with ExportError, never a traceback
    svc = make_service(tmp_path / "d")
    with pytest.raises(ExportError):
        svc.export_anki("/proc/deck.apkg")


def test_cli_export(monkeypatch, tmp_path, make_service, bank):
    from mlnotes.assistant.cli import app
    from mlnotes.assistant.interview import cli as icli
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setenv("MLNOTES_DATA_DIR", str(tmp_path / "cli-data"))
    get_settings.cache_clear()
    monkeypatch.setattr(icli, "make_service", lambda settings: make_service(settings.data_dir))
    try:
        out = tmp_path / "cli.apkg"
        r = CliRunner().invoke(app, ["interview", "export", "--anki", str(out)])
        assert r.exit_code == 0, r.output
        assert f"wrote {len(bank)} note(s)" in r.output
        assert len(read_apkg(out, tmp_path / "xc")[0]) == len(bank)
        bad = CliRunner().invoke(app, ["interview", "export", "--anki", str(tmp_path / "nope" / "d.apkg")])
        assert bad.exit_code == 2 and "does not exist" in " ".join(bad.output.split())
        assert "Traceback" not in bad.output
    finally:
        get_settings.cache_clear()


def test_rest_export_and_due_queue(make_client, bank, tmp_path):
    c = make_client()
    r = c.get("/api/interview/export.apkg")
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    p = tmp_path / "rest.apkg"
    p.write_bytes(r.content)
    assert len(read_apkg(p, tmp_path / "xr")[0]) == len(bank)
    assert c.get("/api/interview/export.apkg", params={"topic": "astrology"}).status_code == 422
    assert c.get("/api/interview/export.apkg", params={"weak": True}).status_code == 401
    token = c.post("/api/interview/users").json()["token"]
    h = {"X-Interview-Token": token}
    assert c.get("/api/interview/export.apkg", params={"weak": True}, headers=h).status_code == 422
    sid = c.post("/api/interview/sessions", json={"n": 1, "seed": 0}, headers=h).json()["session_id"]
    c.post(f"/api/interview/sessions/{sid}/skip", headers=h)
    due = c.get("/api/interview/due", headers=h).json()
    assert due["scheduler"] == "FSRS" and due["topics"]
    item = (due["topics"][0]["due_now"] + due["topics"][0]["upcoming"])[0]
    assert item["due_in_days"] >= 0.99 and item["stability_days"] > 0 and item["recall_probability"] == 1.0


def test_cli_due_queue(monkeypatch, tmp_path, make_service):
    from mlnotes.assistant.cli import app
    from mlnotes.assistant.interview import cli as icli
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setenv("MLNOTES_DATA_DIR", str(tmp_path / "due-data"))
    get_settings.cache_clear()
    monkeypatch.setattr(icli, "make_service", lambda settings: make_service(settings.data_dir))
    try:
        r = CliRunner().invoke(app, ["interview", "due"])
        assert r.exit_code == 0 and "nothing scheduled yet" in r.output
        r = CliRunner().invoke(app, ["interview", "-n", "1", "--seed", "0"], input=":skip\n")
        assert r.exit_code == 0, r.output
        r = CliRunner().invoke(app, ["interview", "due"])
        assert r.exit_code == 0 and "0 due now" in r.output and "100%" in r.output
        bad = CliRunner().invoke(app, ["interview", "due", "--topic", "astrology"])
        assert bad.exit_code == 2 and "unknown topic" in bad.output
    finally:
        get_settings.cache_clear()
