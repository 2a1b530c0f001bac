"""The hybrid index: build, persist, load, and search.

Layout of an index directory (DESIGN §5)::

    manifest.json     format and chunker versions, model id, corpus hash, per-file hashes, library versions,
                      and the sha256 of every data file below (so truncation or corruption is detected)
    chunks.jsonl      one Chunk per line, in row order
    embeddings.npy    float32 (n_units, 384), L2-normalised: every embedding unit of every chunk (mlnotes.kb.windows)
    vector_owner.npy  int64 (n_units,): the chunk row each unit belongs to (a chunk's first unit comes first)
    bm25/             bm25s' own pickle-free files (.npy + .json)
    embedcache.npz    unit key -> unit vectors of every chunk, self-checked (embeddings reused from it alone)

An index is published by :mod:`mlnotes.kb.publish`: written to a temporary sibling directory, renamed to a complete
versioned directory, and the index path (a symbolic link) replaced atomically, so a crash at any point leaves a
complete index where a reader looks. Rebuilding reuses the unit vectors of every chunk whose indexed text
(breadcrumbs + text) is unchanged, so editing one file re-embeds only that file's changed chunks.

Dense scoring is multi-vector: each chunk is embedded as overlapping windows that fit MiniLM's 256 word pieces
plus its heading alone (:mod:`mlnotes.kb.windows`); a chunk's dense score is the maximum over its units' inner products
with the query (max pooling; the alternatives measured are in :mod:`mlnotes.kb.windows`). Weighted hybrid fusion scores
every candidate of either leg in both legs (:meth:`Index._complete`), so no chunk gets a floor score.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mlnotes.kb import publish
from mlnotes.kb.bm25 import BM25Index, tokenize
from mlnotes.kb.chunker import CHUNKER_VERSION, DEFAULT_BUDGET, Chunk, chunk_corpus
from mlnotes.kb.dense import DenseIndex
from mlnotes.kb.fusion import DEFAULT_FUSION, FusionParams, fuse
from mlnotes.kb.markdown import split_sentences
from mlnotes.kb.query import Lazy, QueryPrep, bm25_query
from mlnotes.kb.rerank import (
    DEPTH,
    TERMS_FILE,
    PathVectors,
    RerankData,
    bibliography_last,
    features,
    load_model,
    paths_cache_file,
    query_intent,
)
from mlnotes.kb.search import MODES, Filters
from mlnotes.kb.windows import UNITS_VERSION, chunk_units, minilm_tokenizer

FORMAT_VERSION = 1
COMPLETE_LEGS = True  # weighted hybrid: score each leg's candidates in the other leg too (Index._complete)
PREP_FILE = "query_prep.json"  # the speller's word counts and the acronyms (mlnotes.kb.query.QueryPrep)
OWNER_FILE = "vector_owner.npy"  # unit row -> chunk row (multi-vector dense index)
MAX_K = 100
MAX_QUERY_CHARS = 2000
DOCS_FILE = "docs.json"  # per-document metadata for filters (doc id -> kind, topics); optional in older indexes
FIRST_BUILD_NOTICE = 200  # chunks to embed from which the build says that it will take a while


@contextmanager
def _one_builder(index_dir: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive lock on ``<index_dir>.lock`` beside the index while loading or building it, so that two
    processes starting together (two server replicas, two test workers, ``mlnotes index`` beside ``mlnotes serve``)
    do not build the same index twice or clean up each other's half-written build; the second waits, saying so, then
    loads what the first built. Where no lock can be taken (no ``fcntl``, a read-only folder) it goes on without."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; builds are still published atomically
        yield
        return
    path = index_dir.parent / f"{index_dir.name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+b")  # noqa: SIM115 - held for the duration of the block
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another process is loading or building the index at {index_dir}; waiting for it")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            pass
        yield
    finally:
        fh.close()  # closing releases the lock


class IndexUnavailableError(RuntimeError):
    """Base class for index problems (missing, stale, corrupt, empty corpus); the message says what to do."""


class EmptyCorpusError(IndexUnavailableError):
    pass


class IndexMissingError(IndexUnavailableError):
    pass


class IndexStaleError(IndexUnavailableError):
    pass


class IndexCorruptError(IndexUnavailableError):
    pass


class IndexWriteError(IndexUnavailableError):
    """The index could not be written (disk full, read-only folder, no permission); the old index is untouched."""


class QueryError(ValueError):
    """A search request is invalid (empty query, bad k, unknown mode); the message says what to fix."""


class EmbedderLike(Protocol):
    model_id: str

    def encode(self, texts: list[str], batch_size: int = ..., show_progress: bool = ...) -> np.ndarray: ...


def chunk_location(chunk: Chunk) -> dict[str, Any]:
    """Where a chunk is and what it is: the fields every hit, source and citation carries (the one schema)."""
    c = chunk
    return {"chunk_id": c.id, "doc_id": c.doc_id, "section_id": c.section_id, "title": c.title,
            "heading": c.heading, "breadcrumbs": list(c.breadcrumbs), "path": c.path, "line_start": c.line_start,
            "line_end": c.line_end, "kind": c.kind, "algorithms": list(c.algorithms)}


@dataclass
class Hit:
    chunk: Chunk
    score: float
    rank: int
    mode: str
    bm25_score: float | None = None
    dense_score: float | None = None

    def snippet(self, query: str, width: int = 240) -> str:
        return make_snippet(self.chunk.text, query, width)

    def to_dict(self, query: str = "") -> dict[str, Any]:
        return {
            **chunk_location(self.chunk),
            "score": round(float(self.score), 6),
            "rank": self.rank,
            "bm25_score": None if self.bm25_score is None else round(float(self.bm25_score), 6),
            "dense_score": None if self.dense_score is None else round(float(self.dense_score), 6),
            "snippet": self.snippet(query),
        }


@dataclass
class BuildStats:
    chunks: int = 0
    files: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    reason: str = ""
    units: int = 0  # embedding units computed (windows and headings of the embedded chunks)
    distinct_units: int = 0  # of which distinct texts, each embedded once
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase


@dataclass
class Manifest:
    format_version: int
    chunker_version: str
    budget: int
    model_id: str
    corpus_hash: str
    files: dict[str, str]
    n_chunks: int
    dim: int
    checksums: dict[str, str]
    versions: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    units: str = ""  # mlnotes.kb.windows.UNITS_VERSION the vectors were made with ("" = one truncated vector per chunk)
    n_vectors: int = 0

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


def corpus_hash(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode())
        h.update(b"\0")
        h.update(files[path].encode())
        h.update(b"\n")
    return h.hexdigest()


def current_file_hashes(corpus_dir: Path) -> dict[str, str]:
    from mlnotes.kb.markdown import iter_indexed_files

    return {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in iter_indexed_files(corpus_dir)}


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("bm25s", "faiss-cpu", "sentence-transformers", "numpy", "markdown-it-py"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "missing"
    return out


def make_snippet(text: str, query: str, width: int = 240) -> str:
    """A short excerpt of ``text`` around the sentence sharing the most stemmed terms with ``query``."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    body = " ".join(" ".join(lines).split())
    if not body:
        return ""
    q = set(tokenize(query)) if query else set()
    sentences = split_sentences(body)
    best = max(range(len(sentences)), key=lambda i: (len(q & set(tokenize(sentences[i]))), -i)) if q else 0
    out = " ".join(sentences[best:])
    if len(out) > width:
        out = out[: width - 1].rsplit(" ", 1)[0] + "…"
    return out


