"""``mlnotes bench scale`` on tiny corpora, its growth fit against closed forms, the backends side by side, and the
cluster's docker-compose.yml (parsed, not run: there is no container runtime here)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from mlnotes.eval.scale import (
    DIM,
    GIB,
    growth,
    linear_fit,
    measure,
    run_scale,
    synthetic_chunks,
    synthetic_queries,
    unit_vectors,
    vocabulary,
)

ROOT = Path(__file__).resolve().parents[2]


def test_linear_fit_recovers_a_known_line():
    x = [1000, 10_000, 100_000]
    a, b = linear_fit(x, [5.0 + 0.25 * v for v in x])
    assert a == pytest.approx(5.0) and b == pytest.approx(0.25)
    assert linear_fit([10], [30]) == (0.0, 3.0)


def test_growth_gives_the_size_that_fills_24_gib():
    rows = [{"backend": "x", "n": n, "memory": 1e6 + 2000 * n, "p50_ms": 1 + n / 1e4, "build_peak_rss": 3000 * n,
             "base_rss": 5e7} for n in (10_000, 100_000)]
    g = growth(rows)["x"]
    assert g["bytes_per_chunk"] == pytest.approx(2000) and g["fixed_bytes"] == pytest.approx(1e6)
    assert g["serve_limit_chunks"] == pytest.approx((24 * GIB - 5e7 - 1e6) / 2000)
    assert g["build_limit_chunks"] == pytest.approx(24 * GIB / 3000, rel=1e-6)
    assert g["p50_ms_per_1k"] == pytest.approx(0.1)


def test_the_synthetic_corpus_is_deterministic_and_shaped_like_ours():
    from mlnotes.kb.bm25 import tokenize

    v = vocabulary()
    assert len(set(v)) == len(v) == 30_000
    a, b = synthetic_chunks(50), synthetic_chunks(50)
    assert [c.text for c in a] == [c.text for c in b] and len({c.id for c in a}) == 50
    assert all(len(c.text.split()) == 147 for c in a) and all(tokenize(c.text) for c in a)
    vec = unit_vectors(20, seed=3)
    assert vec.shape == (20, DIM) and np.allclose(np.linalg.norm(vec, axis=1), 1, atol=1e-5)
    assert synthetic_queries(5) == synthetic_queries(5)


def test_a_tiny_scale_run_measures_working_indexes():
    """2k chunks: the local index holds at least its vectors in memory, HNSW finds most true neighbours, and the
    growth fit has a finite 24 GiB limit."""
    res = run_scale([1000, 2000], ("local", "faiss-hnsw"), n_queries=10, log=lambda m: None)
    rows = {(r["backend"], r["n"]): r for r in res["rows"]}
    for n in (1000, 2000):
        local = rows[("local", n)]
        assert local["memory"] >= n * DIM * 4  # the embeddings alone (float32)
        assert local["build_s"] > 0 and local["load_s"] > 0 and 0 < local["p50_ms"] <= local["p99_ms"]
        assert len(local["top"]) == 5 and all(len(t) == 10 for t in local["top"])
        assert 0.5 < rows[("faiss-hnsw", n)]["recall@10"] <= 1.0
    g = res["growth"]["local"]
    assert g["bytes_per_chunk"] > DIM * 4 and math.isfinite(g["serve_limit_chunks"])


def test_qdrant_embedded_and_local_agree_on_a_small_synthetic_corpus():
    """Served search (the learned reranker on) of both backends shares at least 96 % of the first queries' top-10 ids.
    Measured 0.98 (one id of 50): on this synthetic corpus the two backends' 50-candidate lists differ at their
    ends, so the z-scores, and with them the fused scores of ranks 28-31, differ slightly although each chunk's
    BM25 and dense scores agree; the reranker draws from the first 30 fused chunks. Fused alone they agree fully (1.0), and on the fixture corpus the
    reranked orders are identical (tests/kb/test_qdrant.py)."""
    res = run_scale([300], ("local", "qdrant"), n_queries=5, qdrant_queries=5, log=lambda m: None)
    assert res["local_qdrant_top10_agreement"][300] >= 0.96, res["local_qdrant_top10_agreement"]
    assert run_scale([300], ("qdrant",), qdrant_max=200, log=lambda m: None)["skipped"]


def test_measure_refuses_an_unknown_backend():
    with pytest.raises(ValueError, match="valid"):
        measure("elastic", 100, 1)


def test_bench_scale_is_a_cli_command_with_a_clear_error():
    from mlnotes.assistant.cli import app, register_plugins

    register_plugins(("mlnotes.eval.scale:register",))
    r = CliRunner().invoke(app, ["bench", "scale", "--sizes", "ten"])
    assert r.exit_code == 2 and "--sizes must be comma-separated integers" in r.output
    r = CliRunner().invoke(app, ["bench", "scale", "--sizes", "300", "--no-qdrant", "--queries", "3", "--json"])
    assert r.exit_code == 0, r.output
    assert '"serve_limit_chunks"' in r.stdout


def test_backends_side_by_side_on_the_fixture(tmp_path):
    from mlnotes.eval.backends import compare
    from mlnotes.eval.data import Question
    from mlnotes.kb.index import Index
    from mlnotes.kb.qdrant import connect, open_qdrant, sync_from_index
    from tests.kb.fakes import HashingEmbedder

    shutil.copytree(ROOT / "tests" / "fixtures" / "corpus", tmp_path / "corpus")
    local, _ = Index.build(tmp_path / "corpus", tmp_path / "index", embedder=HashingEmbedder())
    client = connect(":memory:")
    sync_from_index(local, client, "side")
    remote = open_qdrant(client=client, collection="side", embedder=HashingEmbedder())
    c = next(local.iter_chunks())
    qs = [Question("q1", "time complexity of k-means", "definition", "heldout", (f"{c.doc_id}#{c.section_id}",)),
          Question("q2", "ridge regression L2 penalty", "definition", "heldout", (f"{c.doc_id}#{c.section_id}",))]
    res = compare(local, remote, qs)
    for row in res["configs"].values():
        assert row["local"]["mrr@10"] == pytest.approx(row["qdrant"]["mrr@10"]) and row["delta_mrr@10"] == 0


def test_the_compose_file_has_the_cluster_shape():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = spec["services"]
    apps = [s for s in services if s.startswith("app")]
    qdrants = [s for s in services if s.startswith("qdrant")]
    assert len(apps) == 2 and len(qdrants) == 3 and "postgres" in services
    for a in apps:
        env = services[a]["environment"]
        assert env["MLNOTES_SEARCH_BACKEND"] == "qdrant" and env["MLNOTES_QDRANT_URL"].startswith("http://qdrant")
    for q in qdrants:
        assert "QDRANT__CLUSTER__ENABLED" in services[q]["environment"]
    assert "lb" in services and set(apps) <= set(services["lb"]["depends_on"])
