"""The llama-index peer pipeline of `mlnotes eval` and `mlnotes bench search --peer` (the `eval` extra; run by
scripts/eval_extra_job.sh in CI, in its own venv, where a skip fails the job): built over the fixture index's
chunks and vectors, its dense leg ranks like a brute-force inner product over the same vectors, its fusion returns
each section once, and the stock configuration (llama-index's HuggingFaceEmbedding on the packaged MiniLM, i.e.
sentence-transformers on PyTorch) embeds queries like our ONNX embedder does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("llama_index.retrievers.bm25", reason="the eval extra is not installed")
pytest.importorskip("llama_index.vector_stores.faiss", reason="the eval extra is not installed")
pytest.importorskip("llama_index.embeddings.huggingface", reason="the eval extra is not installed")

from mlnotes.eval.data import section_key  # noqa: E402
from mlnotes.eval.peer import PeerPipeline  # noqa: E402
from mlnotes.kb.index import Index  # noqa: E402
from tests.kb.fakes import HashingEmbedder  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
QUESTIONS = ("What is ridge regression?", "How does gradient descent work?", "overfitting and dropout")


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory):
    """The fixture corpus indexed with the real MiniLM (onnxruntime), as `mlnotes index` does."""
    tmp = tmp_path_factory.mktemp("minilm")
    index, _ = Index.build(CORPUS, tmp / "index")
    return index


def test_peer_pipeline_ranks_like_brute_force(tmp_path):
    index, _ = Index.build(CORPUS, tmp_path / "index", embedder=HashingEmbedder())
    peer = PeerPipeline(index, k=10)
    chunks = list(index.iter_chunks())
    vecs = index.chunk_vectors([c.id for c in chunks])
    for question in QUESTIONS:
        q = index.embedder.encode([question])[0]
        best = chunks[int(np.argmax(vecs @ q))]
        assert peer.rank_sections(question, "dense")[0] == section_key(best.doc_id, best.section_id)
        fused = peer.rank_sections(question, "hybrid")
        assert fused and len(fused) == len(set(fused))
    with pytest.raises(ValueError, match="HuggingFace peer"):
        PeerPipeline(index, k=10, embed="huggingface")  # hashing vectors: a MiniLM query would be meaningless
    with pytest.raises(ValueError, match="unknown peer embedder"):
        PeerPipeline(index, k=10, embed="openai")


def test_stock_huggingface_peer_embeds_like_ours_and_ranks_like_brute_force(minilm_index):
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    index = minilm_index
    peer = PeerPipeline(index, k=10, embed="huggingface")
    assert isinstance(peer.embed, HuggingFaceEmbedding)
    chunks = list(index.iter_chunks())
    vecs = index.chunk_vectors([c.id for c in chunks])
    for question in QUESTIONS:
        theirs = np.asarray(peer.embed.get_query_embedding(question), dtype=np.float32)
        ours = index.embedder.encode([question])[0]  # our float32 ONNX graph
        assert float(theirs @ ours) >= 0.9999  # PyTorch (sentence-transformers) and our ONNX graph agree
        # our default query vector is int8 (per-channel): close to theirs, but not equal
        assert 0.98 <= float(theirs @ index.embed_query(question)) < 0.99999
        best = chunks[int(np.argmax(vecs @ theirs))]
        assert peer.rank_sections(question, "dense")[0] == section_key(best.doc_id, best.section_id)
        fused = peer.rank_sections(question, "hybrid")
        assert fused and len(fused) == len(set(fused))


def test_bench_peer_times_both_peers_on_the_same_questions(minilm_index, tmp_path):
    from mlnotes.eval.bench import bench_peer, markdown, save_parts

    res = bench_peer(minilm_index, repeats=2, n_queries=6, k=5)
    assert res["queries"] == 6 and res["repeats"] == 2
    assert [r["embed"] for r in res["peers"]] == ["huggingface", "ours"]  # the stock one is the headline
    assert res["ours"]["p50_ms"] > 0 and res["ours"]["samples"] == 12  # 6 questions x 2 passes, each pipeline
    assert [r["samples"] for r in res["peers"]] == [12, 12]
    for r in res["peers"]:
        assert r["p50_ms"] > 0 and r["ratio_p50"] == pytest.approx(r["p50_ms"] / res["ours"]["p50_ms"])
    assert res["peer"]["p50_ms"] == res["peers"][0]["p50_ms"] and res["ratio_p50"] == res["peers"][0]["ratio_p50"]
    md = save_parts({"peer": res}, out_dir=tmp_path)
    text = md.read_text()
    assert "HuggingFaceEmbedding" in text and "onnxruntime MiniLM embedder" in text
    assert text == markdown(__import__("json").loads((tmp_path / "bench.json").read_text()))
