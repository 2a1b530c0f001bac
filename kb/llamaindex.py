"""ML/AI Notes' search as a llama-index retriever (the ``llamaindex`` extra).

:class:`MLNotesRetriever` is a ``llama_index.core`` ``BaseRetriever`` over any :class:`mlnotes.kb.search.Retriever` (the
local hybrid index, Qdrant, ...): ``retrieve("query")`` returns ``NodeWithScore`` objects whose node is the
chunk's text with its citation as metadata (``citation`` ``doc_id#section_id``, ``path``, ``line_start``,
``line_end``, ``section_id``, ``title``, ``breadcrumbs``, ``kind``). It can be one retriever among several in a
llama-index app, e.g. inside a ``QueryFusionRetriever``::

    from mlnotes.kb.index import Index
    from mlnotes.kb.llamaindex import MLNotesRetriever

    retriever = MLNotesRetriever(Index.load(".mlnotes/index"), k=5, mode="hybrid")
    for n in retriever.retrieve("bias variance trade-off"):
        print(n.score, n.node.metadata["citation"], n.node.metadata["path"], n.node.metadata["line_start"])
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from mlnotes.kb.search import MODES, Filters, Retriever

#: metadata kept out of what a llama-index embedder or LLM sees of the node (they are locators, not content)
LOCATOR_KEYS = ["citation", "doc_id", "chunk_id", "path", "line_start", "line_end", "section_id", "kind", "rank"]


class MLNotesRetriever(BaseRetriever):
    """A llama-index retriever over an ML/AI Notes :class:`mlnotes.kb.search.Retriever` (``k`` hits per query, ``mode``
    bm25/dense/hybrid, optional :class:`mlnotes.kb.search.Filters`)."""

    def __init__(self, retriever: Retriever, k: int = 5, mode: str = "hybrid", filters: Filters | None = None,
                 **kwargs: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        self._ours = retriever
        self._k = k
        self._mode = mode
        self._filters = filters
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        kw = {"filters": self._filters} if self._filters else {}
        hits = self._ours.search(query_bundle.query_str, k=self._k, mode=self._mode, **kw)
        return [NodeWithScore(node=to_node(h.chunk, h.rank), score=float(h.score)) for h in hits]


def to_node(chunk: Any, rank: int = 0) -> TextNode:
    """A chunk as a llama-index ``TextNode`` (its id is the chunk id, so fusion de-duplicates by chunk)."""
    meta = {"citation": chunk.citation, "doc_id": chunk.doc_id, "chunk_id": chunk.id, "path": chunk.path,
            "line_start": chunk.line_start, "line_end": chunk.line_end, "section_id": chunk.section_id,
            "title": chunk.title, "breadcrumbs": " > ".join(chunk.breadcrumbs), "kind": chunk.kind, "rank": rank}
    return TextNode(id_=chunk.id, text=chunk.text, metadata=meta, excluded_embed_metadata_keys=list(LOCATOR_KEYS),
                    excluded_llm_metadata_keys=list(LOCATOR_KEYS))
