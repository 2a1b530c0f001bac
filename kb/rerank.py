"""A learned reranker of the fused hybrid candidates: a linear model over features search already computes.

Hybrid search (:meth:`mlnotes.kb.index.Index.search`) fuses BM25 and dense scores into one list. The reranker takes
the first :data:`DEPTH` chunks of that list and reorders them (never adds or drops one) by ``x · w``, where ``x``
is the standardised feature row of each (query, chunk) pair (:data:`FEATURES`):

* the fused score, its z-score within the candidates and ``log(1 + fused rank)``;
* the BM25 score relative to the best candidate's, its z-score, ``log(1 + BM25 rank)`` among the candidates;
* the max-pooled dense cosine, its gap to the best candidate's, ``log(1 + dense rank)``;
* the cosine of the query with the chunk's heading unit (:func:`mlnotes.kb.windows.heading_text`) and its gap to
  the best candidate's; the same for its heading path without the document title (:func:`heading_path`, round 11);
* the IDF-weighted share of the query's terms found in the chunk's text and in its heading unit
  (:meth:`RerankData.coverage`; IDF as BM25's, ``ln(1 + (N − df + 0.5) / (df + 0.5))``);
* the chunk's kind (interview bank, guide, chapter) and, per question intent
  (:mod:`mlnotes.kb.intent`), the product intent × kind (the intent–section-type fit);
* whether its heading is an exercise or an "interview angle" aside;
* how many other candidates share its section and, among the first ten, its document.

After the linear reordering the bibliography's chunks go after all the others (:func:`bibliography_last`): no
labeller of any development set marked one relevant, yet it held top-5 places by sharing title words with questions.

Asides are ranked like any other section. Round 8 tried putting "interview angle" asides and exercises after the
other candidates: on gold tune they held 156 top-5 places and none was labelled relevant, and gold heldout R@5 rose
from .936 to .950. Two later question sets by new authors, who labelled every section that answers, showed that this
only followed the gold labellers' habit of never labelling asides: exercises with worked solutions answer many
questions (fresh5 R@5 .939 -> .579 with exercises last) and so do some angles (fresh4 .880 -> .814). It was reverted.

The weights ``w`` (and the standardisation) are fitted by ``python -m mlnotes.eval.train_reranker`` on the gold
tune split only and written to ``kb/reranker.json``; that file is the model. Scoring a query is a (DEPTH × F)
matrix product plus a few set intersections: no extra embedding (the heading paths are embedded once,
:class:`PathVectors`).

Measured (hybrid, weighted fusion w_dense 0.7; section-level hit@1 / hit@5 / MRR@10 / R@5, where R@5 = every
relevant section among the first 5):

* gold tune, 5-fold CV grouped by question: fused .877 / .987 / .922 / .944; reranked (the chosen pointwise
  logistic regression, C = 0.001) .903 / .987 / .939 / .951. Pairwise models reached a higher CV hit@1 (up to
  .922) but a lower R@5 (.943-.947); larger C overfits the tune phrasing (external hit@1 down to .797).
* external (74 answerable, a development set, never trained on): .851 / .986 / .904 / .824 fused, .878 / .986 /
  .920 / .833 reranked; paired deltas hit@1 +.027 [+.000, +.068], MRR +.016 [-.000, +.037].
* gold heldout (369), measured once with the final model: .856 / .986 / .916 / .921 fused, .897 / .992 / .941 /
  .936 reranked; paired deltas hit@1 +.041 [+.014, +.068], MRR +.025 [+.011, +.039], R@5 +.015 [+.002, +.029].
  The target R@5 >= .94 is not reached (.936 [.916, .953]).
* round 11 (rank16i), the title-free heading path (``path_cos``, ``path_gap``; :func:`heading_path`) added and
  the model retrained the same way (again pointwise, C = 0.001): tune CV .903 / .987 / .939 / .951 -> .922 / .989
  / .951 / .956; external .865 / .973 / .908 / .840 -> .878 / .973 / .919 / .845; gold heldout, measured once
  after the choice, .902 / .992 / .942 / .937 -> .913 / .997 / .950 / .952 (R@5 +.014 [+.005, +.026]). The
  fresh1-8 sets (development, 155 answerable, labelled by other authors) do not move beyond noise: R@5 .870 ->
  .866, -.004 [-.020, +.010]. Numbers and the questions that changed: docs/answer-quality.md, "Round 11
  (rank16i)". The path vectors are embedded once (about 9 s for the corpus's 1,300 distinct paths), the
  per-query cost is a (30 x 384) product, 0.04 ms.
* cost (the shared 2-core machine at load averages 4-7): the reranking step itself (features of 30 candidates,
  intent rules, heading cosines, the matrix product) takes 0.19 ms (best of 3 x 2000 timeit runs; the features
  0.12 ms of it); ``mlnotes bench search`` with a cached query vector gives p50 1.55-1.72 ms reranked against
  1.17-1.31 ms fused in three runs (+0.38 to +0.41 ms). With the query embedded, the noise of that loaded machine
  dominates: hybrid p50 20.0 vs 16.5 ms (interleaved), and a paired per-query median difference of +0.55 ms.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlnotes.kb.query import with_diagnosis

if TYPE_CHECKING:  # pragma: no cover
    from mlnotes.kb.chunker import Chunk

MODEL_FILE = Path(__file__).resolve().with_name("reranker.json")
DEPTH = 30  # fused candidates reordered (the evaluation ranks 30 chunks per question)
KINDS = ("interview", "guide", "chapter")
INTENTS = ("definition", "comparison", "how_to_choose", "complexity", "formula", "code", "why_how", "debugging")
_EXERCISE = re.compile(r"^\s*exercise\b", re.IGNORECASE)
_ANGLE = re.compile(r"^\s*interview angle\b", re.IGNORECASE)

BASE_FEATURES = (
    "fused", "fused_z", "fused_logrank",
    "bm25_rel", "bm25_z", "bm25_logrank",
    "dense", "dense_gap", "dense_logrank",
    "head_cos", "head_gap", "path_cos", "path_gap",
    "cov_text", "cov_head",
    "kind_interview", "kind_guide", "kind_chapter",
    "is_exercise", "is_angle",
    "same_section", "same_doc_top10",
)
FEATURES = BASE_FEATURES + tuple(f"{i}*{k}" for i in INTENTS for k in KINDS)
_COL = {name: j for j, name in enumerate(FEATURES)}


def _z(x: np.ndarray) -> np.ndarray:
    c = x - x.sum() / len(x)
    sd = math.sqrt(float(c @ c) / len(x))
    return c / sd if sd > 1e-12 else np.zeros_like(x)


def _rank_of(x: np.ndarray) -> np.ndarray:
    """1-based rank of each entry by descending value (ties by position)."""
    order = np.argsort(-x, kind="stable")
    r = np.empty(len(x), dtype=np.float64)
    r[order] = np.arange(1, len(x) + 1)
    return r


class RerankData:
    """Per-corpus lookups the features need, built once from the backend's chunks: per chunk id, its kind (index
    into :data:`KINDS`, -1 for another), its exercise / interview-angle flags, integer codes of its section and
    document, and its stemmed term sets (indexed text; heading unit); and the document frequencies behind the
    IDF weights."""

    def __init__(self, chunks: Iterable[Chunk], cache: Path | None = None) -> None:
        from mlnotes.kb.windows import heading_text

        chunks = list(chunks)
        headings = [heading_text(c) for c in chunks]
        terms = _load_terms(cache, chunks, headings) if cache is not None else None
        if terms is None:
            from mlnotes.kb.bm25 import tokenize

            terms = ([frozenset(tokenize(c.index_text)) for c in chunks], [frozenset(tokenize(h)) for h in headings])
            if cache is not None:
                _save_terms(cache, chunks, headings, terms)
        self.info: dict[str, tuple[int, float, float, int, int, frozenset[str], frozenset[str]]] = {}
        codes: dict[str, int] = {}
        df: dict[str, int] = {}
        for c, text_terms, head_terms in zip(chunks, *terms):
            heading = c.heading or ""
            self.info[c.id] = (KINDS.index(c.kind) if c.kind in KINDS else -1,
                               float(bool(_EXERCISE.match(heading))), float(bool(_ANGLE.match(heading))),
                               codes.setdefault(f"{c.doc_id}#{c.section_id}", len(codes)),
                               codes.setdefault(f"{c.doc_id}#", len(codes)),
                               text_terms, head_terms)
            for t in text_terms:
                df[t] = df.get(t, 0) + 1
        self.n = len(self.info)
        self.df = df

    def idf(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1.0 + (self.n - d + 0.5) / (d + 0.5))

    def query_weights(self, query: str) -> dict[str, float]:
        """The query's distinct stemmed terms with their IDF (terms the corpus never uses are left out)."""
        from mlnotes.kb.bm25 import tokenize

        return {t: self.idf(t) for t in dict.fromkeys(tokenize(query)) if t in self.df}

    @staticmethod
    def coverage(weights: dict[str, float], terms: frozenset[str]) -> float:
        """IDF-weighted share of the query terms found in ``terms`` (0 for a query without known terms)."""
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in terms) / total if total > 0 else 0.0



