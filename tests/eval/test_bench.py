"""The performance checks of mlnotes.eval.bench that are not plain timings: the int8-vs-float32 query comparison
(paired deltas on known inputs), the query graph against PyTorch on every unit, and the index benchmark's phase
breakdown on the fixture corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mlnotes.eval.bench as B
from mlnotes.eval.data import Question, section_key
from mlnotes.kb.index import Index
from tests.kb.fakes import HashingEmbedder

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def test_batched_runs_sorted_batches_and_restores_the_input_order():
    class Enc:
        def __init__(self, n: int) -> None:
            self.ids = list(range(n))

    lengths = [5, 1, 9, 3, 3, 7, 2]
    seen: list[list[int]] = []

    def run(batch):
        seen.append([len(e.ids) for e in batch])
        return np.array([[len(e.ids), 0.0] for e in batch], dtype=np.float32)

    out = B._batched(run, [Enc(n) for n in lengths], batch=3)
    assert out[:, 0].tolist() == lengths
    assert seen == [[9, 7, 5], [3, 3, 2], [1]]  # longest first, so a batch pads little


class _FixedQueries:
    """A stand-in query embedder: the hashing embedder's vector, or a fixed unrelated one ("broken")."""

    def __init__(self, broken: bool = False) -> None:
        self.h = HashingEmbedder()
        self.broken = broken
        self.query_graph = "broken" if broken else "hashing"

    def encode_query(self, text: str) -> np.ndarray:
        return self.h.encode(["zzz unrelated"])[0] if self.broken else self.h.encode([text])[0]


@pytest.fixture
def fixture_sets(tmp_path, monkeypatch):
    index, _ = Index.build(CORPUS, tmp_path / "index", embedder=HashingEmbedder())
    qs = [Question(f"q{i}", " ".join(c.breadcrumbs), "definition", "heldout",
                   (section_key(c.doc_id, c.section_id),)) for i, c in enumerate(index.iter_chunks())]
    monkeypatch.setattr(B, "load_gold", lambda split=None: qs)
    monkeypatch.setattr("mlnotes.eval.data.load_external", lambda answerable_only=False: qs)
    return index, qs


def test_int8_comparison_is_zero_for_identical_queries(fixture_sets, monkeypatch):
    index, qs = fixture_sets
    monkeypatch.setattr(B, "_query_embedder", lambda idx, runtime: _FixedQueries())
    r = B.int8_query_quality(index, n_boot=200, log=lambda m: None)
    assert set(r["sets"]) == {"gold heldout", "gold tune", "external"}
    for res in r["sets"].values():
        assert res["n"] == len(qs) and res["min_cosine"] == pytest.approx(1.0, abs=1e-6)
        for mode in ("hybrid", "dense"):
            for v in res["modes"][mode].values():
                assert v["float32"] == v["int8"] and v["changed"] == 0
                assert v["delta"]["mean"] == v["delta"]["lo"] == v["delta"]["hi"] == 0.0


def test_int8_comparison_sees_a_broken_query_encoder(fixture_sets, monkeypatch):
    index, qs = fixture_sets
    monkeypatch.setattr(B, "_query_embedder", lambda idx, runtime: _FixedQueries(broken=runtime == "onnx-int8"))
    r = B.int8_query_quality(index, n_boot=200, log=lambda m: None)
    dense = r["sets"]["gold heldout"]["modes"]["dense"]["mrr@10"]
    assert dense["float32"] > 0.5  # the heading questions find their own chunks by the hashing vectors
    assert dense["int8"] < dense["float32"] and dense["changed"] > 0
    assert dense["delta"]["mean"] == pytest.approx(dense["int8"] - dense["float32"])
    assert dense["delta"]["lo"] <= dense["delta"]["mean"] <= dense["delta"]["hi"] < 0
    md = "\n".join(B.int8_markdown(r))
    assert "| gold heldout |" in md and "paired bootstrap" in md


@pytest.mark.slow
def test_query_graph_check_and_index_phases_on_the_fixture(tmp_path):
    pytest.importorskip("onnxruntime")
    r = B.bench_index(corpus=CORPUS, repeats_incremental=1)
    assert r["cold_chunks"] > 0 and r["cold_units"] >= r["cold_chunks"] >= 1
    assert r["cold_distinct_units"] <= r["cold_units"]
    assert {"chunk", "units", "embed", "bm25", "write", "load"} <= set(r["cold_phases"])
    assert r["cold_tokens"] > r["cold_distinct_units"] and r["cold_tokens_per_s"] > 0
    assert r["sentences"]["sentences"] > 0 and r["sentences"]["tokens"] > 0
    index, _ = Index.build(CORPUS, tmp_path / "index")
    g = B.check_query_graph(index, log=lambda m: None)
    assert g["units"] == len(index.dense.vectors) and g["passes"]
    assert g["query_graph_vs_torch"]["min_cosine"] >= 0.9999
    assert "cosine >= 0.9999" in "\n".join(B.graph_markdown(g))
    q = B.bench_query_paths(index, repeats=1, n_queries=5)
    paths = q["paths"]
    assert q["runtime"] in ("onnx", "onnx-int8") and len(paths) == 4 and all(p["p50_ms"] > 0 for p in paths.values())
    fp32 = [n for n in paths if "int8" not in n]
    assert all(paths[n]["min_cosine_to_st"] >= 0.9999 for n in fp32)  # PyTorch, plain and fused graphs agree
    assert any("fused graph" in n and "query session" in n for n in fp32)
    int8 = [n for n in paths if "int8" in n]
    assert len(int8) == 1 and 0.8 < paths[int8[0]]["min_cosine_to_st"] < 0.9999
    assert set(q["quality_tune"]) == {"float32", "int8"}


def test_main_rejects_an_unknown_part(capsys):
    with pytest.raises(SystemExit) as exc:
        B.main(["serach"])
    assert exc.value.code == 2 and "unknown part" in capsys.readouterr().err
