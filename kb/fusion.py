"""Fusion of ranked lists: pure functions over ``{chunk_index: score}`` mappings.

* :func:`rrf` — Reciprocal Rank Fusion (Cormack et al., 2009): ``score(d) = Σ_lists 1 / (k + rank(d))`` with
  1-based ranks; documents missing from a list contribute nothing for it.
* :func:`weighted` — a convex combination of z-score normalised scores: ``w·z(dense) + (1−w)·z(bm25)``, where
  ``z(s) = (s − mean) / std`` over that list's candidates (CombSUM with z-score normalisation). A document missing
  from a list gets that list's lowest z (it ranked below every candidate the list returned).

Why z-scores and not min–max: min–max maps every list's first hit to 1, so with ``w_dense = 0.35`` BM25's first
hit got exactly 0.65 however weakly it stood out, even with no dense support at all. With z-scores a leg's first
hit gets a share that grows with how far it stands out from that leg's other candidates, and a document a leg did
not retrieve gets that leg's minimum, never more. Measured on the gold tune split the two normalisations rank
almost alike at the same weight (eval numbers in the data16 report); the filler words that made BM25 pick the
wrong first hit are removed before BM25 by :func:`mlnotes.kb.query.bm25_query`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

FUSIONS = ("rrf", "weighted")
FusionName = Literal["rrf", "weighted"]


@dataclass(frozen=True)
class FusionParams:
    """How hybrid search fuses its two ranked lists. The one source of the defaults (served by the API, used by
    the CLI, the evaluation and ``Index.load()`` in a notebook).

    Chosen on the development sets (the gold tune split, 373 questions, and the external set of 62 answerable
    public questions; never on gold heldout) after dense retrieval became multi-vector (mlnotes.kb.windows: windows that
    fit MiniLM's 256 word pieces plus the heading, max pooling) and weighted fusion started scoring every candidate
    in both legs (:meth:`mlnotes.kb.index.Index._complete`: no floor for a chunk one leg did not retrieve). Over w_dense
    0.4..0.8 (hit@1/hit@5/MRR@10): 0.6 gave tune .885/.979/.928 and external .694/.871/.762; 0.7 gave tune
    .879/.987/.923 and external .726/.887/.791; 0.75 tune .869/.989/.918, external .742/.887/.799; 0.8 fell on
    both. 0.7 is the best compromise (tune MRR within 0.005 of its best, external clearly up). Reported, not tuned
    on, by ``mlnotes eval``: gold heldout .856/.986/.916 (the former default, one truncated vector per chunk and
    w_dense 0.6: .832/.984/.898). ``rrf_k`` 5 was the best RRF constant on tune.

    Re-checked after the query preparation (:class:`mlnotes.kb.query.QueryPrep`: spelling correction, acronyms; and
    the completed label of external ml-28), tune / external hit@1, hit@5, MRR@10, R@5: w 0.6 .882/.981/.926/.931
    and .710/.887/.776/.731; 0.65 .882/.987/.925/.939 and .726/.887/.795/.753; **0.7** .879/.987/.923/.944 and
    .758/.919/.821/.763; 0.75 .871/.989/.920/.948 and .758/.903/.813/.763; 0.8 .869/.987/.916/.945 and
    .677/.887/.772/.758; RRF k 5 / 20 / 60 below weighted on both sets (tune MRR .912/.910/.908, external
    .769/.766/.758). 0.75 would gain R@5 on tune (+.004) at a loss in hit@1 and MRR there; 0.7 stays.

    ``rerank``: hybrid search reorders its first 30 fused chunks with the learned reranker
    (:mod:`mlnotes.kb.rerank`, trained on the tune split of these fused candidates); on by default because it wins
    on tune (5-fold CV) and on external and does not lose on gold heldout (numbers in :mod:`mlnotes.kb.rerank`).
    """

    fusion: FusionName = "weighted"
    rrf_k: float = 5.0
    w_dense: float = 0.7
    rerank: bool = True  # reorder the first fused candidates with the learned reranker (mlnotes.kb.rerank)

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; valid fusions: {list(FUSIONS)}")
        if self.rrf_k < 0:
            raise ValueError("RRF k must be >= 0")
        if not 0.0 <= self.w_dense <= 1.0:
            raise ValueError("w_dense must be in [0, 1]")
        if not isinstance(self.rerank, bool):
            raise ValueError("rerank must be true or false")

    def with_(self, fusion: str | None = None, rrf_k: float | None = None,
              w_dense: float | None = None, rerank: bool | None = None) -> FusionParams:
        """These parameters with the given ones replaced (``None`` keeps the current value)."""
        changes = {k: v for k, v in (("fusion", fusion), ("rrf_k", rrf_k), ("w_dense", w_dense), ("rerank", rerank))
                   if v is not None}
        return replace(self, **changes) if changes else self


DEFAULT_FUSION = FusionParams()


def rank_list(scores: Mapping[int, float]) -> list[int]:
    """Ids sorted by score descending, ties broken by id ascending (deterministic)."""
    return sorted(scores, key=lambda i: (-scores[i], i))


def rrf(lists: Sequence[Mapping[int, float]], k: float = 60.0) -> dict[int, float]:
    """Reciprocal Rank Fusion of several ranked lists (each a mapping id -> score)."""
    if k < 0:
        raise ValueError("RRF k must be >= 0")
    fused: dict[int, float] = {}
    for scores in lists:
        for rank, doc in enumerate(rank_list(scores), start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    return fused


def minmax(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale scores to [0, 1]; a list whose scores are all equal maps to 1.0 for every id."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi == lo:
        return {d: 1.0 for d in scores}
    return {d: (s - lo) / (hi - lo) for d, s in scores.items()}


def zscore(scores: Mapping[int, float]) -> dict[int, float]:
    """``(s − mean) / std`` (population std) per id; a list whose scores are all equal maps to 0.0 for every id."""
    if not scores:
        return {}
    n = len(scores)
    mean = sum(scores.values()) / n
    var = sum((s - mean) ** 2 for s in scores.values()) / n
    sd = math.sqrt(var)
    if sd <= 1e-12 * max(1.0, abs(mean)):
        return {d: 0.0 for d in scores}
    return {d: (s - mean) / sd for d, s in scores.items()}


def weighted(dense: Mapping[int, float], sparse: Mapping[int, float], w_dense: float = 0.5) -> dict[int, float]:
    """``w_dense · z(dense) + (1 − w_dense) · z(sparse)`` over the union of ids; an id missing from a list gets
    that list's lowest z (see the module docstring for why z-scores rather than min–max)."""
    if not 0.0 <= w_dense <= 1.0:
        raise ValueError("w_dense must be in [0, 1]")
    zd, zs = zscore(dense), zscore(sparse)
    floor_d = min(zd.values()) if zd else 0.0
    floor_s = min(zs.values()) if zs else 0.0
    out: dict[int, float] = {}
    for d in set(zd) | set(zs):
        out[d] = w_dense * zd.get(d, floor_d) + (1.0 - w_dense) * zs.get(d, floor_s)
    return out


def fuse(method: str, dense: Mapping[int, float], sparse: Mapping[int, float], *,
         rrf_k: float = DEFAULT_FUSION.rrf_k, w_dense: float = DEFAULT_FUSION.w_dense) -> dict[int, float]:
    """Dispatch to a fusion method by name; the error lists the valid choices."""
    if method == "rrf":
        return rrf([dense, sparse], k=rrf_k)
    if method == "weighted":
        return weighted(dense, sparse, w_dense=w_dense)
    raise ValueError(f"unknown fusion {method!r}; valid fusions: {list(FUSIONS)}")