#: the stemmed term sets of every chunk (text and heading unit) are cached in this file of a local index's
#: directory (tokenizing the corpus again costs ~0.5 s, most of a one-shot ``mlnotes ask``'s reranker set-up);
#: bump the version when :func:`mlnotes.kb.bm25.tokenize` changes what it returns
TERMS_FILE = "rerank_terms.npz"
TERMS_VERSION = 1


def _terms_key(chunks: Sequence[Chunk], headings: Sequence[str]) -> str:
    """What the cached term sets depend on: the version, and each chunk's id, indexed text and heading unit."""
    import hashlib

    h = hashlib.sha256(f"rerank-terms {TERMS_VERSION}\0".encode())
    for c, head in zip(chunks, headings):
        h.update(f"{c.id}\0{c.index_text}\0{head}\0\0".encode())
    return h.hexdigest()


def _load_terms(path: Path, chunks: Sequence[Chunk], headings: Sequence[str]
                ) -> tuple[list[frozenset[str]], list[frozenset[str]]] | None:
    """The cached term sets when ``path`` holds them for exactly these chunks; None otherwise (missing, stale or
    unreadable: the caller tokenizes again)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != _terms_key(chunks, headings):
                return None
            vocab, ids, ends = z["vocab"].tolist(), z["ids"], z["ends"]
    except (OSError, KeyError, ValueError):
        return None
    if len(ends) != 2 * len(chunks):
        return None
    sets, start = [], 0
    for end in ends.tolist():
        sets.append(frozenset(vocab[i] for i in ids[start:end].tolist()))
        start = end
    return sets[: len(chunks)], sets[len(chunks):]


def _save_terms(path: Path, chunks: Sequence[Chunk], headings: Sequence[str],
                terms: tuple[list[frozenset[str]], list[frozenset[str]]]) -> None:
    """Write the term sets beside the index (best effort: a read-only index directory only costs the next
    process the tokenizing again)."""
    from mlnotes.kb.cachefile import write_atomically

    vocab: dict[str, int] = {}
    ids: list[int] = []
    ends: list[int] = []
    for group in terms:
        for ts in group:
            ids.extend(vocab.setdefault(t, len(vocab)) for t in sorted(ts))
            ends.append(len(ids))
    write_atomically(path, lambda f: np.savez(
        f, key=np.asarray(_terms_key(chunks, headings)), vocab=np.asarray(list(vocab) or [""]),
        ids=np.asarray(ids, dtype=np.int32), ends=np.asarray(ends, dtype=np.int64)))


def heading_path(chunk: Chunk) -> str:
    """The chunk's headings without its document's title (``" > "``-joined): an interview-bank entry's question, a
    chapter section's headings from its part down; the title itself for a chunk directly under it.

    The heading unit (:func:`mlnotes.kb.windows.heading_text`) and every chunk's indexed text start with the
    document title, so a question that shares words with a title ("CNNs" and "Interview questions: CNNs and
    vision", "loss function" and "Loss functions: definitions, ...") matches every section of that document
    alike; the cosine with this path tells its sections apart by their own headings."""
    return " > ".join(b for b in chunk.breadcrumbs if b != chunk.title) or chunk.title


def paths_cache_file(index_dir: str | Path) -> Path:
    """Where a local index keeps the heading-path vectors (:class:`PathVectors`): ``<index>.rerank_paths.npz``
    beside the index folder, like the bank's caches, so that every version of the index reads and extends the
    same file and a rebuild embeds only headings no version had."""
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".rerank_paths.npz")


class PathVectors:
    """Unit vectors of every chunk's :func:`heading_path`, each distinct text embedded once (about 9 s for the
    1,300 distinct paths of the corpus on 2 cores). A local index keeps them in :func:`paths_cache_file` (text ->
    vector, with the model's id), which supplies the texts that model already embedded, so after a corpus edit only
    new headings are embedded. A missing, damaged or other model's file only costs the embedding."""

    def __init__(self, chunks: Iterable[Chunk], embed_texts, cache: Path | None = None, model_id: str = "") -> None:
        chunks = list(chunks)
        paths = [heading_path(c) for c in chunks]
        distinct = list(dict.fromkeys(paths))
        stored = load_path_cache(cache, model_id) if cache is not None else {}
        known = dict(stored)
        todo = [p for p in distinct if p not in known]
        if todo:
            new = np.asarray(embed_texts(todo), dtype=np.float32).reshape(len(todo), -1)
            known.update(zip(todo, new))
        self.vectors = (np.stack([known[p] for p in distinct]).astype(np.float32) if distinct
                        else np.zeros((0, 0), dtype=np.float32))
        if cache is not None and set(stored) != set(distinct):
            from mlnotes.kb.cachefile import write_atomically

            vectors = self.vectors
            write_atomically(cache, lambda f: np.savez(f, model=np.asarray(model_id), texts=np.asarray(distinct),
                                                        vectors=vectors))
        row = {p: r for r, p in enumerate(distinct)}
        self.row_of = {c.id: row[p] for c, p in zip(chunks, paths)}

    def cosines(self, chunk_ids: Sequence[str], qvec: np.ndarray) -> np.ndarray:
        """The cosine of the (unit) query vector with each chunk's heading path."""
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        return self.vectors[[self.row_of[i] for i in chunk_ids]] @ q if len(chunk_ids) else np.zeros(0)


def load_path_cache(path: Path, model_id: str) -> dict[str, np.ndarray]:
    """The heading-path vectors stored in ``path`` by ``model_id`` (text -> vector); empty when the file is
    missing, unreadable or from another model."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["model"]) != model_id:
                return {}
            texts, vectors = z["texts"].tolist(), z["vectors"]
    except (OSError, KeyError, ValueError):
        return {}
    if len(texts) != len(vectors):
        return {}
    return dict(zip(texts, vectors))


def features(data: RerankData, query: str, intent: str, chunks: Sequence[Chunk], fused: Sequence[float],
             bm25: Sequence[float], dense: Sequence[float], head_cos: Sequence[float],
             path_cos: Sequence[float]) -> np.ndarray:
    """The ``(len(chunks), len(FEATURES))`` feature matrix of the candidates, given in fused order (best first).

    ``bm25`` and ``dense`` are each candidate's score in that leg (0 when BM25 shares no term), ``head_cos`` the
    cosine of the query vector with the chunk's heading unit, ``path_cos`` its cosine with the chunk's heading path
    without the document title (:class:`PathVectors`), ``intent`` one of :data:`INTENTS`."""
    n = len(chunks)
    X = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return X
    c = _COL
    f = np.asarray(fused, dtype=np.float64)
    b = np.asarray(bm25, dtype=np.float64)
    d = np.asarray(dense, dtype=np.float64)
    h = np.asarray(head_cos, dtype=np.float64)
    p = np.asarray(path_cos, dtype=np.float64)
    bmax = float(b.max())
    X[:, c["fused"]], X[:, c["fused_z"]], X[:, c["fused_logrank"]] = f, _z(f), np.log1p(np.arange(1, n + 1))
    X[:, c["bm25_rel"]] = b / bmax if bmax > 0 else 0.0
    X[:, c["bm25_z"]], X[:, c["bm25_logrank"]] = _z(b), np.log1p(_rank_of(b))
    X[:, c["dense"]], X[:, c["dense_gap"]], X[:, c["dense_logrank"]] = d, d - d.max(), np.log1p(_rank_of(d))
    X[:, c["head_cos"]], X[:, c["head_gap"]] = h, h - h.max()
    X[:, c["path_cos"]], X[:, c["path_gap"]] = p, p - p.max()
    w = data.query_weights(with_diagnosis(query))  # a symptom question's coverage counts its diagnosis too
    total = sum(w.values())
    info = [data.info[ch.id] for ch in chunks]
    if total > 0:
        get = w.__getitem__
        X[:, c["cov_text"]] = [sum(map(get, r[5].intersection(w))) / total for r in info]
        X[:, c["cov_head"]] = [sum(map(get, r[6].intersection(w))) / total for r in info]
    num = np.array([r[:5] for r in info], dtype=np.float64)  # kind, exercise, angle, section code, doc code
    kind = num[:, 0].astype(np.int64)
    known = np.flatnonzero(kind >= 0)
    X[known, c["kind_interview"] + kind[known]] = 1.0
    ii = INTENTS.index(intent) if intent in INTENTS else None
    if ii is not None:
        X[known, len(BASE_FEATURES) + ii * len(KINDS) + kind[known]] = 1.0
    X[:, c["is_exercise"]], X[:, c["is_angle"]] = num[:, 1], num[:, 2]
    section, doc = num[:, 3], num[:, 4]
    X[:, c["same_section"]] = (section[:, None] == section[None, :]).sum(axis=1) - 1
    top = min(n, 10)
    X[:, c["same_doc_top10"]] = (doc[:, None] == doc[None, :top]).sum(axis=1) - (np.arange(n) < top)
    return X


def query_intent(query: str) -> str:
    """The question's intent by :func:`mlnotes.kb.intent.classify_intent` (a pure rule module)."""
    from mlnotes.kb.intent import classify_intent

    return classify_intent(query).intent


@dataclass(frozen=True)
class Reranker:
    """A linear scorer ``((x − mean) / scale) · coef`` over :data:`FEATURES` (see the module docstring)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    depth: int = DEPTH
    meta: dict | None = None

    def __post_init__(self) -> None:
        if self.features != tuple(FEATURES):
            raise ValueError("the reranker model was trained on other features than mlnotes.kb.rerank.FEATURES; "
                             "retrain it: python -m mlnotes.eval.train_reranker")
        for name in ("mean", "scale", "coef"):
            if getattr(self, name).shape != (len(FEATURES),):
                raise ValueError(f"reranker {name} must have {len(FEATURES)} entries")

    def scores(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.coef

    def order(self, X: np.ndarray) -> np.ndarray:
        """Candidate positions, best first (ties keep the fused order): a permutation of ``range(len(X))``."""
        s = self.scores(X)
        return np.lexsort((np.arange(len(s)), -s))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "depth": self.depth,
                "mean": [round(float(v), 10) + 0.0 for v in self.mean], "scale": [round(float(v), 10) + 0.0 for v in self.scale],
                "coef": [round(float(v), 10) + 0.0 for v in self.coef], "meta": self.meta or {}}

    @classmethod
    def from_dict(cls, d: dict) -> Reranker:
        return cls(tuple(d["features"]), np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coef"], float), int(d.get("depth", DEPTH)), d.get("meta") or {})


def bibliography_last(chunks: Sequence[Chunk], order: Sequence[int]) -> list[int]:
    """``order`` (positions into ``chunks``) with the bibliography's chunks (kind ``reference``) moved after all
    the others, each group keeping its order.

    A bibliography entry shares the words of its title with a question ("Weights & Biases", "selective state
    spaces") but never answers one: no labeller of any development set (gold, external, fresh1-6) labelled a
    ``references`` section relevant, yet before this rule it held a top-5 place for 24 of the 373 gold tune
    questions, 12 of the 74 answerable external ones and 4 of the 117 fresh ones. A search restricted to the
    bibliography (``Filters(kind="reference")``) is unaffected: every candidate is then one of its chunks."""
    refs = [j for j in order if chunks[j].kind == "reference"]
    return [j for j in order if chunks[j].kind != "reference"] + refs


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Reranker:
    """The trained reranker (``kb/reranker.json`` unless ``path``); a clear error when it is missing or stale."""
    p = Path(path) if path else MODEL_FILE
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no reranker model at {p}; train it: python -m mlnotes.eval.train_reranker") from None
    return Reranker.from_dict(d)


def rerank_order(model: Reranker, data: RerankData, query: str, chunks: Sequence[Chunk], fused: Sequence[float],
                 bm25: Sequence[float], dense: Sequence[float], head_cos: Sequence[float],
                 path_cos: Sequence[float]) -> np.ndarray:
    """The new order of the candidates (positions into ``chunks``, a permutation)."""
    X = features(data, query, query_intent(query), chunks, fused, bm25, dense, head_cos, path_cos)
    return model.order(X)


__all__ = ["DEPTH", "FEATURES", "MODEL_FILE", "PathVectors", "load_path_cache", "paths_cache_file", "RerankData", "Reranker",
           "bibliography_last", "features", "heading_path", "load_model", "query_intent", "rerank_order"]
