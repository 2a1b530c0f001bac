"""Index persistence: round trip, incremental re-embedding, corruption and staleness detection, bad queries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlnotes.kb.index import (
    EmptyCorpusError,
    Index,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    QueryError,
)
from mlnotes.kb.windows import chunk_units
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_build_save_load_round_trip(corpus, tmp_path):
    emb = HashingEmbedder()
    idx, stats = Index.build(corpus, tmp_path / "idx", embedder=emb)
    assert stats.chunks == len(idx.chunks) > 0 and stats.embedded == stats.chunks and stats.reused == 0
    again = Index.load(tmp_path / "idx", embedder=emb, verify_corpus=corpus)
    assert [c.to_dict() for c in again.chunks] == [c.to_dict() for c in idx.chunks]
    np.testing.assert_array_equal(again.dense.vectors, idx.dense.vectors)
    for mode in ("bm25", "dense", "hybrid"):
        a = [(h.chunk.id, round(h.score, 6)) for h in idx.search("k-means centroid", k=3, mode=mode)]
        b = [(h.chunk.id, round(h.score, 6)) for h in again.search("k-means centroid", k=3, mode=mode)]
        assert a == b and a
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["model_id"] == emb.model_id and manifest["n_chunks"] == len(idx.chunks)
    assert not list((tmp_path).glob(".idx.tmp-*")), "temporary build directory left behind"


def test_incremental_rebuild_reembeds_only_changed_chunks(corpus, tmp_path):
    emb = HashingEmbedder()
    idx, _ = Index.build(corpus, tmp_path / "idx", embedder=emb)
    n = len(idx.chunks)
    f = corpus / "guides" / "ml-basics.md"
    f.write_text(f.read_text().replace("Lasso uses an L1 penalty", "Lasso uses an L1 penalty (changed)"))
    with pytest.raises(IndexStaleError, match="ml-basics.md"):
        Index.load(tmp_path / "idx", embedder=emb, verify_corpus=corpus)
    emb2 = HashingEmbedder()
    idx2, stats = Index.build(corpus, tmp_path / "idx", embedder=emb2)
    assert stats.embedded == 1 and stats.reused == n - 1
    changed = [c for c in idx2.chunks if "(changed)" in c.text]
    assert len(changed) == 1
    # only the changed chunk's embedding units (its window(s) and its heading) were embedded
    assert emb2.n_encoded == len(chunk_units(changed[0])) == len(idx2.chunk_unit_vectors([changed[0].id])[0])
    # every other chunk kept its unit vectors exactly
    for c in idx2.chunks:
        if c is not changed[0]:
            for a, b in zip(idx2.chunk_unit_vectors([c.id]), idx.chunk_unit_vectors([c.id])):
                np.testing.assert_array_equal(a, b)


def test_truncated_index_file_is_detected_and_rebuilt(corpus, tmp_path):
    emb = HashingEmbedder()
    Index.build(corpus, tmp_path / "idx", embedder=emb)
    emb_file = tmp_path / "idx" / "embeddings.npy"
    emb_file.write_bytes(emb_file.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match="truncated or corrupt"):
        Index.load(tmp_path / "idx", embedder=emb)
    messages = []
    idx, stats = Index.load_or_build(corpus, tmp_path / "idx", embedder=emb, log=messages.append)
    assert stats is not None and "rebuilding" in messages[0]
    Index.load(tmp_path / "idx", embedder=emb, verify_corpus=corpus)


def test_missing_and_unreadable_manifest(corpus, tmp_path):
    with pytest.raises(IndexMissingError, match="mlnotes index"):
        Index.load(tmp_path / "nothing")
    emb = HashingEmbedder()
    Index.build(corpus, tmp_path / "idx", embedder=emb)
    (tmp_path / "idx" / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError):
        Index.load(tmp_path / "idx", embedder=emb)


def test_empty_corpus_gets_a_clear_message(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpusError, match="no Markdown content"):
        Index.build(tmp_path / "empty", tmp_path / "idx", embedder=HashingEmbedder())
    with pytest.raises(EmptyCorpusError, match="does not exist"):
        Index.build(tmp_path / "missing", tmp_path / "idx", embedder=HashingEmbedder())


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"query": ""}, "empty"),
        ({"query": "   \n "}, "empty"),
        ({"query": "x" * 5000}, "limit"),
        ({"query": "ok", "k": 0}, "between 1"),
        ({"query": "ok", "k": 10_000}, "between 1"),
        ({"query": "ok", "mode": "fuzzy"}, "valid modes"),
        ({"query": "ok", "fusion": "borda"}, "valid fusions"),
        ({"query": 42}, "must be a string"),
    ],
)
def test_bad_queries_raise_query_error(corpus, tmp_path, kwargs, match):
    idx, _ = Index.build(corpus, tmp_path / "idx", embedder=HashingEmbedder())
    with pytest.raises(QueryError, match=match):
        idx.search(**kwargs)


def test_hits_carry_citation_fields(corpus, tmp_path):
    idx, _ = Index.build(corpus, tmp_path / "idx", embedder=HashingEmbedder())
    hit = idx.search("time complexity of k-means", k=1, mode="bm25")[0]
    d = hit.to_dict("time complexity of k-means")
    for key in ("chunk_id", "score", "doc_id", "section_id", "breadcrumbs", "path", "line_start", "line_end",
                "snippet"):
        assert key in d
    lines = (corpus / d["path"]).read_text().splitlines()
    assert lines[d["line_start"] - 1].startswith("#")
    assert "k-means" in "\n".join(lines[d["line_start"] - 1 : d["line_end"]])


def test_processes_starting_together_build_the_index_once(corpus, tmp_path):
    # two test workers (or two replicas) over one index folder built it twice at the same time, each ~8 minutes on a
    # 2-core machine, and the second's start-up clean-up could remove the first's half-written build; the second now
    # waits on the lock beside the index, says so, and loads what the first built
    import threading

    from mlnotes.kb import index as index_module

    out = tmp_path / "idx" / "index"
    logs: list[str] = []
    results: list = []

    def second():
        results.append(Index.load_or_build(corpus, out, embedder=HashingEmbedder(), log=logs.append))

    with index_module._one_builder(out, lambda m: None):  # the first process, holding the lock
        t = threading.Thread(target=second)
        t.start()
        t.join(1.5)
        assert t.is_alive() and not results  # still waiting: it neither loaded nor built
        assert any("waiting for it" in m for m in logs), logs
        first, stats = Index.build(corpus, out, embedder=HashingEmbedder())
    t.join(60)
    assert not t.is_alive()
    (index, built), = results
    assert built is None  # loaded, not built again
    assert index.manifest.n_chunks == first.manifest.n_chunks
    assert (tmp_path / "idx" / "index.lock").exists()
