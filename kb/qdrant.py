"""The ``qdrant`` retrieval backend: the same :class:`mlnotes.kb.search.Retriever` over a Qdrant collection.

One collection per index, reached through an alias (the configured collection name). Each chunk is one point:

* ``dense``: the chunk's MiniLM unit embeddings as one multivector (:mod:`mlnotes.kb.windows`: windows that fit the
  embedder's input, and the heading alone; taken from the local index when syncing from it), dot product with
  Qdrant's ``MAX_SIM`` comparator. A one-vector query against it scores ``max`` over the chunk's units: the local
  index's max pooling (the vectors are unit length, so each dot is the cosine the local FAISS index ranks by);
* ``bm25``: a sparse vector of the chunk's BM25 term weights from :func:`mlnotes.kb.bm25.tokenize` (the same stop words
  and Snowball stemmer as the local index). The point holds the document side of Lucene's BM25,
  ``tf / (tf + k1·(1 − b + b·dl/avgdl))``; the collection's ``IDF`` modifier multiplies in
  ``ln(1 + (N − df + 0.5)/(df + 0.5))`` at query time, which is bm25s' ``lucene`` IDF, so a query vector of term
  counts scores a chunk as the local index does (terms are hashed to 32-bit ids; a collision merges two terms);
* payload: the chunk's fields, the document's front-matter ``topics`` and the chunk's ``content_hash``, with
  keyword indexes on ``kind``, ``topics``, ``doc_id`` and ``path`` (the filters).

Both legs run server-side in one request: a batch of two queries when our fusion (:mod:`mlnotes.kb.fusion`, weighted
or RRF) fuses them client-side, or one query whose two ``prefetch`` legs Qdrant fuses with its own RRF when the
retriever is opened with ``server_rrf`` (Qdrant scores ``1/(k + rank0)`` with 0-based ranks, so it is given
``rrf_k + 1`` to score exactly like :func:`mlnotes.kb.fusion.rrf`'s ``1/(rrf_k + rank)`` with 1-based ranks; a
fractional ``rrf_k``, which it cannot take, is fused client-side; the leg scores are not returned). Filters become a Qdrant filter applied inside both legs.

:func:`sync_collection` writes an index: when the collection behind the alias was built with the same schema,
embedder and chunker it upserts the chunks whose content hash (or payload: lines, topics) changed and deletes the
removed ones in place, refreshing the other chunks' sparse vectors only when the mean chunk length moved by over
1% (below that, their BM25 factors are off by less than that until the next refresh);
otherwise (first build, another version, ``force``) it fills a new collection and switches the alias to it in
one atomic alias operation, then drops the old one. The collection records the embedder, chunker version and
schema in its metadata; a retriever refuses a collection built with others and says to re-index.

``url`` is a server URL (``http://host:6333``), a local folder or ``:memory:`` (qdrant-client's embedded mode).
Server problems (unreachable, wrong API key, missing collection) raise :class:`QdrantUnavailableError`, an
:class:`mlnotes.kb.index.IndexUnavailableError` naming the URL (the API answers 503); nothing is cached across a failure,
so requests succeed again once the server is back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import CHUNKER_VERSION, Chunk
from mlnotes.kb.fusion import DEFAULT_FUSION, FusionParams, fuse
from mlnotes.kb.index import (
    COMPLETE_LEGS,
    EmbedderLike,
    Hit,
    IndexStaleError,
    IndexUnavailableError,
    QueryError,
    validate_search,
)
from mlnotes.kb.query import Lazy, QueryPrep, bm25_query
from mlnotes.kb.rerank import DEPTH as RERANK_DEPTH
from mlnotes.kb.rerank import PathVectors, RerankData, bibliography_last, features, load_model, query_intent
from mlnotes.kb.search import Filters

SCHEMA_VERSION = "2"  # 2: the dense vector is a multivector of the chunk's embedding units
DENSE, SPARSE = "dense", "bm25"
K1, B = 1.5, 0.75  # mlnotes.kb.bm25.BM25Index's defaults (bm25s' lucene method)
BATCH = 256
DEFAULT_COLLECTION = "mlnotes"
_NS = uuid.UUID("0f5c9a52-5d0e-4a39-9d8e-6b1c2f7a4e11")  # point id = uuid5(_NS, chunk id)
_EXTRA = ("topics", "content_hash", "record_hash")  # payload keys that are not Chunk fields
INDEXED_FIELDS = ("kind", "topics", "doc_id", "path")


class QdrantUnavailableError(IndexUnavailableError):
    """The Qdrant server cannot be used (unreachable, refused credentials, no collection); names the URL."""


class QdrantStaleError(IndexStaleError):
    """The collection was built with another embedder, chunker or schema; re-index."""


# ---------------------------------------------------------------------------------------------- helpers
def point_id(chunk_id: str) -> str:
    return str(uuid.uuid5(_NS, chunk_id))


def term_id(term: str) -> int:
    """A stable 32-bit id for a stemmed term (the sparse vector's dimension)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "little")


def _sparse(weights: dict[int, float]):
    from qdrant_client import models as m

    ids = sorted(weights)
    return m.SparseVector(indices=ids, values=[float(weights[i]) for i in ids])


def doc_side_weights(tokens: Sequence[str], avgdl: float, k1: float = K1, b: float = B) -> dict[int, float]:
    """Lucene BM25's document factor of every term of one chunk (the IDF is Qdrant's modifier)."""
    dl = max(len(tokens), 1)  # bm25s gives an empty document one placeholder token
    norm = k1 * (1 - b + b * dl / avgdl)
    out: dict[int, float] = {}
    for term, tf in Counter(tokens).items():
        tid = term_id(term)
        out[tid] = out.get(tid, 0.0) + tf / (tf + norm)
    return out


def query_weights(query: str) -> dict[int, float]:
    out: dict[int, float] = {}
    for term, n in Counter(tokenize(query)).items():
        tid = term_id(term)
        out[tid] = out.get(tid, 0.0) + float(n)
    return out


def average_length(token_lists: Iterable[Sequence[str]]) -> float:
    lengths = [max(len(t), 1) for t in token_lists]
    return float(np.mean(lengths)) if lengths else 1.0


def is_server_url(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def connect(url: str, api_key: str | None = None, timeout: float = 10.0):
    """A client for ``url``: a server URL, a local folder, or ``:memory:`` (embedded modes)."""
    from qdrant_client import QdrantClient

    if url == ":memory:":
        return QdrantClient(location=":memory:")
    if is_server_url(url):
        return QdrantClient(url=url, api_key=api_key or None, timeout=int(timeout), prefer_grpc=False,
                            check_compatibility=False)
    return QdrantClient(path=url)


def describe_failure(exc: BaseException, url: str, collection: str) -> str:
    """One line saying what went wrong with the server at ``url`` and what to do."""
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return (f"Qdrant at {url} refused the credentials (HTTP {status}); set MLNOTES_QDRANT_API_KEY to the "
                "server's API key")
    if status == 404:
        return (f"Qdrant at {url} has no collection {collection!r}; build it with "
                "'mlnotes index --backend qdrant'")
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    return (f"cannot reach Qdrant at {url} ({detail}); start the server or fix MLNOTES_QDRANT_URL "
            "(a server URL, a local folder, or :memory:)")


def _resolve_alias(client, alias: str) -> str | None:
    """The collection the alias points to (or ``alias`` itself when it names a plain collection), else None."""
    for a in client.get_aliases().aliases:
        if a.alias_name == alias:
            return a.collection_name
    if client.collection_exists(alias):
        return alias
    return None


def expected_metadata(model_id: str, dim: int) -> dict[str, Any]:
    return {"mlnotes_schema": SCHEMA_VERSION, "model_id": model_id, "chunker_version": CHUNKER_VERSION,
            "dim": int(dim)}


def _incompatibility(meta: dict[str, Any] | None, model_id: str | None, dim: int | None) -> str | None:
    """Why a collection with ``meta`` cannot be used (None when it can)."""
    meta = meta or {}
    if meta.get("mlnotes_schema") != SCHEMA_VERSION:
        return f"schema {meta.get('mlnotes_schema')!r}, expected {SCHEMA_VERSION!r}"
    if meta.get("chunker_version") != CHUNKER_VERSION:
        return f"chunker version {meta.get('chunker_version')!r}, expected {CHUNKER_VERSION!r}"
    if model_id is not None and meta.get("model_id") != model_id:
        return f"embedder {meta.get('model_id')!r}, expected {model_id!r}"
    if dim is not None and meta.get("dim") != dim:
        return f"dimension {meta.get('dim')}, expected {dim}"
    return None


# ---------------------------------------------------------------------------------------------- writing
class SyncStats:
    def __init__(self) -> None:
        self.collection = ""
        self.rebuilt = False
        self.upserted = 0
        self.deleted = 0
        self.unchanged = 0
        self.reweighted = 0
        self.seconds = 0.0
        self.reason = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _payload(c: Chunk, docs: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    topics = list((docs or {}).get(c.doc_id, {}).get("topics", []))
    p = {**c.to_dict(), "topics": topics, "content_hash": c.content_hash}
    return p | {"record_hash": _record_hash(p)}


def _record_hash(payload: dict[str, Any]) -> str:
    """A hash of everything a point carries but its vectors: a chunk whose text is unchanged but whose lines
    moved (an edit above it) or whose document's topics changed is re-uploaded too."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _create(client, name: str, dim: int, metadata: dict[str, Any], shards: int | None = None,
            replicas: int | None = None) -> None:
    from qdrant_client import models as m

    client.create_collection(
        name, vectors_config={DENSE: m.VectorParams(
            size=dim, distance=m.Distance.DOT,
            multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM))},
        sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
        shard_number=shards, replication_factor=replicas, metadata=metadata)
    with warnings.catch_warnings():  # the embedded mode says payload indexes have no effect there
        warnings.simplefilter("ignore", UserWarning)
        for f in INDEXED_FIELDS:
            client.create_payload_index(name, field_name=f, field_schema=m.PayloadSchemaType.KEYWORD)


def _upload(client, name: str, rows: Sequence[int], chunks: Sequence[Chunk], vectors: Sequence[np.ndarray],
            weights: Sequence[dict[int, float]], docs, progress: bool, batch: int, desc: str) -> None:
    from qdrant_client import models as m
    from tqdm.auto import tqdm

    bar = tqdm(total=len(rows), desc=desc, unit="chunk", disable=not progress)
    for s in range(0, len(rows), batch):
        part = rows[s: s + batch]
        points = [m.PointStruct(id=point_id(chunks[i].id),
                                vector={DENSE: vectors[i].tolist(), SPARSE: _sparse(weights[i])},
                                payload=_payload(chunks[i], docs)) for i in part]
        client.upsert(name, points=points, wait=True)
        bar.update(len(part))
    bar.close()


def _existing_hashes(client, name: str) -> dict[str, str]:
    """point id -> record hash of every point in the collection."""
    out: dict[str, str] = {}
    offset = None
    while True:
        points, offset = client.scroll(name, limit=1024, offset=offset, with_payload=["record_hash"],
                                       with_vectors=False)
        for p in points:
            out[str(p.id)] = (p.payload or {}).get("record_hash", "")
        if offset is None:
            return out


def sync_collection(client, alias: str, chunks: Sequence[Chunk], vectors, *, model_id: str,
                    docs: dict[str, dict[str, Any]] | None = None, n_files: int = 0, force: bool = False,
                    progress: bool = False, batch: int = BATCH, shards: int | None = None,
                    replicas: int | None = None, log: Callable[[str], None] | None = None) -> SyncStats:
    """Make the collection behind ``alias`` hold exactly ``chunks`` (see the module docstring). ``vectors``: one
    ``(n_units, dim)`` array per chunk, or a ``(n_chunks, dim)`` array (one unit each)."""
    from qdrant_client import models as m

    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    stats = SyncStats()
    vectors = [np.asarray(v, dtype=np.float32).reshape(-1, np.shape(v)[-1]) for v in vectors]
    if len(vectors) != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    dim = int(vectors[0].shape[1]) if vectors else 0
    tokens = [tokenize(c.index_text) for c in chunks]
    avgdl = average_length(tokens)
    weights = [doc_side_weights(t, avgdl) for t in tokens]
    meta = {**expected_metadata(model_id, dim), "avgdl": avgdl, "n_chunks": len(chunks), "n_files": int(n_files),
            "updated_at": time.time()}
    current = _resolve_alias(client, alias)
    if current == alias:
        raise QdrantUnavailableError(f"{alias!r} is a plain collection, not an alias; choose another "
                                     "MLNOTES_QDRANT_COLLECTION or delete that collection")
    reason = None
    if current is None:
        reason = f"no collection behind alias {alias!r}; building one"
    elif force:
        reason = "rebuild requested"
    else:
        old_meta = client.get_collection(current).config.metadata
        why = _incompatibility(old_meta, model_id, dim)
        if why:
            reason = f"collection {current!r} was built with {why}; rebuilding"
    if reason is None:  # incremental, in place
        stats.collection = current
        old_meta = client.get_collection(current).config.metadata or {}
        have = _existing_hashes(client, current)
        want = {point_id(c.id): (i, _payload(c, docs)["record_hash"]) for i, c in enumerate(chunks)}
        changed = [i for pid, (i, h) in want.items() if have.get(pid) != h]
        removed = [pid for pid in have if pid not in want]
        _upload(client, current, changed, chunks, vectors, weights, docs, progress, batch, "uploading changed chunks")
        if removed:
            client.delete(current, points_selector=m.PointIdsList(points=removed), wait=True)
        # the document factor depends on avgdl: refresh the unchanged chunks' sparse vectors when it drifted
        old_avgdl = float(old_meta.get("avgdl") or avgdl)
        if abs(avgdl - old_avgdl) > 0.01 * old_avgdl:
            changed_set = set(changed)
            stale = [i for i in range(len(chunks)) if i not in changed_set]
            for s in range(0, len(stale), batch):
                client.update_vectors(current, points=[
                    m.PointVectors(id=point_id(chunks[i].id), vector={SPARSE: _sparse(weights[i])})
                    for i in stale[s: s + batch]], wait=True)
            stats.reweighted = len(stale)
        client.update_collection(current, metadata=meta)
        stats.upserted, stats.deleted, stats.unchanged = len(changed), len(removed), len(chunks) - len(changed)
    else:
        say(reason)
        stats.rebuilt, stats.reason = True, reason
        name = f"{alias}-{time.time_ns()}"
        _create(client, name, dim, meta, shards=shards, replicas=replicas)
        try:
            _upload(client, name, list(range(len(chunks))), chunks, vectors, weights, docs, progress, batch,
                    "uploading chunks")
        except BaseException:
            client.delete_collection(name)
            raise
        ops: list[Any] = []
        if current is not None:
            ops.append(m.DeleteAliasOperation(delete_alias=m.DeleteAlias(alias_name=alias)))
        ops.append(m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=name, alias_name=alias)))
        client.update_collection_aliases(change_aliases_operations=ops)  # one request: readers never see a gap
        if current is not None:
            client.delete_collection(current)
        stats.collection, stats.upserted = name, len(chunks)
    stats.seconds = time.perf_counter() - t0
    return stats


# ---------------------------------------------------------------------------------------------- reading
class QdrantRetriever:
    """A :class:`mlnotes.kb.search.Retriever` over the collection behind ``collection`` (an alias) at ``url``."""

    name = "qdrant"

    def __init__(self, client, collection: str, url: str, embedder: EmbedderLike | None = None,
                 defaults: FusionParams = DEFAULT_FUSION, server_rrf: bool = False) -> None:
        self.client = client
        self.collection = collection
        self.url = url
        self.defaults = defaults
        self.server_rrf = server_rrf
        self._embedder = embedder
        self._meta: dict[str, Any] | None = None
        self._query_cache: dict[str, np.ndarray] = {}
        self._prep: Lazy[QueryPrep] = Lazy()  # built on the first search (query_prep); shared with views
        self._rerank_data: Lazy[RerankData] = Lazy()  # built on the first reranked search (mlnotes.kb.rerank)
        self._paths: Lazy[PathVectors] = Lazy()  # the reranker's heading-path vectors, embedded on that search too

    # ------------------------------------------------------------------ server access
    def _call(self, fn: Callable[..., Any], *args, **kwargs):
        """Run a client call, turning any server failure into :class:`QdrantUnavailableError`."""
        try:
            return fn(*args, **kwargs)
        except (QueryError, IndexUnavailableError):
            raise
        except Exception as exc:  # noqa: BLE001 - every client failure is a server problem for the caller
            self._meta = None  # check the collection again on the next call
            raise QdrantUnavailableError(describe_failure(exc, self.url, self.collection)) from None

    def check(self) -> dict[str, Any]:
        """The collection's metadata after checking it exists and matches this embedder and chunker."""
        if self._meta is not None:
            return self._meta
        target = self._call(_resolve_alias, self.client, self.collection)
        if target is None:
            raise QdrantUnavailableError(f"Qdrant at {self.url} has no collection {self.collection!r}; build it "
                                         "with 'mlnotes index --backend qdrant'")
        meta = self._call(self.client.get_collection, target).config.metadata or {}
        model_id = self._embedder.model_id if self._embedder is not None else _default_model_id()
        why = _incompatibility(meta, model_id, None)
        if why:
            raise QdrantStaleError(f"Qdrant collection {self.collection!r} at {self.url} was built with {why}; "
                                   "re-index with 'mlnotes index --backend qdrant --force'")
        self._meta = dict(meta)
        return self._meta

    # ------------------------------------------------------------------ the Retriever protocol
    @property
    def embedder(self) -> EmbedderLike:
        if self._embedder is None:
            from mlnotes.kb.index import _default_embedder

            self._embedder = _default_embedder()
        return self._embedder

    def embed_query(self, query: str) -> np.ndarray:
        v = self._query_cache.get(query)
        if v is None:
            fast = getattr(self.embedder, "encode_query", None) or getattr(getattr(self.embedder, "_e", None),
                                                                           "encode_query", None)
            v = fast(query) if fast is not None else self.embedder.encode([query])[0]
            if len(self._query_cache) >= 2048:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[query] = v
        return v

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, int(self.check().get("dim", 0))), dtype=np.float32)
        return self.embedder.encode(texts)

    def clear_query_cache(self) -> None:
        self._query_cache.clear()

    def with_defaults(self, defaults: FusionParams) -> QdrantRetriever:
        view = copy.copy(self)
        view.defaults = defaults
        return view

    def describe(self) -> dict[str, Any]:
        meta = self.check()
        return {"backend": self.name, "chunks": len(self), "files": int(meta.get("n_files", 0)),
                "model": meta.get("model_id"), "url": self.url, "collection": self.collection}

    def __len__(self) -> int:
        self.check()
        return int(self._call(self.client.count, self.collection, exact=True).count)

    def get(self, chunk_id: str) -> Chunk | None:
        self.check()
        pts = self._call(self.client.retrieve, self.collection, ids=[point_id(chunk_id)], with_payload=True)
        return _chunk(pts[0].payload) if pts else None

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, ordered by path, line and piece (scrolled from the server in pages)."""
        self.check()
        out: list[Chunk] = []
        offset = None
        while True:
            pts, offset = self._call(self.client.scroll, self.collection, limit=1024, offset=offset,
                                     with_payload=True, with_vectors=False)
            out.extend(_chunk(p.payload) for p in pts)
            if offset is None:
                break
        out.sort(key=lambda c: (c.path, c.line_start, c.piece, c.id))
        return iter(out)

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        self.check()
        ids = [point_id(c) for c in chunk_ids]
        pts = self._call(self.client.retrieve, self.collection, ids=ids, with_payload=False, with_vectors=[DENSE])
        by_id = {str(p.id): p.vector[DENSE][0] for p in pts}  # a chunk's first unit (mlnotes.kb.index.Index.chunk_vectors)
        missing = [c for c, pid in zip(chunk_ids, ids) if pid not in by_id]
        if missing:
            raise KeyError(f"chunk {missing[0]!r} is not in the index")
        return np.asarray([by_id[pid] for pid in ids], dtype=np.float32).reshape(len(ids), -1)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *, fusion: str | None = None,
               rrf_k: float | None = None, w_dense: float | None = None, filters: Filters | None = None,
               candidates: int = 50, rerank: bool | None = None) -> list[Hit]:
        from qdrant_client import models as m

        query, params = validate_search(query, k, mode, self.defaults, fusion, rrf_k, w_dense, rerank)
        self.check()
        n_cand = max(candidates, k)
        flt = _filter(filters)
        prep = self.query_prep()
        query = prep.correct(query)  # spelling, as the local index does (mlnotes.kb.query.QueryPrep)
        qs = query_weights(bm25_query(query))  # the text the local BM25 leg scores (mlnotes.kb.query)
        sparse_q = _sparse(qs) if qs else None
        # a one-vector multivector query: MAX_SIM scores the best of the chunk's units
        dense_q = ([prep.dense_vector(query, self.embed_query).astype(np.float32).tolist()]
                   if mode in ("dense", "hybrid") else None)
        legs: list[tuple[str, Any]] = []
        if mode in ("bm25", "hybrid") and sparse_q is not None:
            legs.append((SPARSE, sparse_q))
        if dense_q is not None:
            legs.append((DENSE, dense_q))
        if not legs:
            return []
        if (mode == "hybrid" and self.server_rrf and len(legs) == 2 and params.fusion == "rrf"
                and float(params.rrf_k).is_integer() and not params.rerank):  # Qdrant's k: an integer
            res = self._call(self.client.query_points, self.collection,
                             prefetch=[m.Prefetch(query=q, using=u, limit=n_cand, filter=flt) for u, q in legs],
                             query=m.RrfQuery(rrf=m.Rrf(k=int(params.rrf_k) + 1)), limit=k,
                             with_payload=True)
            return [Hit(_chunk(p.payload), float(p.score), r, mode) for r, p in enumerate(res.points, start=1)]
        reqs = [m.QueryRequest(query=q, using=u, limit=n_cand, filter=flt, with_payload=True) for u, q in legs]
        results = self._call(self.client.query_batch_points, self.collection, requests=reqs)
        chunks: dict[str, Chunk] = {}
        key: dict[str, int] = {}
        lists: dict[str, dict[int, float]] = {SPARSE: {}, DENSE: {}}
        for (using, _), res in zip(legs, results):
            for p in res.points:
                pid = str(p.id)
                if pid not in key:
                    key[pid] = len(key)
                    chunks[pid] = _chunk(p.payload)
                if using == SPARSE and p.score <= 0:
                    continue
                lists[using][key[pid]] = float(p.score)
        sparse, dense = lists[SPARSE], lists[DENSE]
        if mode == "hybrid" and params.fusion == "weighted" and COMPLETE_LEGS:
            self._complete(sparse, dense, key, sparse_q, dense_q)
        if mode == "bm25":
            scores = sparse
        elif mode == "dense":
            scores = dense
        else:
            scores = fuse(params.fusion, dense, sparse, rrf_k=params.rrf_k, w_dense=params.w_dense)
        by_key = {v: pid for pid, v in key.items()}
        use_rerank = mode == "hybrid" and params.rerank
        # ties: by chunk order in the corpus (path, line), so the ranking does not depend on the point ids
        order = sorted(scores, key=lambda i: (-scores[i], _order_key(chunks[by_key[i]])))[
            :max(k, RERANK_DEPTH) if use_rerank else k]
        if use_rerank and len(order) > 1:
            order = self._rerank(query, order, scores, sparse, dense, key, chunks, sparse_q, dense_q)[:k]
        return [Hit(chunks[by_key[i]], scores[i], r, mode, bm25_score=sparse.get(i), dense_score=dense.get(i))
                for r, i in enumerate(order, start=1)]

    def _rerank(self, query: str, order: list[int], scores: dict[int, float], sparse: dict[int, float],
                dense: dict[int, float], key: dict[str, int], chunks: dict[str, Chunk], sparse_q,
                dense_q) -> list[int]:
        """The learned reranker over the first fused candidates, as :meth:`mlnotes.kb.index.Index.search` applies
        it: the same features (heading cosines from the candidates' last unit vectors, one retrieve call)."""
        model = load_model()
        top, rest = order[:model.depth], order[model.depth:]
        by_key = {v: pid for pid, v in key.items()}
        if any(i not in sparse or i not in dense for i in top):  # RRF leaves the legs incomplete
            sparse, dense = dict(sparse), dict(dense)
            self._complete(sparse, dense, key, sparse_q, dense_q)
        pts = self._call(self.client.retrieve, self.collection, ids=[by_key[i] for i in top], with_payload=False,
                         with_vectors=[DENSE])
        heads = {str(p.id): np.asarray(p.vector[DENSE][-1], dtype=np.float32) for p in pts}  # last unit: heading
        q = np.asarray(dense_q[0], dtype=np.float32)
        data = self._rerank_data.get(lambda: RerankData(self.iter_chunks()))
        cands = [chunks[by_key[i]] for i in top]
        paths = self._paths.get(lambda: PathVectors(self.iter_chunks(), self.embed_texts))
        X = features(data, query, query_intent(query), cands, [scores[i] for i in top],
                     [sparse.get(i, 0.0) for i in top], [dense.get(i, 0.0) for i in top],
                     [float(heads[by_key[i]] @ q) if by_key[i] in heads else 0.0 for i in top],
                     paths.cosines([c.id for c in cands], q))
        return [top[j] for j in bibliography_last(cands, model.order(X))] + rest


    def query_prep(self) -> QueryPrep:
        """The query preparation (spelling vocabulary, acronym table) built from the collection's chunks the first
        time this retriever searches, like :meth:`mlnotes.kb.index.Index.query_prep` from the local chunks; a
        collection re-indexed later is seen by a newly opened retriever."""
        return self._prep.get(lambda: QueryPrep.from_texts(c.index_text for c in self.iter_chunks()))

    def _complete(self, sparse: dict[int, float], dense: dict[int, float], key: dict[str, int], sparse_q,
                  dense_q) -> None:
        """Like :meth:`mlnotes.kb.index.Index._complete`: each leg's candidates get their real score in the other leg
        (BM25 through the sparse vector restricted to those points, 0 when no term is shared; the max over the
        chunk's unit vectors), so no leg gives a floor."""
        from qdrant_client import models as m

        by_key = {v: pid for pid, v in key.items()}
        miss_s = [i for i in dense if i not in sparse]
        miss_d = [i for i in sparse if i not in dense]
        if miss_s:
            got: dict[str, float] = {}
            if sparse_q is not None:
                res = self._call(self.client.query_points, self.collection, query=sparse_q, using=SPARSE,
                                 query_filter=m.Filter(must=[m.HasIdCondition(has_id=[by_key[i] for i in miss_s])]),
                                 limit=len(miss_s), with_payload=False)
                got = {str(p.id): float(p.score) for p in res.points}
            sparse.update({i: got.get(by_key[i], 0.0) for i in miss_s})
        if miss_d:
            q = np.asarray(dense_q[0], dtype=np.float32)
            pts = self._call(self.client.retrieve, self.collection, ids=[by_key[i] for i in miss_d],
                             with_payload=False, with_vectors=[DENSE])
            vecs = {str(p.id): np.asarray(p.vector[DENSE], dtype=np.float32) for p in pts}
            dense.update({i: float(np.max(vecs[by_key[i]] @ q)) for i in miss_d if by_key[i] in vecs})


def _order_key(c: Chunk) -> tuple:
    return (c.path, c.line_start, c.piece, c.id)


def _chunk(payload: dict[str, Any] | None) -> Chunk:
    return Chunk.from_dict({k: v for k, v in (payload or {}).items() if k not in _EXTRA})


def _filter(filters: Filters | None):
    if not filters:
        return None
    from qdrant_client import models as m

    must: list[Any] = []
    if filters.kind is not None:
        must.append(m.FieldCondition(key="kind", match=m.MatchValue(value=filters.kind)))
    if filters.topic is not None:
        must.append(m.FieldCondition(key="topics", match=m.MatchValue(value=filters.topic)))
    if filters.document is not None:
        must.append(m.Filter(should=[m.FieldCondition(key="doc_id", match=m.MatchValue(value=filters.document)),
                                     m.FieldCondition(key="path", match=m.MatchValue(value=filters.document))]))
    return m.Filter(must=must)


def _default_model_id() -> str:
    from mlnotes.kb.embedding import MODEL_ID

    return MODEL_ID


def open_qdrant(*, index_dir=None, corpus_dir=None, defaults: FusionParams = DEFAULT_FUSION,
                embedder: EmbedderLike | None = None, progress: bool = False,
                log: Callable[[str], None] | None = None, url: str = ":memory:", api_key: str | None = None,
                collection: str = DEFAULT_COLLECTION, server_rrf: bool = False, client=None) -> QdrantRetriever:
    """The ``qdrant`` backend of :func:`mlnotes.kb.search.open_retriever`.

    It never writes (``mlnotes index --backend qdrant`` does); ``index_dir`` and ``corpus_dir`` are not used. A
    problem with the server is logged here and raised by every call until it is fixed (the API answers 503 and
    recovers by itself), so a replica can start before its Qdrant does.
    """
    r = QdrantRetriever(client if client is not None else connect(url, api_key), collection, url,
                        embedder=embedder, defaults=defaults, server_rrf=server_rrf)
    try:
        r.check()
    except IndexUnavailableError as exc:
        if log is not None:
            log(str(exc))
    return r


def sync_from_index(retriever_or_index, client, alias: str, *, docs=None, force: bool = False,
                    progress: bool = False, log: Callable[[str], None] | None = None, shards: int | None = None,
                    replicas: int | None = None) -> SyncStats:
    """Upload a local :class:`mlnotes.kb.index.Index` (its chunks and stored embeddings; nothing is re-embedded)."""
    index = retriever_or_index
    chunks = list(index.iter_chunks())
    ids = [c.id for c in chunks]
    units = getattr(index, "chunk_unit_vectors", None)  # every embedding unit (mlnotes.kb.index.Index); else one each
    vectors = units(ids) if units is not None else index.chunk_vectors(ids)
    docs = docs if docs is not None else getattr(index, "docs", None)
    info = index.describe()
    return sync_collection(client, alias, chunks, vectors, model_id=info["model"], docs=docs,
                           n_files=int(info.get("files", 0)), force=force, progress=progress, log=log,
                           shards=shards, replicas=replicas)


__all__ = ["QdrantRetriever", "QdrantStaleError", "QdrantUnavailableError", "SyncStats", "connect",
           "open_qdrant", "sync_collection", "sync_from_index"]


def index_to_qdrant(corpus_dir, index_dir, url: str, api_key: str | None, collection: str, *, force: bool = False,
                    progress: bool = True, embedder: EmbedderLike | None = None, client=None,
                    shards: int | None = None, replicas: int | None = None,
                    log: Callable[[str], None] | None = None) -> SyncStats:
    """``mlnotes index --backend qdrant``: bring the local index up to date (embeddings of unchanged chunks are
    reused), then sync it to the collection behind ``collection`` at ``url``."""
    from mlnotes.kb.index import _doc_metadata, open_local

    index = open_local(index_dir=index_dir, corpus_dir=corpus_dir, embedder=embedder, progress=progress, log=log)
    docs = index.docs if index.docs is not None else _doc_metadata(corpus_dir)
    owned = client is None
    try:
        client = client if client is not None else connect(url, api_key)
        return sync_from_index(index, client, collection, docs=docs, force=force, progress=progress, log=log,
                               shards=shards, replicas=replicas)
    except IndexUnavailableError:
        raise
    except Exception as exc:  # noqa: BLE001 - a server failure: say which server and what to do
        raise QdrantUnavailableError(describe_failure(exc, url, collection)) from None
    finally:
        if owned and client is not None:
            client.close()  # an embedded folder is locked while a client holds it
