"""Crash-safe index publishing (issue #18, item 3 and 6): a complete versioned directory behind an atomically
replaced pointer; a process SIGKILLed at each stage of a build leaves a loadable index; a corrupt file in any
index costs no embeddings; disk full or a read-only folder gives one line and leaves the old index intact."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlnotes.kb import publish
from mlnotes.kb.index import Index, IndexUnavailableError, IndexWriteError
from tests.kb.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"
NEW_SECTION = "\n\n## A section added later\n\nGradient clipping bounds the norm of the gradient before a step.\n"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(FIXTURE, d)
    return d


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}."))


def _same_as_fresh(index: Index, corpus: Path) -> None:
    """The reference: the same corpus built from scratch in a new folder (the hashing embedder is deterministic)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        fresh, stats = Index.build(corpus, Path(d) / "fresh", embedder=HashingEmbedder())
        assert stats.reused == 0
        np.testing.assert_array_equal(index.owner, fresh.owner)
        np.testing.assert_allclose(index.dense.vectors, fresh.dense.vectors, atol=1e-6)


def test_the_index_path_is_a_pointer_to_a_complete_version(corpus, tmp_path):
    out = tmp_path / "ix" / "index"
    versions = []
    for n in range(3):
        (corpus / "guides" / f"extra{n}.md").write_text(f"---\nid: extra{n}\ntitle: Extra {n}\nkind: guide\n---\n"
                                                        f"# Extra {n}\n\nMomentum number {n} smooths updates.\n")
        index, _ = Index.build(corpus, out, embedder=HashingEmbedder())
        assert out.is_symlink() and (out / "manifest.json").exists()
        assert index.directory == publish.resolve(out) and index.directory.name.startswith("index@v")
        versions.append(index.directory.name)
    assert len(set(versions)) == 3
    kept = sorted(p.name for p in out.parent.iterdir() if p.name.startswith("index@"))
    assert kept == sorted(versions[1:])  # the served version and the previous one
    assert _leftovers(out) == []


def test_an_index_written_before_versioning_is_moved_aside_once(corpus, tmp_path):
    out = tmp_path / "index"
    Index.build(corpus, tmp_path / "seed", embedder=HashingEmbedder())
    shutil.copytree(publish.resolve(tmp_path / "seed"), out)  # a plain folder, as the old layout wrote it
    emb = HashingEmbedder()
    index, stats = Index.build(corpus, out, embedder=emb)
    assert out.is_symlink() and stats.embedded == 0 and emb.n_encoded == 0
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("index@v")]) == 2  # new + the moved old one


CHILD = r"""
import os, signal, sys
from pathlib import Path
from kb import publish
from mlnotes.kb.index import Index
from tests.kb.fakes import HashingEmbedder

stage = sys.argv[3]
def die(at):
    if at == stage:
        os.kill(os.getpid(), signal.SIGKILL)
publish.HOOK = die
if stage == "writing":  # killed mid-write: after chunks, embeddings and bm25, before the cache and the manifest
    real = publish.save_vector_cache
    def half(*a, **k):
        die("writing")
    publish.save_vector_cache = half
Index.build(Path(sys.argv[1]), Path(sys.argv[2]), embedder=HashingEmbedder())
print("finished without being killed")
"""


@pytest.mark.parametrize("stage,legacy,served", [
    ("writing", False, "old"), ("written", False, "old"), ("renamed", False, "old"),
    ("pointed", False, "new"), ("legacy-moved", True, "old")])
def test_sigkill_at_each_stage_leaves_a_complete_index(corpus, tmp_path, stage, legacy, served):
    out = tmp_path / "index"
    if legacy:
        Index.build(corpus, tmp_path / "seed", embedder=HashingEmbedder())
        shutil.copytree(publish.resolve(tmp_path / "seed"), out)
    else:
        Index.build(corpus, out, embedder=HashingEmbedder())
    old = Index.load(out)
    (corpus / "guides" / "ml-basics.md").write_text((corpus / "guides" / "ml-basics.md").read_text() + NEW_SECTION)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    p = subprocess.run([sys.executable, "-c", CHILD, str(corpus), str(out), stage], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == -9, f"the child was not killed at {stage}: {p.stdout}{p.stderr[-2000:]}"
    if stage != "legacy-moved":  # at every instant but that one-time move the path holds a complete index
        now = Index.load(out)
        assert (len(now.chunks) == len(old.chunks)) == (served == "old")
    # the next start cleans up and repairs, then rebuilds reusing every embedding of unchanged chunks
    emb = HashingEmbedder()
    logs: list[str] = []
    index, stats = Index.load_or_build(corpus, out, embedder=emb, log=logs.append)
    assert _leftovers(out) == [], logs
    if served == "old":
        assert stats is not None and stats.embedded <= 2 and stats.reused >= len(old.chunks) - 1, stats
    else:
        assert stats is None  # the new index was published before the kill: nothing to do
    _same_as_fresh(index, corpus)


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2
    data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _index_files(tmp_path, corpus) -> list[str]:
    Index.build(corpus, tmp_path / "probe", embedder=HashingEmbedder())
    d = publish.resolve(tmp_path / "probe")
    return sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())


