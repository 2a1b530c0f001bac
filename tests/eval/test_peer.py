"""The llama-index peer pipeline of `mlnotes eval` (the `eval` extra; run by scripts/eval_extra_job.sh in CI, in
its own venv): built over the fixture index's chunks and vectors, its dense leg ranks like a brute-force inner
product over the same vectors, and its fusion returns each section once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("llama_index.retrievers.bm25", reason="the eval extra is not installed")
pytest.importorskip("llama_index.vector_stores.faiss", reason="the eval extra is not installed")

from mlnotes.eval.data import section_key  # noqa: E402
from mlnotes.eval.peer import PeerPipeline  # noqa: E402
from mlnotes.kb.index import Index  # noqa: E402
from tests.kb.fakes import HashingEmbedder  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def test_peer_pipeline_ranks_like_brute_force(tmp_path):
    index, _ = Index.build(CORPUS, tmp_path / "index", embedder=HashingEmbedder())
    peer = PeerPipeline(index, k=10)
    chunks = list(index.iter_chunks())
    vecs = index.chunk_vectors([c.id for c in chunks])
    for question in ("What is ridge regression?", "How does gradient descent work?", "overfitting and dropout"):
        q = index.embedder.encode([question])[0]
        best = chunks[int(np.argmax(vecs @ q))]
        assert peer.rank_sections(question, "dense")[0] == section_key(best.doc_id, best.section_id)
        fused = peer.rank_sections(question, "hybrid")
        assert fused and len(fused) == len(set(fused))


def test_bench_peer_times_both_on_the_same_questions(tmp_path):
    from mlnotes.eval.bench import bench_peer

    index, _ = Index.build(CORPUS, tmp_path / "index", embedder=HashingEmbedder())
    res = bench_peer(index, repeats=2, n_queries=6, k=5)
    assert res["queries"] == 6 and res["repeats"] == 2
    assert res["ours"]["p50_ms"] > 0 and res["peer"]["p50_ms"] > 0
    assert res["ratio_p50"] == pytest.approx(res["peer"]["p50_ms"] / res["ours"]["p50_ms"])