class Index:
    """A loaded hybrid index: chunks, a BM25 index and a dense index, searchable by mode.

    The local implementation of :class:`mlnotes.kb.search.Retriever`. Its fusion defaults are fixed at construction
    (``defaults``, :data:`mlnotes.kb.fusion.DEFAULT_FUSION` unless given); every search may override them per call.
    """

    name = "local"

    def __init__(self, directory: Path, manifest: Manifest, chunks: list[Chunk], bm25: BM25Index,
                 dense: DenseIndex, embedder: EmbedderLike | None = None,
                 defaults: FusionParams = DEFAULT_FUSION, docs: dict[str, dict[str, Any]] | None = None,
                 owner: np.ndarray | None = None) -> None:
        self.directory = Path(directory)
        self.manifest = manifest
        self.chunks = chunks
        self.bm25 = bm25
        self.dense = dense
        self.defaults = defaults
        self.docs = docs  # doc id -> {"kind", "topics"}; None for an index built before docs.json existed
        self._embedder = embedder
        self._by_id = {c.id: i for i, c in enumerate(chunks)}
        # unit row -> chunk row; without one, one vector per chunk (row i = chunk i)
        self.owner = np.arange(len(chunks), dtype=np.int64) if owner is None else np.asarray(owner, dtype=np.int64)
        bounds = np.searchsorted(self.owner, np.arange(len(chunks) + 1))  # units of chunk r: bounds[r]:bounds[r+1]
        self._units_of = [slice(int(bounds[r]), int(bounds[r + 1])) for r in range(len(chunks))]
        self._unit_start, self._unit_count = bounds[:-1].astype(np.int64), np.diff(bounds).astype(np.int64)
        from mlnotes.kb.embedding import QueryCache

        self._query_cache = QueryCache(2048)  # thread-safe LRU of query vectors
        self._prep: Lazy[QueryPrep] = Lazy()  # built on the first search (query_prep)
        self._rerank_data: Lazy[RerankData] = Lazy()  # built on the first reranked search (mlnotes.kb.rerank)
        self._paths: Lazy[PathVectors] = Lazy()  # heading-path vectors, likewise (cached beside the index)
        self.home = self.directory  # the folder (or version pointer) it was opened as; load() sets it

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, corpus_dir: Path, out_dir: Path, embedder: EmbedderLike | None = None,
              progress: bool = False, budget: int = DEFAULT_BUDGET, reason: str = "",
              log: Callable[[str], None] | None = None) -> tuple[Index, BuildStats]:
        """Chunk ``corpus_dir``, embed (reusing unchanged chunks' vectors from ``out_dir``), write atomically."""
        t0 = time.perf_counter()
        phases: dict[str, float] = {}
        corpus_dir, out_dir = Path(corpus_dir), Path(out_dir)
        if not corpus_dir.is_dir():
            raise EmptyCorpusError(f"corpus directory {corpus_dir} does not exist; set MLNOTES_CORPUS_DIR "
                                   "to a folder of Markdown files (or run: mlnotes index --corpus FOLDER)")
        chunks, files = chunk_corpus(corpus_dir, budget=budget)
        docs = _doc_metadata(corpus_dir)
        phases["chunk"] = time.perf_counter() - t0
        if not chunks:
            raise EmptyCorpusError(f"no Markdown content found in {corpus_dir}; add .md files with YAML front "
                                   "matter (see corpus/README.md) and run 'mlnotes index' again")
        embedder = embedder or _default_embedder(out_dir.parent / "onnx")
        # reuse the unit vectors of unchanged chunks from the previous index, if it used the same model (per chunk,
        # from the served and the previous version, even when some of their files are corrupt: mlnotes.kb.publish)
        cache: dict[str, np.ndarray] = publish.reusable_vectors(out_dir, embedder.model_id)
        texts = [c.index_text for c in chunks]
        keys = [_unit_key(c) for c in chunks]
        todo = [i for i, h in enumerate(keys) if h not in cache]
        n_units = n_distinct = 0
        if todo:
            if progress and len(todo) >= FIRST_BUILD_NOTICE:
                (log or _stderr)(f"embedding {len(todo)} chunks with MiniLM on the CPU: a first build embeds every "
                                 "chunk and takes a minute or more; later builds reuse unchanged chunks' vectors")
            t = time.perf_counter()
            tok = minilm_tokenizer()
            units = [chunk_units(chunks[i], tok) for i in todo]
            flat = [u for us in units for u in us]
            distinct = list(dict.fromkeys(flat))  # a repeated text (a heading unit, say) is embedded once
            n_units, n_distinct = len(flat), len(distinct)
            phases["units"] = time.perf_counter() - t
            t = time.perf_counter()
            vec = _encode_with_progress(embedder, distinct, progress)
            phases["embed"] = time.perf_counter() - t
            row = {u: r for r, u in enumerate(distinct)}
            new = vec[[row[u] for u in flat]] if n_distinct < n_units else vec
            at = 0
            for i, us in zip(todo, units):
                cache[keys[i]] = new[at:at + len(us)]
                at += len(us)
        owner = np.concatenate([np.full(len(cache[h]), row, dtype=np.int64) for row, h in enumerate(keys)])
        vectors = np.concatenate([cache[h] for h in keys]).astype(np.float32)
        dim = vectors.shape[1]
        t = time.perf_counter()
        bm25 = BM25Index().index(texts)
        phases["bm25"] = time.perf_counter() - t
        stats = BuildStats(chunks=len(chunks), files=len(files), embedded=len(todo),
                           reused=len(chunks) - len(todo), reason=reason, units=n_units, distinct_units=n_distinct)
        t = time.perf_counter()
        _write_atomically(out_dir, chunks, vectors, bm25, files, embedder.model_id, dim, budget, docs, owner)
        phases["write"] = time.perf_counter() - t
        t = time.perf_counter()
        index = cls.load(out_dir, embedder=embedder, verify_corpus=None)
        phases["load"] = time.perf_counter() - t
        stats.seconds = time.perf_counter() - t0
        stats.phases = phases
        return index, stats

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: Path, embedder: EmbedderLike | None = None,
             verify_corpus: Path | None = None, defaults: FusionParams = DEFAULT_FUSION) -> Index:
        """Load and verify an index; raises a subclass of :class:`IndexUnavailableError` that says what is wrong.

        With ``verify_corpus``, also checks that the index matches the current files of that corpus.
        """
        home = Path(directory)
        directory = publish.resolve(home)  # the version the pointer names now, read consistently
        mpath = directory / "manifest.json"
        if not mpath.exists():
            raise IndexMissingError(f"no index at {directory}; run 'mlnotes index' to build it")
        try:
            manifest = Manifest(**json.loads(mpath.read_text()))
        except (ValueError, TypeError) as exc:
            raise IndexCorruptError(f"index manifest {mpath} is unreadable ({exc}); it will be rebuilt") from None
        if (manifest.format_version != FORMAT_VERSION or manifest.chunker_version != CHUNKER_VERSION
                or manifest.units != UNITS_VERSION):
            raise IndexStaleError(
                f"index at {directory} was built by another version (format {manifest.format_version}, chunker "
                f"{manifest.chunker_version}, embedding units {manifest.units or 'one per chunk'}); "
                "it will be rebuilt")
        for rel, expected in manifest.checksums.items():
            f = directory / rel
            if not f.exists():
                raise IndexCorruptError(f"index file {f} is missing; the index will be rebuilt")
            if _sha256_file(f) != expected:
                raise IndexCorruptError(f"index file {f} is truncated or corrupt (checksum mismatch); "
                                        "the index will be rebuilt")
        if verify_corpus is not None:
            current = current_file_hashes(Path(verify_corpus))
            if corpus_hash(current) != manifest.corpus_hash:
                changed = sorted(set(current.items()) ^ set(manifest.files.items()))
                names = sorted({p for p, _ in changed})
                shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
                raise IndexStaleError(f"the corpus changed since the index was built ({shown})")
        try:
            chunks = [Chunk.from_dict(json.loads(line)) for line in
                      (directory / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
            vectors = np.load(directory / "embeddings.npy", allow_pickle=False)
            owner = np.load(directory / OWNER_FILE, allow_pickle=False).astype(np.int64)
            bm25 = BM25Index.load(directory / "bm25", n_docs=len(chunks))
            docs_path = directory / DOCS_FILE
            docs = json.loads(docs_path.read_text(encoding="utf-8")) if docs_path.exists() else None
        except Exception as exc:  # noqa: BLE001 - any decoding failure means corruption
            raise IndexCorruptError(f"index at {directory} could not be read ({exc}); it will be rebuilt") from None
        if (vectors.shape != (manifest.n_vectors, manifest.dim) or len(chunks) != manifest.n_chunks
                or owner.shape != (len(vectors),) or not _owner_is_sound(owner, len(chunks))):
            raise IndexCorruptError(f"index at {directory} is inconsistent (shapes); it will be rebuilt")
        index = cls(directory, manifest, chunks, bm25, DenseIndex(vectors), embedder=embedder, defaults=defaults,
                    docs=docs, owner=owner)
        index.home = home
        return index

    @classmethod
    def load_or_build(cls, corpus_dir: Path, index_dir: Path, embedder: EmbedderLike | None = None,
                      progress: bool = False, log: Callable[[str], None] = print,
                      defaults: FusionParams = DEFAULT_FUSION) -> tuple[Index, BuildStats | None]:
        """Load the index if it is sound and current; otherwise (re)build it, saying why. Cleans up after an
        interrupted build first (:func:`mlnotes.kb.publish.recover`). When the rebuild cannot be written (disk full,
        read-only), the previous index is served if it is sound, with the reason logged. Processes that start at
        the same time over one ``index_dir`` take turns (:func:`_one_builder`): one builds, the others then load it."""
        with _one_builder(Path(index_dir), log):
            return cls._load_or_build(corpus_dir, index_dir, embedder, progress, log, defaults)

    @classmethod
    def _load_or_build(cls, corpus_dir: Path, index_dir: Path, embedder: EmbedderLike | None,
                       progress: bool, log: Callable[[str], None],
                       defaults: FusionParams) -> tuple[Index, BuildStats | None]:
        publish.recover(Path(index_dir), log)
        try:
            return cls.load(index_dir, embedder=embedder, verify_corpus=corpus_dir, defaults=defaults), None
        except IndexMissingError:
            reason = f"no index at {index_dir}; building it"
        except IndexUnavailableError as exc:
            reason = f"{exc}; rebuilding"
        log(reason)
        try:
            index, stats = cls.build(corpus_dir, index_dir, embedder=embedder, progress=progress, reason=reason)
        except IndexWriteError as exc:
            try:
                old = cls.load(index_dir, embedder=embedder, defaults=defaults)
            except IndexUnavailableError:
                raise exc from None
            log(f"{exc}; serving the previous index ({old.directory.name}) meanwhile")
            return old, None
        index.defaults = defaults
        return index, stats

    # ------------------------------------------------------------------ searching
    @property
    def embedder(self) -> EmbedderLike:
        if self._embedder is None:
            self._embedder = _default_embedder(self.directory.parent / "onnx")
        return self._embedder

    def embed_query(self, query: str) -> np.ndarray:
        v = self._query_cache.get(query)
        if v is None:
            # the embedder's fast single-query path when it has one (mlnotes.kb.embedding.Embedder.encode_query)
            fast = getattr(self.embedder, "encode_query", None) or getattr(getattr(self.embedder, "_e", None),
                                                                           "encode_query", None)
            v = fast(query) if fast is not None else self.embedder.encode([query])[0]
            self._query_cache[query] = v
        return v

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dense.dim), dtype=np.float32)
        return self.embedder.encode(texts)

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        try:
            rows = [self._by_id[c] for c in chunk_ids]
        except KeyError as exc:
            raise KeyError(f"chunk {exc.args[0]!r} is not in the index") from None
        # a chunk's first unit: its whole indexed text when that fits the embedder's window, else its first window
        return self.dense.vectors[[self._units_of[r].start for r in rows]]

    def chunk_unit_vectors(self, chunk_ids: Sequence[str]) -> list[np.ndarray]:
        """Every embedding unit's vector of these chunks (:mod:`mlnotes.kb.windows`), one ``(n_units, d)`` array each."""
        try:
            rows = [self._by_id[c] for c in chunk_ids]
        except KeyError as exc:
            raise KeyError(f"chunk {exc.args[0]!r} is not in the index") from None
        return [self.dense.vectors[self._units_of[r]] for r in rows]

    def clear_query_cache(self) -> None:
        self._query_cache.clear()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "chunks": len(self.chunks), "files": len(self.manifest.files),
                "model": self.manifest.model_id}

    def with_defaults(self, defaults: FusionParams) -> Index:
        """A view of this index (sharing its data and query cache) whose searches default to ``defaults``."""
        view = copy.copy(self)
        view.defaults = defaults
        return view

    def get(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return None if i is None else self.chunks[i]

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *, fusion: str | None = None,
               rrf_k: float | None = None, w_dense: float | None = None, filters: Filters | None = None,
               candidates: int = 50, rerank: bool | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by ``mode`` (``bm25``, ``dense`` or ``hybrid``).

        Hybrid search fuses the top ``candidates`` of each list with ``fusion``/``rrf_k``/``w_dense`` (each
        ``None`` = :attr:`defaults`). With ``filters``, both lists are ranked among the matching chunks only.
        With ``rerank`` (``None`` = :attr:`defaults`), hybrid search reorders its first
        :data:`mlnotes.kb.rerank.DEPTH` fused chunks by the learned reranker (:mod:`mlnotes.kb.rerank`), the
        bibliography's chunks after the others (:func:`mlnotes.kb.rerank.bibliography_last`); each hit keeps its
        fused score, so scores then need not fall with rank.
        """
        query, params = validate_search(query, k, mode, self.defaults, fusion, rrf_k, w_dense, rerank)
        query, qvec, scores, sparse, dense = self._scored(query, k, mode, params, filters, candidates)
        use_rerank = mode == "hybrid" and params.rerank
        order = sorted(scores, key=lambda i: (-scores[i], i))[:max(k, DEPTH) if use_rerank else k]
        if use_rerank and len(order) > 1:
            model = load_model()
            top, rest = order[:model.depth], order[model.depth:]
            X = self._rerank_features(query, qvec, top, scores, sparse, dense)
            top_chunks = [self.chunks[i] for i in top]
            order = ([top[j] for j in bibliography_last(top_chunks, model.order(X))] + rest)[:k]
        return [
            Hit(self.chunks[i], scores[i], r, mode, bm25_score=sparse.get(i), dense_score=dense.get(i))
            for r, i in enumerate(order, start=1)
        ]

    def rerank_features(self, query: str, depth: int | None = None, **params) -> tuple[list[Chunk], np.ndarray]:
        """The first ``depth`` (default :data:`mlnotes.kb.rerank.DEPTH`) chunks of the fused hybrid ranking
        (``params``: ``fusion``, ``rrf_k``, ``w_dense``), in fused order, and their reranker feature matrix
        (:func:`mlnotes.kb.rerank.features`); what ``mlnotes.eval.train_reranker`` learns from."""
        depth = depth or DEPTH
        query, fp = validate_search(query, depth, "hybrid", self.defaults, params.get("fusion"),
                                    params.get("rrf_k"), params.get("w_dense"), False)
        query, qvec, scores, sparse, dense = self._scored(query, depth, "hybrid", fp, None, 50)
        top = sorted(scores, key=lambda i: (-scores[i], i))[:depth]
        return [self.chunks[i] for i in top], self._rerank_features(query, qvec, top, scores, sparse, dense)

    def _scored(self, query: str, k: int, mode: str, params: FusionParams, filters: Filters | None,
                candidates: int) -> tuple[str, np.ndarray | None, dict[int, float], dict[int, float],
                                          dict[int, float]]:
        """The corrected query, its vector (``None`` for BM25 alone) and the scored candidates: the final scores
        of ``mode`` and each leg's (row -> score)."""
        n_cand = max(candidates, k)
        allowed = self._allowed(filters) if filters else None
        sparse: dict[int, float] = {}
        dense: dict[int, float] = {}
        qvec = None
        prep = self.query_prep()
        query = prep.correct(query)  # spelling (mlnotes.kb.query.QueryPrep), for both legs
        bm25_all = None  # every chunk's BM25 score, kept for completing the dense leg's candidates
        if mode in ("bm25", "hybrid"):
            sparse, bm25_all = self._sparse(query, n_cand, allowed)
        if mode in ("dense", "hybrid"):
            qvec = prep.dense_vector(query, self.embed_query)
            dense = self._dense(qvec, n_cand, allowed)
        if mode == "hybrid" and params.fusion == "weighted" and COMPLETE_LEGS:  # RRF: ranks; no floor there
            sparse, dense = self._complete(query, qvec, sparse, dense, bm25_all)
        if mode == "bm25":
            scores = sparse
        elif mode == "dense":
            scores = dense
        else:
            scores = fuse(params.fusion, dense, sparse, rrf_k=params.rrf_k, w_dense=params.w_dense)
        return query, qvec, scores, sparse, dense

    def _rerank_features(self, query: str, qvec: np.ndarray, rows: Sequence[int], scores: dict[int, float],
                         sparse: dict[int, float], dense: dict[int, float]) -> np.ndarray:
        """The reranker's features of candidate ``rows`` (fused order), both legs scored for every one."""
        if any(i not in sparse or i not in dense for i in rows):  # RRF leaves the legs incomplete
            sparse, dense = self._complete(query, qvec, sparse, dense)  # (new dicts: the callers' stay as they are)
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        head = self.dense.vectors[[self._units_of[i].stop - 1 for i in rows]] @ q  # a chunk's last unit: its heading
        data = self._rerank_corpus()
        paths = self._path_vectors().cosines([self.chunks[i].id for i in rows], q)
        return features(data, query, query_intent(query), [self.chunks[i] for i in rows],
                        [scores[i] for i in rows], [sparse.get(i, 0.0) for i in rows],
                        [dense[i] for i in rows], head, paths)

    def chunk_term_sets(self) -> dict[str, frozenset[str]]:
        """Each chunk's stemmed terms (:func:`mlnotes.kb.bm25.tokenize` of its indexed text) by chunk id: the
        reranker's term sets (:class:`mlnotes.kb.rerank.RerankData`, cached beside the index)."""
        return {cid: info[5] for cid, info in self._rerank_corpus().info.items()}

    def _rerank_corpus(self) -> RerankData:
        """The reranker's per-chunk lookups, built once (its term sets read from the index folder when current)."""
        return self._rerank_data.get(lambda: RerankData(self.chunks, cache=self.directory / TERMS_FILE))

    def _path_vectors(self) -> PathVectors:
        """The reranker's heading-path vectors (:class:`mlnotes.kb.rerank.PathVectors`), embedded once and cached
        beside the index (:func:`mlnotes.kb.rerank.paths_cache_file`), where every version of it finds them."""
        return self._paths.get(lambda: PathVectors(self.chunks, self.embed_texts, cache=paths_cache_file(self.home),
                                                   model_id=self.manifest.model_id))

    def query_prep(self) -> QueryPrep:
        """The query preparation built from this index's chunks (once; shared with :meth:`with_defaults` views)."""
        return self._prep.get(lambda: QueryPrep.from_texts((c.index_text for c in self.chunks),
                                                           cache=self.directory / PREP_FILE))

    def _complete(self, query: str, qvec: np.ndarray, sparse: dict[int, float], dense: dict[int, float],
                  bm25_all: np.ndarray | None = None) -> tuple[dict[int, float], dict[int, float]]:
        """Both legs scored over the union of their candidates: a chunk only one leg retrieved gets its real score
        in the other (its BM25 score, 0 without a shared term; its max-pooled cosine) instead of a floor.
        ``bm25_all``: every chunk's BM25 score for ``query`` when the caller has it (else computed here)."""
        miss_s = [i for i in dense if i not in sparse]
        miss_d = [i for i in sparse if i not in dense]
        if miss_s:
            s = bm25_all if bm25_all is not None else self.bm25.scores(bm25_query(query, self.bm25.doc_freq))
            sparse = {**sparse, **{i: float(s[i]) for i in miss_s}}
        if miss_d:
            dense = {**dense, **self._pooled_cosines(qvec, miss_d)}
        return sparse, dense

    def _pooled_cosines(self, qvec: np.ndarray, rows: list[int]) -> dict[int, float]:
        """Max-pooled cosine of each chunk row in ``rows``: one product over all their units, one reduceat (a
        product per chunk cost ~0.3 ms a query for 40 chunks; this ~0.06 ms)."""
        r = np.asarray(rows, dtype=np.int64)
        start, count = self._unit_start[r], self._unit_count[r]
        first = np.cumsum(count) - count  # where each chunk's units begin in the gathered block
        units = np.repeat(start - first, count) + np.arange(int(count.sum()))
        s = self.dense.vectors[units] @ np.asarray(qvec, dtype=np.float32).reshape(-1)
        return dict(zip(r.tolist(), np.maximum.reduceat(s, first).astype(float).tolist()))

    def _sparse(self, query: str, n: int, allowed: np.ndarray | None) -> tuple[dict[int, float], np.ndarray]:
        """The ``n`` best chunks by BM25 (among ``allowed`` rows), and every chunk's BM25 score."""
        full = self.bm25.scores(bm25_query(query, self.bm25.doc_freq))  # prepared as BM25Index.search prepares it
        if allowed is None:
            idx, sc = self.bm25.top(full, n)
            return {int(i): float(s) for i, s in zip(idx, sc)}, full
        s = full[allowed]
        top = np.lexsort((allowed, -s))[:n]
        return {int(allowed[j]): float(s[j]) for j in top if s[j] > 0}, full

    def _dense(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        """The ``n`` best chunks by max-pooled unit score (:func:`mlnotes.kb.windows.pool_max`), exactly: units are taken
        best first until ``n`` distinct chunks are seen (a chunk's first unit in that order is its maximum)."""
        if allowed is None:
            m = min(len(self.dense), 8 * n)
            while True:
                idx, sc = self.dense.search(qvec, m)
                pooled = _first_n_chunks(idx, sc, self.owner, n)
                if len(pooled) >= n or m >= len(self.dense):
                    return pooled
                m = min(len(self.dense), 4 * m)
        rows = np.flatnonzero(np.isin(self.owner, allowed))
        s = self.dense.vectors[rows] @ np.asarray(qvec, dtype=np.float32).reshape(-1)
        order = np.lexsort((rows, -s))
        return _first_n_chunks(rows[order], s[order], self.owner, n)

    def _allowed(self, f: Filters) -> np.ndarray:
        """Row numbers of the chunks that pass ``f`` (possibly none)."""
        if f.topic is not None and self.docs is None:
            raise QueryError("this index has no document metadata for a topic filter; rebuild it with "
                             "'mlnotes index --force' (embeddings are reused)")
        rows = []
        for i, c in enumerate(self.chunks):
            if f.kind is not None and c.kind != f.kind:
                continue
            if f.document is not None and f.document not in (c.doc_id, c.path):
                continue
            if f.topic is not None and f.topic not in (self.docs or {}).get(c.doc_id, {}).get("topics", []):
                continue
            rows.append(i)
        return np.asarray(rows, dtype=np.int64)


def _unit_key(c: Chunk) -> str:
    """What a chunk's unit vectors depend on: its indexed text and kind (the heading unit reads the kind)."""
    return hashlib.sha256(f"{UNITS_VERSION}\0{c.kind}\0{c.content_hash}".encode()).hexdigest()


def _owner_is_sound(owner: np.ndarray, n_chunks: int) -> bool:
    """Every chunk has at least one unit and the units are grouped by chunk, in row order."""
    return bool(len(owner) >= n_chunks and (n_chunks == 0 or (owner[0] == 0 and owner[-1] == n_chunks - 1))
                and np.all(np.diff(owner) >= 0) and np.all(np.diff(owner) <= 1))


def _first_n_chunks(units: np.ndarray, scores: np.ndarray, owner: np.ndarray, n: int) -> dict[int, float]:
    """Max pooling over units given best first: each chunk's first (= best) unit score, for the first ``n``
    chunks in that order (vectorised: the first occurrence of each chunk, then the ``n`` earliest)."""
    chunks = owner[np.asarray(units, dtype=np.int64)]
    _, first = np.unique(chunks, return_index=True)
    first = np.sort(first)[:n]
    return dict(zip(chunks[first].tolist(), np.asarray(scores)[first].astype(float).tolist()))


def open_local(*, index_dir: Path, corpus_dir: Path | None = None, defaults: FusionParams = DEFAULT_FUSION,
               embedder: EmbedderLike | None = None, progress: bool = False,
               log: Callable[[str], None] | None = None) -> Index:
    """The ``local`` backend of :func:`mlnotes.kb.search.open_retriever`: load (and, given the corpus, build when missing
    or stale) the index in ``index_dir``."""
    if corpus_dir is None:
        return Index.load(index_dir, embedder=embedder, defaults=defaults)
    say = log or (lambda m: None)
    index, stats = Index.load_or_build(corpus_dir, index_dir, embedder=embedder, progress=progress, log=say,
                                       defaults=defaults)
    if stats is not None:
        say(f"indexed {stats.chunks} chunks from {stats.files} files in {stats.seconds:.1f} s "
            f"({stats.embedded} embedded, {stats.reused} reused)")
    return index


def _doc_metadata(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Doc id -> kind and front-matter topics, for the kind/topic filters."""
    from mlnotes.kb.markdown import iter_indexed_files, parse_document

    out: dict[str, dict[str, Any]] = {}
    for _, p in iter_indexed_files(corpus_dir):
        doc = parse_document(p, corpus_dir)
        topics = doc.meta.get("topics") or []
        out[doc.id] = {"kind": doc.kind, "topics": [str(t) for t in (topics if isinstance(topics, list) else [topics])]}
    return out


def validate_search(query: Any, k: Any, mode: Any, defaults: FusionParams, fusion: str | None,
                    rrf_k: float | None, w_dense: float | None,
                    rerank: bool | None = None) -> tuple[str, FusionParams]:
    """The checks every backend's ``search`` makes: the query (see :func:`validate_query`), ``k`` in 1..MAX_K,
    a known mode, and the fusion parameters (``None`` = ``defaults``). Returns the query and the parameters to use;
    raises :class:`QueryError` with what to fix."""
    query = validate_query(query)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise QueryError(f"k must be an integer between 1 and {MAX_K}, got {k!r}")
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}; valid modes: {list(MODES)}")
    try:
        return query, defaults.with_(fusion, rrf_k, w_dense, rerank)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def validate_query(query: Any) -> str:
    if not isinstance(query, str):
        raise QueryError(f"query must be a string, got {type(query).__name__}")
    q = " ".join(query.split())
    if not q:
        raise QueryError("query is empty; type a question or some keywords")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}. Shorten it.")
    return q


def _stderr(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def _encode_with_progress(embedder: EmbedderLike, texts: list[str], progress: bool, batch: int | None = None,
                          step: int = 128) -> np.ndarray:
    """Embed ``texts`` in slices of ``step`` (longest first, so batches pad little), with a rate/ETA bar."""
    from tqdm.auto import tqdm

    from mlnotes.kb.embedding import DEFAULT_BATCH, bulk_job

    batch = batch or DEFAULT_BATCH
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.empty((len(texts), 0), dtype=np.float32)
    bar = tqdm(total=len(texts), desc="embedding chunks", unit="chunk", disable=not progress)  # rate and ETA
    with bulk_job():  # slices of one job: each may use the bulk forward (mlnotes.kb.embedding.bulk_job)
        for s in range(0, len(order), step):
            idx = order[s : s + step]
            vecs = np.asarray(embedder.encode([texts[i] for i in idx], batch_size=batch), dtype=np.float32)
            if out.shape[1] != vecs.shape[1]:
                out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
            bar.update(len(idx))
    bar.close()
    return out


def _write_atomically(out_dir: Path, chunks: list[Chunk], vectors: np.ndarray, bm25: BM25Index,
                      files: dict[str, str], model_id: str, dim: int, budget: int,
                      docs: dict[str, dict[str, Any]] | None = None, owner: np.ndarray | None = None) -> None:
    owner = np.arange(len(chunks), dtype=np.int64) if owner is None else np.asarray(owner, dtype=np.int64)

    def write(tmp: Path) -> None:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "embeddings.npy", vectors, allow_pickle=False)
        np.save(tmp / OWNER_FILE, owner, allow_pickle=False)
        (tmp / "bm25").mkdir()
        bm25.save(tmp / "bm25")
        if docs is not None:
            (tmp / DOCS_FILE).write_text(json.dumps(docs, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        publish.save_vector_cache(tmp, [_unit_key(c) for c in chunks], vectors, owner, model_id)
        checksums = {}
        for p in sorted(tmp.rglob("*")):
            if p.is_file():
                checksums[p.relative_to(tmp).as_posix()] = _sha256_file(p)
        manifest = Manifest(
            format_version=FORMAT_VERSION, chunker_version=CHUNKER_VERSION, budget=budget, model_id=model_id,
            corpus_hash=corpus_hash(files), files=files, n_chunks=len(chunks), dim=int(dim),
            checksums=checksums, versions=_versions(), created_at=time.time(), units=UNITS_VERSION,
            n_vectors=int(len(vectors)),
        )
        (tmp / "manifest.json").write_text(manifest.to_json())

    publish.publish(out_dir, write)


class _MiniLM:
    """Adapter giving mlnotes.kb.embedding.Embedder the ``model_id`` the index records."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        from mlnotes.kb.embedding import MODEL_ID, get_embedder

        self._e = get_embedder(cache_dir=cache_dir)  # an ONNX export is cached in cache_dir (beside the index)
        self.model_id = MODEL_ID

    def encode(self, texts: list[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        from mlnotes.kb.embedding import DEFAULT_BATCH

        return self._e.encode(texts, batch_size=batch_size or DEFAULT_BATCH, show_progress=show_progress)


@lru_cache(maxsize=4)
def _default_embedder(cache_dir: Path | None = None) -> _MiniLM:
    return _MiniLM(cache_dir)