def test_every_index_file_is_covered(corpus, tmp_path):
    files = _index_files(tmp_path, corpus)
    assert {"manifest.json", "chunks.jsonl", "embeddings.npy", "embedcache.npz", "docs.json",
            "vector_owner.npy"} <= set(files)
    assert any(f.startswith("bm25/") for f in files)
    assert set(files) <= set(CORRUPTIBLE)


CORRUPTIBLE = ["manifest.json", "chunks.jsonl", "embeddings.npy", "vector_owner.npy", "embedcache.npz", "docs.json",
               "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy",
               "bm25/params.index.json", "bm25/vocab.index.json"]


@pytest.mark.parametrize("name", CORRUPTIBLE)
def test_a_corrupt_file_costs_no_embeddings(corpus, tmp_path, name):
    out = tmp_path / "index"
    Index.build(corpus, out, embedder=HashingEmbedder())
    target = publish.resolve(out) / name
    if not target.exists():
        pytest.skip(f"{name} is not written by this bm25s version")
    _flip_byte(target)
    with pytest.raises(IndexUnavailableError):
        Index.load(out, verify_corpus=corpus)
    emb = HashingEmbedder()
    index, stats = Index.load_or_build(corpus, out, embedder=emb, log=lambda m: None)
    assert stats is not None and stats.embedded == 0 and emb.n_encoded == 0, stats
    _same_as_fresh(index, corpus)


def test_cache_and_embeddings_both_corrupt_fall_back_to_the_previous_version(corpus, tmp_path):
    out = tmp_path / "index"
    Index.build(corpus, out, embedder=HashingEmbedder())
    Index.build(corpus, out, embedder=HashingEmbedder())  # same content: a second version
    served = publish.resolve(out)
    _flip_byte(served / "embedcache.npz")
    _flip_byte(served / "embeddings.npy")
    emb = HashingEmbedder()
    index, stats = Index.load_or_build(corpus, out, embedder=emb, log=lambda m: None)
    assert stats.embedded == 0 and emb.n_encoded == 0
    _same_as_fresh(index, corpus)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_disk_full_or_read_only_gives_one_line_and_keeps_the_old_index(corpus, tmp_path, monkeypatch, code):
    out = tmp_path / "index"
    Index.build(corpus, out, embedder=HashingEmbedder())
    before = publish.resolve(out)
    (corpus / "guides" / "ml-basics.md").write_text((corpus / "guides" / "ml-basics.md").read_text() + NEW_SECTION)

    def full(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(publish, "save_vector_cache", full)
    with pytest.raises(IndexWriteError) as ei:
        Index.build(corpus, out, embedder=HashingEmbedder())
    msg = str(ei.value)
    assert "\n" not in msg and errno.errorcode[code] in msg and "previous index is untouched" in msg
    assert publish.resolve(out) == before and Index.load(out) and _leftovers(out) == []
    # a server starting now serves the previous index and logs why
    logs: list[str] = []
    index, stats = Index.load_or_build(corpus, out, embedder=HashingEmbedder(), log=logs.append)
    assert stats is None and index.directory == before
    assert any(errno.errorcode[code] in line and "serving the previous index" in line for line in logs)


def test_cli_index_on_a_full_disk_prints_one_line(corpus, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import mlnotes.kb.index
    from mlnotes.assistant.cli import app
    from mlnotes.assistant.settings import get_settings

    out = tmp_path / "index"
    Index.build(corpus, out, embedder=HashingEmbedder())
    monkeypatch.setenv("MLNOTES_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(out))
    monkeypatch.setattr(mlnotes.kb.index, "_default_embedder", lambda cache_dir=None: HashingEmbedder())

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish, "save_vector_cache", full)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["index", "--force"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 1, r.output  # a failure (exit 1), not a usage error (2)
    assert "ENOSPC" in r.output and "Traceback" not in r.output and r.exception is None or isinstance(
        r.exception, SystemExit)
    assert Index.load(out)
