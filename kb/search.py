"""The retrieval seam: what the rest of the project may ask of a search backend, and how to open one.

:class:`Retriever` is the protocol every backend implements. Like bm25s takes ``k`` per call, a retriever takes
the mode and the fusion parameters per call (``None`` means the backend's defaults, which are
:data:`mlnotes.kb.fusion.DEFAULT_FUSION` unless the caller opened it with others); nothing is configured by assigning
attributes after construction, so one retriever can serve concurrent requests with different parameters.

The local backend is :class:`mlnotes.kb.index.Index` (bm25s + FAISS over files on disk). Backends are looked up by name
in :data:`BACKENDS`; adding one (the scale-out issue's Qdrant, say) is one new module with an ``open_*`` function
returning a :class:`Retriever`, plus one line here::

    BACKENDS = {"local": "mlnotes.kb.index:open_local", "qdrant": "mlnotes.kb.qdrant:open_qdrant"}

``MLNOTES_SEARCH_BACKEND`` (:class:`mlnotes.assistant.settings.Settings`) then selects it, and every caller (API, CLI,
evaluation) goes through :func:`open_retriever`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np

from mlnotes.kb.fusion import DEFAULT_FUSION, FUSIONS, FusionParams

if TYPE_CHECKING:  # pragma: no cover
    from mlnotes.kb.chunker import Chunk
    from mlnotes.kb.index import Hit

__all__ = ["BACKENDS", "DEFAULT_FUSION", "FUSIONS", "MODES", "Filters", "FusionParams", "Mode", "Retriever",
           "open_retriever"]

MODES = ("bm25", "dense", "hybrid")
Mode = Literal["bm25", "dense", "hybrid"]

# backend name -> "module:function"; the function takes the keyword arguments of open_retriever (minus backend)
BACKENDS: dict[str, str] = {
    "local": "mlnotes.kb.index:open_local",
    "qdrant": "mlnotes.kb.qdrant:open_qdrant",
}


@dataclass(frozen=True)
class Filters:
    """Restrict a search to chunks of one kind (guide, chapter, interview, reference), one topic (a value of the
    document's front-matter ``topics``) and/or one document (its id or corpus-relative path). ``None`` = any."""

    kind: str | None = None
    topic: str | None = None
    document: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.kind, self.topic, self.document))


@runtime_checkable
class Retriever(Protocol):
    """A searchable store of chunks (see the module docstring)."""

    name: str
    defaults: FusionParams

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *, fusion: str | None = None,
               rrf_k: float | None = None, w_dense: float | None = None, filters: Filters | None = None,
               candidates: int = 50, rerank: bool | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first; raises :class:`mlnotes.kb.index.QueryError` on bad input.
        ``rerank`` (``None`` = :attr:`defaults`): hybrid search reorders its first fused candidates with the
        learned reranker (:mod:`mlnotes.kb.rerank`)."""
        ...

    def get(self, chunk_id: str) -> Chunk | None:
        """The chunk with this id, or ``None``."""
        ...

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, in a stable order."""
        ...

    def __len__(self) -> int: ...

    def embed_query(self, query: str) -> np.ndarray:
        """The query's unit-length embedding (the same model as the chunk vectors; may be cached)."""
        ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of arbitrary texts, one row each (``(0, d)`` for no texts)."""
        ...

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The stored embeddings of these chunks, one row each, in the given order."""
        ...

    def clear_query_cache(self) -> None:
        """Forget cached query embeddings (benchmarks measure the real embedding cost)."""
        ...

    def describe(self) -> dict:
        """What is loaded, for the health route: ``backend``, ``chunks``, ``files``, ``model``."""
        ...

    def with_defaults(self, defaults: FusionParams) -> Retriever:
        """A view sharing this retriever's data whose searches default to ``defaults``."""
        ...


def backend_opener(backend: str) -> Callable[..., Retriever]:
    """The ``open_*`` function registered for ``backend``; the error lists the registered names."""
    try:
        target = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown search backend {backend!r}; registered backends: {sorted(BACKENDS)}") from None
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def open_retriever(backend: str = "local", *, index_dir: Path, corpus_dir: Path | None = None,
                   defaults: FusionParams = DEFAULT_FUSION, embedder=None, progress: bool = False,
                   log: Callable[[str], None] | None = None, **options) -> Retriever:
    """Open the retriever registered as ``backend``.

    With ``corpus_dir`` the local backend checks that the index is current and (re)builds it when it is not;
    without it, it loads what is in ``index_dir`` as it is. ``options`` are the backend's own keyword arguments
    (``Settings.backend_options``: the Qdrant URL, API key and collection).
    """
    return backend_opener(backend)(index_dir=Path(index_dir), corpus_dir=corpus_dir, defaults=defaults,
                                   embedder=embedder, progress=progress, log=log, **options)
