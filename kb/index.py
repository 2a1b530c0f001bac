"""The hybrid index: build, persist, load, and search.

Layout of an index directory (DESIGN §5)::

    manifest.json     format and chunker versions, model id, corpus hash, per-file hashes, library versions,
                      and the sha256 of every data file below (so truncation or corruption is detected)
    chunks.jsonl      one Chunk per line, in row order
    embeddings.npy    float32 (n_chunks, 384), L2-normalised, row i = chunk i
    bm25/             bm25s' own pickle-free files (.npy + .json)

An index is written to a temporary sibling directory and renamed into place, so a crash mid-build never leaves
a half-written index where a reader looks. Rebuilding reuses the embedding of every chunk whose indexed text
(breadcrumbs + text) is unchanged, so editing one file re-embeds only that file's changed chunks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.bm25 import BM25Index, tokenize
from kb.chunker import CHUNKER_VERSION, DEFAULT_BUDGET, Chunk, chunk_corpus
from kb.dense import DenseIndex
from kb.fusion import FUSIONS, fuse

FORMAT_VERSION = 1
MODES = ("bm25", "dense", "hybrid")
MAX_K = 100
MAX_QUERY_CHARS = 2000
DEFAULT_FUSION = "rrf"
DEFAULT_RRF_K = 60.0
DEFAULT_W_DENSE = 0.5
FIRST_BUILD_NOTICE = 200  # chunks to embed from which the build says that it will take a while


class IndexError_(RuntimeError):
    """Base class for index problems; the message says what to do."""


class EmptyCorpusError(IndexError_):
    pass


class IndexMissingError(IndexError_):
    pass


class IndexStaleError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class QueryError(ValueError):
    """A search request is invalid (empty query, bad k, unknown mode); the message says what to fix."""


class EmbedderLike(Protocol):
    model_id: str

    def encode(self, texts: list[str], batch_size: int = ..., show_progress: bool = ...) -> np.ndarray: ...


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
        c = self.chunk
        return {
            "chunk_id": c.id,
            "score": round(float(self.score), 6),
            "rank": self.rank,
            "doc_id": c.doc_id,
            "section_id": c.section_id,
            "title": c.title,
            "heading": c.heading,
            "breadcrumbs": c.breadcrumbs,
            "path": c.path,
            "line_start": c.line_start,
            "line_end": c.line_end,
            "kind": c.kind,
            "algorithms": c.algorithms,
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
    from kb.markdown import iter_corpus_files

    out = {}
    for p in iter_corpus_files(corpus_dir):
        out[p.relative_to(corpus_dir).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


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


_SENT_RE = re.compile(r"(?<=[.!?])\s+")


def make_snippet(text: str, query: str, width: int = 240) -> str:
    """A short excerpt of ``text`` around the sentence sharing the most stemmed terms with ``query``."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    body = " ".join(" ".join(lines).split())
    if not body:
        return ""
    q = set(tokenize(query)) if query else set()
    sentences = _SENT_RE.split(body)
    best = max(range(len(sentences)), key=lambda i: (len(q & set(tokenize(sentences[i]))), -i)) if q else 0
    out = " ".join(sentences[best:])
    if len(out) > width:
        out = out[: width - 1].rsplit(" ", 1)[0] + "…"
    return out


