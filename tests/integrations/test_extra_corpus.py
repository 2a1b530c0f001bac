"""MLNOTES_EXTRA_CORPUS: the user's own notes folders indexed beside the corpus under ``notes/<name>/`` (kind
``notes``): search and ask cite them by that path, the kind/doc filters select them, the Browse tree and the read
routes serve them, a rebuild re-embeds only an edited note, and bad files are skipped and counted, never a crash."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.api.app import Services, create_app
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.settings import Settings
from mlnotes.kb import roots
from mlnotes.kb.chunker import chunk_corpus, chunk_document
from mlnotes.kb.filters import filter_values
from mlnotes.kb.index import Index, IndexStaleError
from mlnotes.kb.interview import load_bank
from mlnotes.kb.markdown import iter_corpus_files, iter_indexed_files, parse_text
from mlnotes.kb.search import Filters
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"

NOTE_A = """\
# Zebrafish retina notes

The zebrafish retina regenerates photoreceptors after damage; Muller glia re-enter the cell cycle.

## Quokka gradient trick

Clip the quokka gradient at norm five before every optimizer step.
"""

NOTE_B = """\
---
title: Wombat scheduling
topics: [scheduling]
---
# Wombat scheduling

A wombat learning-rate schedule warms up for ten steps and then decays by half every epoch.
"""


@pytest.fixture()
def no_extra():
    """Every test leaves the process without extra folders, as it found it."""
    roots.configure(())
    yield
    roots.configure(())


@pytest.fixture()
def corpus_dir(tmp_path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(FIXTURE, d)
    return d


@pytest.fixture()
def notes_dir(tmp_path, no_extra) -> Path:
    d = tmp_path / "elsewhere" / "My Notes"
    (d / "bio").mkdir(parents=True)
    (d / "bio" / "retina.md").write_text(NOTE_A, encoding="utf-8")
    (d / "wombat.md").write_text(NOTE_B, encoding="utf-8")
    return d


@pytest.fixture()
def built(corpus_dir, notes_dir, tmp_path):
    roots.configure([notes_dir], corpus_dir=corpus_dir)
    embedder = HashingEmbedder()
    index, stats = Index.build(corpus_dir, tmp_path / "index", embedder=embedder)
    return index, stats, embedder


def test_notes_are_indexed_beside_the_corpus_under_their_prefix(built, corpus_dir):
    index, stats, _ = built
    assert roots.extra_roots()[0].name == "My-Notes"
    notes = [c for c in index.iter_chunks() if c.kind == "notes"]
    assert {c.path for c in notes} == {"notes/My-Notes/bio/retina.md", "notes/My-Notes/wombat.md"}
    assert {c.doc_id for c in notes} == {"notes/My-Notes/bio/retina", "notes/My-Notes/wombat"}
    assert all(c.id.startswith(c.doc_id + "#") for c in notes)
    assert stats.files == len(iter_corpus_files(corpus_dir)) + 2
    # the built-in documents are chunked exactly as without the notes (chunk_document over each file alone)
    roots.configure(())
    plain, _ = chunk_corpus(corpus_dir)
    assert [c.to_dict() for c in index.iter_chunks() if c.kind != "notes"] == [c.to_dict() for c in plain]
    # a note's chunks are the chunker's over its text (front matter title kept; kind and id forced)
    b = [c for c in notes if c.path.endswith("wombat.md")]
    assert b[0].title == "Wombat scheduling" and index.docs["notes/My-Notes/wombat"]["topics"] == ["scheduling"]
    ref = chunk_document(parse_text(NOTE_B, rel_path="notes/My-Notes/wombat.md"))
    assert [c.text for c in b] == [c.text for c in ref]


def test_unset_setting_walks_only_the_corpus(corpus_dir, no_extra):
    assert iter_indexed_files(corpus_dir) == [(p.relative_to(corpus_dir).as_posix(), p)
                                             for p in iter_corpus_files(corpus_dir)]
    assert Settings(corpus_dir=corpus_dir).extra_corpus_dirs == ()


def test_search_and_filters_find_a_note(built):
    index, _, _ = built
    hits = index.search("zebrafish retina photoreceptors", k=3, mode="bm25")
    assert hits[0].chunk.path == "notes/My-Notes/bio/retina.md" and hits[0].chunk.kind == "notes"
    only = index.search("learning rate schedule", k=10, filters=Filters(kind="notes"))
    assert only and {h.chunk.kind for h in only} == {"notes"}
    assert only[0].chunk.doc_id == "notes/My-Notes/wombat"
    one = index.search("gradient", k=10, filters=Filters(document="notes/My-Notes/bio/retina.md"))
    assert one and {h.chunk.path for h in one} == {"notes/My-Notes/bio/retina.md"}
    values = filter_values(index)
    assert "notes" in values["kind"] and "notes/My-Notes/wombat" in values["document"]
    assert "scheduling" in values["topic"]
    unfiltered = {h.chunk.kind for h in index.search("learning rate schedule", k=20)}
    assert unfiltered - {"notes"}  # without the filter the built-in corpus answers too


@pytest.fixture()
def client(built, corpus_dir, tmp_path):
    index, _, _ = built
    answerer = Answerer(index, corpus_dir, bank=load_bank(corpus_dir), abstain_threshold=0.05,
                        interview_threshold=0.95)
    services = Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=1, timeout_s=60))
    settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "unused", data_dir=tmp_path / "data")
    with TestClient(create_app(settings, services=services, with_ui=False), raise_server_exceptions=False) as c:
        yield c


def test_rest_search_ask_and_read_routes_serve_notes(client):
    r = client.get("/api/search", params={"q": "wombat learning-rate schedule", "kind": "notes"})
    assert r.status_code == 200, r.text
    hit = r.json()["hits"][0]
    assert hit["path"] == "notes/My-Notes/wombat.md" and hit["doc_id"] == "notes/My-Notes/wombat"
    r = client.post("/api/ask", json={"question": "How does the wombat learning-rate schedule decay?",
                                      "kind": "notes"})
    assert r.status_code == 200, r.text
    sources = r.json()["sources"] + r.json()["closest"]
    assert sources and {s["path"] for s in sources} == {"notes/My-Notes/wombat.md"}
    assert any("doc=notes/My-Notes/wombat.md" in (s.get("url") or "") for s in sources), sources

    tree = {e["path"]: e for e in client.get("/api/corpus/tree").json()}
    assert tree["notes/My-Notes/bio/retina.md"]["kind"] == "notes"
    assert tree["notes/My-Notes/bio/retina.md"]["title"] == "Zebrafish retina notes"
    assert "guides/ml-basics.md" in tree
    raw = client.get("/api/corpus/raw", params={"path": "notes/My-Notes/bio/retina.md"})
    assert raw.status_code == 200 and raw.text == NOTE_A
    doc = client.get("/api/corpus/doc", params={"path": "notes/My-Notes/wombat.md"}).json()
    assert doc["doc_id"] == "notes/My-Notes/wombat" and "ten steps" in doc["html"]
    sec = client.get("/api/corpus/section", params={"path": "notes/My-Notes/bio/retina.md",
                                                    "section": "quokka-gradient-trick"})
    assert sec.status_code == 200 and "norm five" in sec.json()["markdown"]
    for bad, status in (("notes/Other/wombat.md", 404), ("notes/My-Notes/../../corpus/guides/ml-basics.md", 400),
                        ("notes/My-Notes/nope.md", 404)):
        r = client.get("/api/corpus/raw", params={"path": bad})
        assert r.status_code == status, (bad, r.status_code, r.text)
    folder = roots.extra_roots()[0].path
    (folder.parent / "secret.md").write_text("# Secret\n", encoding="utf-8")
    (folder / "peek.md").symlink_to(folder.parent / "secret.md")  # resolves outside the notes folder
    (folder / "inner").symlink_to(folder / "bio", target_is_directory=True)  # a link, though it stays inside
    for bad in ("notes/My-Notes/peek.md", "notes/My-Notes/inner/retina.md"):
        r = client.get("/api/corpus/raw", params={"path": bad})
        assert r.status_code == 403 and "Secret" not in r.text, (bad, r.status_code, r.text)


def test_editing_one_note_reembeds_only_its_chunks(built, corpus_dir, tmp_path):
    index, _, embedder = built
    out = tmp_path / "index"
    assert Index.load_or_build(corpus_dir, out, embedder=embedder, log=lambda m: None)[1] is None  # current
    note = roots.extra_roots()[0].path / "wombat.md"
    note.write_text(NOTE_B.replace("ten steps", "twenty steps") + "\n## Cooldown\n\nHold the rate at the end.\n",
                    encoding="utf-8")
    with pytest.raises(IndexStaleError, match="wombat"):
        Index.load(out, embedder=embedder, verify_corpus=corpus_dir)
    index2, stats = Index.load_or_build(corpus_dir, out, embedder=embedder, log=lambda m: None)
    assert stats is not None
    changed = [c for c in index2.iter_chunks() if c.path == "notes/My-Notes/wombat.md"]
    assert len(changed) == 2  # the edited section and the new one
    assert stats.embedded == len(changed) and stats.reused == len(index2) - len(changed) > 0
    assert "twenty steps" in index2.search("wombat warm up", k=1, filters=Filters(kind="notes"))[0].chunk.text


def test_bad_files_are_skipped_and_counted_once(notes_dir, corpus_dir, tmp_path, caplog):
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nnot yours\n", encoding="utf-8")
    (notes_dir / "binary.md").write_bytes(bytes(range(256)) * 4)
    (notes_dir / "latin1.md").write_bytes("# Caf\u00e9 notes\n\nna\u00efve\n".encode("latin-1"))
    (notes_dir / "huge.md").write_bytes(b"# Huge\n\n" + b"word " * 1_200_000)  # 6 MB
    (notes_dir / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (notes_dir / "link.md").symlink_to(outside)
    (notes_dir / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    (notes_dir / ".hidden.md").write_text("# hidden\n", encoding="utf-8")
    (notes_dir / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\n# Still a note\n\nBody text.\n",
                                           encoding="utf-8")
    roots.configure([notes_dir], corpus_dir=corpus_dir)
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.roots"):
        index, stats = Index.build(corpus_dir, tmp_path / "index", embedder=HashingEmbedder())
    paths = {c.path for c in index.iter_chunks() if c.kind == "notes"}
    assert paths == {"notes/My-Notes/bio/retina.md", "notes/My-Notes/wombat.md", "notes/My-Notes/bad-yaml.md"}
    lines = [r.getMessage() for r in caplog.records if r.name == "mlnotes.kb.roots"]
    assert len(lines) == 1, lines  # one line although the build walks the folder three times
    msg = lines[0]
    assert "skipped 6 file(s)" in msg
    # binary.md and latin1.md; huge.md; image.png; link.md and linked-dir
    assert "(1 not Markdown, 2 not UTF-8, 1 over 5 MB, 2 symbolic link)" in msg, msg
    assert "image.png (not Markdown)" in msg and "link.md (symbolic link)" in msg
    assert "secret" not in " ".join(c.text for c in index.iter_chunks())


def test_missing_folder_and_duplicate_names(tmp_path, corpus_dir, no_extra):
    missing = tmp_path / "no-such-notes"
    with pytest.raises(roots.ExtraCorpusError, match="no-such-notes.*does not exist"):
        roots.configure([missing])
    with pytest.raises(ValidationError, match="no-such-notes"):
        Settings(extra_corpus=str(missing))
    with pytest.raises(roots.ExtraCorpusError, match="overlaps the built-in corpus"):
        roots.configure([corpus_dir / "guides"], corpus_dir=corpus_dir)
    a, b = tmp_path / "a" / "notes", tmp_path / "b" / "notes"
    for d, word in ((a, "alpha"), (b, "beta")):
        d.mkdir(parents=True)
        (d / "x.md").write_text(f"# {word}\n\nThe {word} note.\n", encoding="utf-8")
    s = Settings(corpus_dir=corpus_dir, extra_corpus=os.pathsep.join([str(a), str(b), str(a)]))
    assert s.extra_corpus_dirs == (a, b, a)
    got = roots.configure(s.extra_corpus_dirs, corpus_dir=corpus_dir)
    assert [r.name for r in got] == ["notes", "notes-2"]  # a folder listed twice counts once
    rels = [rel for rel, _ in iter_indexed_files(corpus_dir) if rel.startswith("notes/")]
    assert rels == ["notes/notes/x.md", "notes/notes-2/x.md"]


def test_cli_index_names_a_missing_notes_folder(tmp_path, corpus_dir, monkeypatch, no_extra):
    from typer.testing import CliRunner

    from mlnotes.assistant import settings as settings_mod
    from mlnotes.assistant.cli import app

    monkeypatch.setenv("MLNOTES_EXTRA_CORPUS", str(tmp_path / "gone"))
    settings_mod.get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["index", "--corpus", str(corpus_dir), "--out", str(tmp_path / "i")])
    finally:
        monkeypatch.delenv("MLNOTES_EXTRA_CORPUS")
        settings_mod.get_settings.cache_clear()
    assert r.exit_code == 2, r.output
    assert "gone" in r.output and "does not exist" in r.output and "Traceback" not in r.output
