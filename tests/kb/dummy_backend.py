"""A second retrieval backend, for the tests: brute-force NumPy over the local index's files, no bm25s, no FAISS.

It exists to show what adding a backend takes: this one file plus one line in ``mlnotes.kb.search.BACKENDS``
(``"dummy": "tests.kb.dummy_backend:open_dummy"``, which the tests add with ``monkeypatch.setitem``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.fusion import DEFAULT_FUSION, FusionParams, fuse
from mlnotes.kb.index import Hit, QueryError, validate_query
from mlnotes.kb.search import MODES, Filters


class DummyRetriever:
    name = "dummy"

    def __init__(self, chunks: list[Chunk], vectors: np.ndarray, embedder, defaults: FusionParams,
                 owner: np.ndarray | None = None) -> None:
        self.chunks, self.vectors, self.embedder, self.defaults = chunks, vectors, embedder, defaults
        # unit row -> chunk row (the index's vector_owner.npy); one unit per chunk when absent
        self.owner = np.arange(len(chunks)) if owner is None else np.asarray(owner, dtype=np.int64)
        self._first_unit = {int(r): u for u, r in reversed(list(enumerate(self.owner)))}
        self._row = {c.id: i for i, c in enumerate(chunks)}
        self._terms = [set(tokenize(c.index_text)) for c in chunks]

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *, fusion=None, rrf_k=None, w_dense=None,
               filters: Filters | None = None, candidates: int = 50, rerank=None) -> list[Hit]:
        query = validate_query(query)
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; valid modes: {list(MODES)}")
        p = self.defaults.with_(fusion, rrf_k, w_dense)
        rows = [i for i, c in enumerate(self.chunks) if not filters or (
            (filters.kind is None or c.kind == filters.kind) and filters.document in (None, c.doc_id, c.path))]
        q = set(tokenize(query))
        sparse = {i: float(len(q & self._terms[i])) for i in rows if q & self._terms[i]}
        sims = np.full(len(self.chunks), -np.inf, dtype=np.float32)
        np.maximum.at(sims, self.owner, self.vectors @ self.embed_query(query))  # a chunk: the max over its units
        dense = {i: float(sims[i]) for i in rows}
        scores = sparse if mode == "bm25" else dense if mode == "dense" else fuse(
            p.fusion, dense, sparse, rrf_k=p.rrf_k, w_dense=p.w_dense)
        order = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [Hit(self.chunks[i], scores[i], r, mode, sparse.get(i), dense.get(i)) for r, i in enumerate(order, 1)]

    def get(self, chunk_id: str) -> Chunk | None:
        i = self._row.get(chunk_id)
        return None if i is None else self.chunks[i]

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.encode([" ".join(query.split())])[0]

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode(list(texts)) if texts else np.zeros((0, self.vectors.shape[1]), np.float32)

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        return self.vectors[[self._first_unit[self._row[c]] for c in chunk_ids]]

    def clear_query_cache(self) -> None:
        pass

    def describe(self) -> dict:
        return {"backend": self.name, "chunks": len(self.chunks), "files": len({c.path for c in self.chunks}),
                "model": getattr(self.embedder, "model_id", None)}

    def with_defaults(self, defaults: FusionParams) -> DummyRetriever:
        return DummyRetriever(self.chunks, self.vectors, self.embedder, defaults, self.owner)


def open_dummy(*, index_dir: Path, corpus_dir: Path | None = None, defaults: FusionParams = DEFAULT_FUSION,
               embedder=None, progress: bool = False, log=None) -> DummyRetriever:
    from tests.kb.fakes import HashingEmbedder

    lines = (Path(index_dir) / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    chunks = [Chunk.from_dict(json.loads(line)) for line in lines if line]
    vectors = np.load(Path(index_dir) / "embeddings.npy", allow_pickle=False)
    owner_file = Path(index_dir) / "vector_owner.npy"
    owner = np.load(owner_file, allow_pickle=False) if owner_file.exists() else None
    return DummyRetriever(chunks, vectors, embedder or HashingEmbedder(), defaults, owner)