class Index:
    """A loaded hybrid index: chunks, a BM25 index and a dense index, searchable by mode."""

    def __init__(self, directory: Path, manifest: Manifest, chunks: list[Chunk], bm25: BM25Index,
                 dense: DenseIndex, embedder: EmbedderLike | None = None) -> None:
        self.directory = Path(directory)
        self.manifest = manifest
        self.chunks = chunks
        self.bm25 = bm25
        self.dense = dense
        self._embedder = embedder
        self._by_id = {c.id: i for i, c in enumerate(chunks)}
        self.fusion = DEFAULT_FUSION
        self.rrf_k = DEFAULT_RRF_K
        self.w_dense = DEFAULT_W_DENSE
        from kb.embedding import QueryCache

        self._query_cache = QueryCache(2048)  # thread-safe LRU of query vectors

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, corpus_dir: Path, out_dir: Path, embedder: EmbedderLike | None = None,
              progress: bool = False, budget: int = DEFAULT_BUDGET, reason: str = "",
              log: Callable[[str], None] | None = None) -> tuple[Index, BuildStats]:
        """Chunk ``corpus_dir``, embed (reusing unchanged chunks' vectors from ``out_dir``), write atomically."""
        t0 = time.perf_counter()
        corpus_dir, out_dir = Path(corpus_dir), Path(out_dir)
        if not corpus_dir.is_dir():
            raise EmptyCorpusError(f"corpus directory {corpus_dir} does not exist; set MLNOTES_CORPUS_DIR "
                                   "or pass --corpus to a folder of Markdown files")
        chunks, files = chunk_corpus(corpus_dir, budget=budget)
        if not chunks:
            raise EmptyCorpusError(f"no Markdown content found in {corpus_dir}; add .md files with YAML front "
                                   "matter (see corpus/README.md) and run 'mlnotes index' again")
        embedder = embedder or _default_embedder(out_dir.parent / "onnx")
        # reuse vectors of unchanged chunks from the previous index, if it is sound and used the same model
        cache: dict[str, np.ndarray] = {}
        try:
            prev = cls.load(out_dir, embedder=embedder, verify_corpus=None)
            if prev.manifest.model_id == embedder.model_id:
                for c, v in zip(prev.chunks, prev.dense.vectors):
                    cache[c.content_hash] = v
        except IndexError_:
            pass
        texts = [c.index_text for c in chunks]
        hashes = [c.content_hash for c in chunks]
        todo = [i for i, h in enumerate(hashes) if h not in cache]
        dim = None
        vectors: np.ndarray
        if todo:
            if progress and len(todo) >= FIRST_BUILD_NOTICE:
                (log or _stderr)(f"embedding {len(todo)} chunks with MiniLM on the CPU: a first build embeds every "
                                 "chunk and takes a minute or more; later builds reuse unchanged chunks' vectors")
            new = _encode_with_progress(embedder, [texts[i] for i in todo], progress)
            dim = new.shape[1]
            for j, i in enumerate(todo):
                cache[hashes[i]] = new[j]
        dim = dim or len(next(iter(cache.values())))
        vectors = np.stack([cache[h] for h in hashes]).astype(np.float32)
        bm25 = BM25Index().index(texts)
        stats = BuildStats(chunks=len(chunks), files=len(files), embedded=len(todo),
                           reused=len(chunks) - len(todo), reason=reason)
        _write_atomically(out_dir, chunks, vectors, bm25, files, embedder.model_id, dim, budget)
        index = cls.load(out_dir, embedder=embedder, verify_corpus=None)
        stats.seconds = time.perf_counter() - t0
        return index, stats

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: Path, embedder: EmbedderLike | None = None,
             verify_corpus: Path | None = None) -> Index:
        """Load and verify an index; raises a subclass of :class:`IndexError_` that says what is wrong.

        With ``verify_corpus``, also checks that the index matches the current files of that corpus.
        """
        directory = Path(directory)
        mpath = directory / "manifest.json"
        if not mpath.exists():
            raise IndexMissingError(f"no index at {directory}; run 'mlnotes index' to build it")
        try:
            manifest = Manifest(**json.loads(mpath.read_text()))
        except (ValueError, TypeError) as exc:
            raise IndexCorruptError(f"index manifest {mpath} is unreadable ({exc}); it will be rebuilt") from None
        if manifest.format_version != FORMAT_VERSION or manifest.chunker_version != CHUNKER_VERSION:
            raise IndexStaleError(
                f"index at {directory} was built by another version (format {manifest.format_version}, chunker "
                f"{manifest.chunker_version}); it will be rebuilt")
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
            bm25 = BM25Index.load(directory / "bm25", n_docs=len(chunks))
        except Exception as exc:  # noqa: BLE001 - any decoding failure means corruption
            raise IndexCorruptError(f"index at {directory} could not be read ({exc}); it will be rebuilt") from None
        if vectors.shape != (len(chunks), manifest.dim) or len(chunks) != manifest.n_chunks:
            raise IndexCorruptError(f"index at {directory} is inconsistent (shapes); it will be rebuilt")
        return cls(directory, manifest, chunks, bm25, DenseIndex(vectors), embedder=embedder)

    @classmethod
    def load_or_build(cls, corpus_dir: Path, index_dir: Path, embedder: EmbedderLike | None = None,
                      progress: bool = False, log: Callable[[str], None] = print) -> tuple[Index, BuildStats | None]:
        """Load the index if it is sound and current; otherwise (re)build it, saying why."""
        try:
            return cls.load(index_dir, embedder=embedder, verify_corpus=corpus_dir), None
        except IndexMissingError:
            reason = f"no index at {index_dir}; building it"
        except IndexError_ as exc:
            reason = f"{exc}; rebuilding"
        log(reason)
        return cls.build(corpus_dir, index_dir, embedder=embedder, progress=progress, reason=reason)

    # ------------------------------------------------------------------ searching
    @property
    def embedder(self) -> EmbedderLike:
        if self._embedder is None:
            self._embedder = _default_embedder(self.directory.parent / "onnx")
        return self._embedder

    def embed_query(self, query: str) -> np.ndarray:
        v = self._query_cache.get(query)
        if v is None:
            # the embedder's fast single-query path when it has one (kb.embedding.Embedder.encode_query)
            fast = getattr(self.embedder, "encode_query", None) or getattr(getattr(self.embedder, "_e", None),
                                                                           "encode_query", None)
            v = fast(query) if fast is not None else self.embedder.encode([query])[0]
            self._query_cache[query] = v
        return v

    def chunk(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return None if i is None else self.chunks[i]

    def search(self, query: str, k: int = 10, mode: str = "hybrid", fusion: str | None = None,
               candidates: int = 50) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by ``mode`` (``bm25``, ``dense`` or ``hybrid``)."""
        query = validate_query(query)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise QueryError(f"k must be an integer between 1 and {MAX_K}, got {k!r}")
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; valid modes: {list(MODES)}")
        fusion = fusion or self.fusion
        if fusion not in FUSIONS:
            raise QueryError(f"unknown fusion {fusion!r}; valid fusions: {list(FUSIONS)}")
        n_cand = max(candidates, k)
        sparse: dict[int, float] = {}
        dense: dict[int, float] = {}
        if mode in ("bm25", "hybrid"):
            idx, sc = self.bm25.search(query, n_cand)
            sparse = {int(i): float(s) for i, s in zip(idx, sc)}
        if mode in ("dense", "hybrid"):
            idx, sc = self.dense.search(self.embed_query(query), n_cand)
            dense = {int(i): float(s) for i, s in zip(idx, sc)}
        if mode == "bm25":
            scores = sparse
        elif mode == "dense":
            scores = dense
        else:
            scores = fuse(fusion, dense, sparse, rrf_k=self.rrf_k, w_dense=self.w_dense)
        order = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [
            Hit(self.chunks[i], scores[i], r, mode, bm25_score=sparse.get(i), dense_score=dense.get(i))
            for r, i in enumerate(order, start=1)
        ]


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

    from kb.embedding import DEFAULT_BATCH

    batch = batch or DEFAULT_BATCH
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.empty((len(texts), 0), dtype=np.float32)
    bar = tqdm(total=len(texts), desc="embedding chunks", unit="chunk", disable=not progress)  # rate and ETA
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
                      files: dict[str, str], model_id: str, dim: int, budget: int) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "embeddings.npy", vectors, allow_pickle=False)
        (tmp / "bm25").mkdir()
        bm25.save(tmp / "bm25")
        checksums = {}
        for p in sorted(tmp.rglob("*")):
            if p.is_file():
                checksums[p.relative_to(tmp).as_posix()] = _sha256_file(p)
        manifest = Manifest(
            format_version=FORMAT_VERSION, chunker_version=CHUNKER_VERSION, budget=budget, model_id=model_id,
            corpus_hash=corpus_hash(files), files=files, n_chunks=len(chunks), dim=int(dim),
            checksums=checksums, versions=_versions(), created_at=time.time(),
        )
        (tmp / "manifest.json").write_text(manifest.to_json())
        old = None
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}"
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class _MiniLM:
    """Adapter giving kb.embedding.Embedder the ``model_id`` the index records."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        from kb.embedding import MODEL_ID, get_embedder

        self._e = get_embedder(cache_dir=cache_dir)  # an ONNX export is cached in cache_dir (beside the index)
        self.model_id = MODEL_ID

    def encode(self, texts: list[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        from kb.embedding import DEFAULT_BATCH

        return self._e.encode(texts, batch_size=batch_size or DEFAULT_BATCH, show_progress=show_progress)


@lru_cache(maxsize=4)
def _default_embedder(cache_dir: Path | None = None) -> _MiniLM:
    return _MiniLM(cache_dir)
