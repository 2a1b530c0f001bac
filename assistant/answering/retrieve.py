"""Step 1–2: retrieve, and decide whether the retrieved text supports an answer at all."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mlnotes.kb.filters import check_filters
from mlnotes.kb.index import Hit
from mlnotes.kb.search import Filters, Retriever


@dataclass(frozen=True)
class Retrieved:
    hits: list[Hit]
    qvec: np.ndarray  # the question's embedding
    support: float  # the best dense cosine between the question and a retrieved chunk (0 without hits)
    search_ms: float


def retrieve(retriever: Retriever, question: str, mode: str, k: int, filters: Filters | None = None) -> Retrieved:
    """The top ``k`` hits (the retriever validates the question; ``filters`` are checked against the index by
    :func:`mlnotes.kb.filters.check_filters`), the question vector and the support."""
    t0 = time.perf_counter()
    filters = check_filters(retriever, filters)
    hits = retriever.search(question, k=k, mode=mode, filters=filters) if filters else \
        retriever.search(question, k=k, mode=mode)
    search_ms = (time.perf_counter() - t0) * 1000
    qvec = retriever.embed_query(" ".join(question.split()))
    sims = retriever.chunk_vectors([h.chunk.id for h in hits]) @ qvec if hits else []
    support = float(np.max(sims)) if len(sims) else 0.0
    return Retrieved(hits, qvec, support, search_ms)


def should_abstain(r: Retrieved, threshold: float) -> bool:
    """Abstain when nothing was found or the best support is below the calibrated threshold."""
    return not r.hits or r.support < threshold
