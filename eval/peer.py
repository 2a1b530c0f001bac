"""The peer pipeline: the same chunks and gold set through stock llama-index (no LLM, no network).

llama-index gets TextNodes built from our chunks (node id = our chunk id, carrying our stored float32 MiniLM
vector), a FAISS inner-product vector store, its own ``BM25Retriever`` (bm25s with an English stemmer) and a
``QueryFusionRetriever`` in ``reciprocal_rerank`` mode with ``num_queries=1`` (so no query generation, hence
no LLM). ``Settings.llm`` is set to ``None`` (llama-index then uses its offline MockLLM) and ``Settings.embed_model``
to the peer's query embedder, so nothing can reach for OpenAI.

Two query embedders (``embed``):

* ``"huggingface"``, the stock configuration a llama-index user writes: ``HuggingFaceEmbedding(model_name=<the
  packaged all-MiniLM-L6-v2 directory>)`` from ``llama-index-embeddings-huggingface``, i.e. sentence-transformers
  on PyTorch (offline: a local directory); PyTorch's threads as the caller says (default: one per core).
* ``"ours"``: a small ``BaseEmbedding`` over our own embedder (onnxruntime), so both sides pay the same query
  embedding and the comparison isolates retrieval and fusion.

Document vectors are ours in both (the index's stored float32 MiniLM vectors, each chunk's first unit): they are
the vectors sentence-transformers computes for those texts to cosine >= 0.9999 (tests/kb/test_embedding.py), so
re-embedding the chunks with PyTorch for every benchmark run would cost minutes and change no ranking; the timed
query path is what differs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlnotes.eval.data import Question, section_key
from mlnotes.eval.metrics import dedupe, per_question


def _embedding_class():
    from llama_index.core.embeddings import BaseEmbedding

    class MiniLMEmbedding(BaseEmbedding):
        """llama-index adapter over our embedder (``encode(list[str]) -> (n, 384)`` normalised float32)."""

        def __init__(self, embedder: Any, **kwargs: Any) -> None:
            super().__init__(model_name="sentence-transformers/all-MiniLM-L6-v2", embed_batch_size=64, **kwargs)
            object.__setattr__(self, "_embedder", embedder)

        @classmethod
        def class_name(cls) -> str:
            return "MiniLMEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.encode([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.encode([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.encode(list(texts)).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return MiniLMEmbedding


EMBEDDERS = {"huggingface": "llama-index HuggingFaceEmbedding (sentence-transformers on PyTorch)",
             "ours": "our onnxruntime MiniLM embedder through a BaseEmbedding adapter"}


def huggingface_embedding(threads: int | None = None):
    """The stock llama-index embedder on the packaged MiniLM directory, offline, on the CPU; PyTorch uses
    ``threads`` threads (default: one per core, as PyTorch does unless OMP_NUM_THREADS says otherwise;
    :func:`mlnotes.eval.bench.bench_peer` passes 1, see there)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from mlnotes.kb.embedding import _cores, _quiet_transformers, model_dir

    _quiet_transformers()
    torch.set_num_threads(threads or _cores())
    return HuggingFaceEmbedding(model_name=str(model_dir()), device="cpu")


class PeerPipeline:
    """BM25 + FAISS dense retrieval fused by llama-index's reciprocal rerank; ``embed`` picks the query embedder
    (:data:`EMBEDDERS`)."""

    def __init__(self, index, k: int = 30, embed: str = "ours", torch_threads: int | None = None) -> None:
        if embed not in EMBEDDERS:
            raise ValueError(f"unknown peer embedder {embed!r}; use one of {sorted(EMBEDDERS)}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import faiss
        from llama_index.core import Settings, StorageContext, VectorStoreIndex
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever
        from llama_index.vector_stores.faiss import FaissVectorStore

        self.embed_name = embed
        if embed == "huggingface":
            from mlnotes.kb.embedding import MODEL_ID

            model = index.describe().get("model")
            if model != MODEL_ID:
                raise ValueError(f"the HuggingFace peer embeds queries with {MODEL_ID}, but this index holds "
                                 f"{model!r} vectors; use embed='ours' or an index built with {MODEL_ID}")
            self.embed = huggingface_embedding(torch_threads)
        else:
            self.embed = _embedding_class()(index.embedder)
        Settings.llm = None
        Settings.embed_model = self.embed
        chunks = list(index.iter_chunks())
        vectors = index.chunk_vectors([c.id for c in chunks])
        self.chunk_by_id = {c.id: c for c in chunks}
        t0 = time.perf_counter()
        nodes = []
        for c, v in zip(chunks, vectors):
            nodes.append(TextNode(id_=c.id, text=c.index_text, embedding=v.astype(np.float32).tolist(),
                                  metadata={"doc_id": c.doc_id, "section_id": c.section_id},
                                  excluded_embed_metadata_keys=["doc_id", "section_id"],
                                  excluded_llm_metadata_keys=["doc_id", "section_id"]))
        fidx = faiss.IndexFlatIP(int(vectors.shape[1]))
        storage = StorageContext.from_defaults(vector_store=FaissVectorStore(faiss_index=fidx))
        vindex = VectorStoreIndex(nodes, storage_context=storage, embed_model=self.embed, show_progress=False)
        self.vector = vindex.as_retriever(similarity_top_k=k)
        self.bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=k)
        self.fusion = QueryFusionRetriever([self.vector, self.bm25], similarity_top_k=k, num_queries=1,
                                           mode="reciprocal_rerank", use_async=False, verbose=False,
                                           llm=Settings.llm)
        self.build_seconds = time.perf_counter() - t0

    def rank_sections(self, question: str, which: str = "hybrid") -> list[str]:
        retriever = {"hybrid": self.fusion, "bm25": self.bm25, "dense": self.vector}[which]
        nodes = retriever.retrieve(question)
        keys = []
        for n in nodes:
            c = self.chunk_by_id.get(n.node.node_id)
            if c is not None:
                keys.append(section_key(c.doc_id, c.section_id))
        return dedupe(keys)


def side_by_side(index, questions: Sequence[Question], k: int = 30) -> dict[str, Any]:
    """Ours (hybrid, current fusion settings) and the peer's fusion over the same questions, one run.

    Latency is per query including query embedding (our query cache is cleared before each query).
    """
    from mlnotes.eval.retrieval import CANDIDATES

    peer = PeerPipeline(index, k=k, embed="ours")
    ours_rows, peer_rows, ours_ms, peer_ms = {}, {}, [], []
    peer.rank_sections("warm up")
    index.search("warm up", k=k)
    for q in questions:
        index.clear_query_cache()
        t0 = time.perf_counter()
        hits = index.search(q.question, k=CANDIDATES, mode="hybrid")
        ours_ms.append((time.perf_counter() - t0) * 1000)
        ours_rows[q.id] = per_question(dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in hits]),
                                       q.relevant)
        t0 = time.perf_counter()
        ranking = peer.rank_sections(q.question)
        peer_ms.append((time.perf_counter() - t0) * 1000)
        peer_rows[q.id] = per_question(ranking, q.relevant)
    return {"ours_rows": ours_rows, "peer_rows": peer_rows, "ours_ms": ours_ms, "peer_ms": peer_ms,
            "peer_build_seconds": peer.build_seconds,
            "peer": "llama-index BM25Retriever + FAISS IndexFlatIP + QueryFusionRetriever(reciprocal_rerank)"}
