"""``mlnotes bench scale``: how the retrieval backends grow with the corpus, and where one machine stops.

For each size ``n`` a synthetic corpus is generated: ``n`` chunks of ``WORDS`` pseudo-words each (the real corpus
averages 147 words a chunk), drawn Zipf-like from a ``VOCAB``-word vocabulary, with random unit vectors of
dimension 384 (MiniLM's) standing in for the embeddings. Queries are 3–6 words of the same vocabulary and their own
random unit vectors, so no model runs and the numbers are the retrieval engines' alone.

Each measurement runs in fresh child processes (spawned, one at a time):

* **build**: generate, index and write; the build time excludes generating the text, the peak RSS includes it;
* **serve**: load what the build wrote (the load time), then ``memory`` = the RSS after loading minus the RSS
  before it, and the hybrid search latency (k=10, default fusion) p50/p99 over the queries, one thread.

Backends: ``local`` (bm25s + flat FAISS through :class:`mlnotes.kb.index.Index`, saved and loaded in its real format,
checksums included), ``qdrant`` (qdrant-client's embedded mode: a local folder, uploaded in batches, re-opened by
a fresh client; a pure-Python engine, so its times say nothing about a Qdrant server), and with ``--hnsw``
``faiss-hnsw``: the dense leg alone in a FAISS HNSW graph (M=32, efSearch=64), with its recall@10 against the
flat index.

The growth fit is least squares: memory = a + b·n (b = bytes per chunk), latency p50 = c + d·n; the 24 GiB limit is
the ``n`` at which the fitted serving memory plus the process' own baseline reaches 24 GiB.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

DIM = 384
WORDS = 147
VOCAB = 30_000
DOC_CHUNKS = 20  # chunks per synthetic document (file)
MODEL_ID = "synthetic/random-unit-384"
GIB = 1024 ** 3
BACKENDS = ("local", "qdrant", "faiss-hnsw")


# --------------------------------------------------------------------------------------------- generation
def vocabulary(size: int = VOCAB, seed: int = 0) -> np.ndarray:
    """Pronounceable pseudo-words (consonant-vowel syllables), distinct, none an English stop word."""
    rng = np.random.default_rng(seed)
    cons, vows = list("bcdfghjklmnprstvz"), list("aeiou")
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(cons[rng.integers(len(cons))] + vows[rng.integers(len(vows))] for _ in range(n)) + "x")
    return np.array(sorted(words), dtype=object)


def _zipf_ids(rng: np.random.Generator, n: int, vocab: int) -> np.ndarray:
    return (rng.zipf(1.15, size=n) - 1) % vocab


def unit_vectors(n: int, seed: int, dim: int = DIM) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def synthetic_chunks(n: int, seed: int = 0, words: int = WORDS):
    """``n`` :class:`mlnotes.kb.chunker.Chunk` objects of generated text, ``DOC_CHUNKS`` per synthetic document."""
    from mlnotes.kb.chunker import Chunk

    vocab = vocabulary()
    rng = np.random.default_rng(seed + 1)
    out = []
    for start in range(0, n, 10_000):
        m = min(10_000, n - start)
        ids = _zipf_ids(rng, m * words, len(vocab)).reshape(m, words)
        for j in range(m):
            i = start + j
            doc = f"syn-{i // DOC_CHUNKS:06d}"
            text = " ".join(vocab[ids[j]])
            out.append(Chunk(id=f"{doc}#s{i}", doc_id=doc, section_id=f"s{i}", title=f"Synthetic {doc}",
                             heading=f"Section {i}", breadcrumbs=[f"Synthetic {doc}", f"Section {i}"],
                             path=f"synthetic/{doc}.md", line_start=1 + 10 * (i % DOC_CHUNKS),
                             line_end=10 + 10 * (i % DOC_CHUNKS), kind="guide", text=text))
    return out


def synthetic_queries(n: int, seed: int = 99) -> list[str]:
    vocab = vocabulary()
    rng = np.random.default_rng(seed)
    return [" ".join(vocab[(rng.zipf(1.15, size=int(rng.integers(3, 7))) + 20) % len(vocab)]) for _ in range(n)]


class QueryVectors:
    """The embedder of the benchmark: a fixed random unit vector per query text (no model runs)."""

    model_id = MODEL_ID

    def __init__(self, queries: Sequence[str], seed: int = 7) -> None:
        self._v = dict(zip(queries, unit_vectors(len(queries), seed)))

    def encode(self, texts, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        return np.stack([self._v.get(t, self._v[next(iter(self._v))]) for t in texts])


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


# --------------------------------------------------------------------------------------------- children
def _build(backend: str, n: int, where: str) -> dict[str, Any]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    chunks = synthetic_chunks(n)
    vectors = unit_vectors(n, seed=1)
    t0 = time.perf_counter()
    if backend == "local":
        from mlnotes.kb.bm25 import BM25Index
        from mlnotes.kb.index import _write_atomically

        bm25 = BM25Index().index([c.index_text for c in chunks])
        files = {f"synthetic/syn-{d:06d}.md": f"{d:064x}" for d in range(math.ceil(n / DOC_CHUNKS))}
        _write_atomically(Path(where), chunks, vectors, bm25, files, MODEL_ID, DIM, 0, docs=None)
    elif backend == "qdrant":
        from mlnotes.kb.qdrant import connect, sync_collection

        client = connect(where)
        sync_collection(client, "bench", chunks, vectors, model_id=MODEL_ID, n_files=math.ceil(n / DOC_CHUNKS))
        client.close()
    elif backend == "faiss-hnsw":
        import faiss

        faiss.omp_set_num_threads(1)
        index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        index.add(vectors)
        faiss.write_index(index, where)
    else:
        raise ValueError(f"unknown backend {backend!r}; valid: {list(BACKENDS)}")
    return {"build_s": time.perf_counter() - t0, "build_peak_rss": peak_rss_bytes()}


def _serve(backend: str, n: int, where: str, n_queries: int) -> dict[str, Any]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import faiss

    faiss.omp_set_num_threads(1)
    queries = synthetic_queries(n_queries)
    emb = QueryVectors(queries)
    qvecs = emb.encode(queries)
    if backend == "local":
        from mlnotes.kb.index import Index  # noqa: F401 - imported before the baseline so its modules are not counted
    elif backend == "qdrant":
        from mlnotes.kb.qdrant import connect, open_qdrant  # noqa: F401
    base = rss_bytes()
    t0 = time.perf_counter()
    top: list[list[str]] = []
    if backend == "faiss-hnsw":
        hnsw = faiss.read_index(where)
        hnsw.hnsw.efSearch = 64
        load_s, mem = time.perf_counter() - t0, rss_bytes() - base
        ms = []
        for q in qvecs:
            t = time.perf_counter()
            hnsw.search(q.reshape(1, -1), 10)
            ms.append((time.perf_counter() - t) * 1000)
        flat = faiss.IndexFlatIP(DIM)
        flat.add(unit_vectors(n, seed=1))
        _, approx = hnsw.search(qvecs, 10)
        _, exact = flat.search(qvecs, 10)
        recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)]))
        p50, p99 = _percentiles(ms)
        return {"load_s": load_s, "memory": mem, "p50_ms": p50, "p99_ms": p99, "recall@10": recall, "top": []}
    if backend == "local":
        retriever = Index.load(Path(where), embedder=emb)
    else:
        retriever = open_qdrant(client=connect(where), collection="bench", url=where, embedder=emb)
        len(retriever)
    load_s, mem = time.perf_counter() - t0, rss_bytes() - base
    ms = []
    for q in queries:
        t = time.perf_counter()
        hits = retriever.search(q, k=10)
        ms.append((time.perf_counter() - t) * 1000)
        if len(top) < 5:
            top.append([h.chunk.id for h in hits])
    p50, p99 = _percentiles(ms)
    return {"load_s": load_s, "memory": mem, "base_rss": base, "p50_ms": p50, "p99_ms": p99, "top": top}


def _in_child(fn: Callable[..., dict], *args) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as ex:
        return ex.submit(fn, *args).result()


def measure(backend: str, n: int, n_queries: int = 200, workdir: Path | None = None) -> dict[str, Any]:
    """Build then serve ``backend`` on ``n`` synthetic chunks, each in a fresh child process."""
    tmp = Path(tempfile.mkdtemp(prefix=f"mlnotes-scale-{backend}-{n}-", dir=workdir))
    where = str(tmp / ("hnsw.faiss" if backend == "faiss-hnsw" else "store"))
    try:
        row = {"backend": backend, "n": n} | _in_child(_build, backend, n, where)
        row |= _in_child(_serve, backend, n, where, n_queries)
        row["disk_bytes"] = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------- fitting
def linear_fit(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Least-squares ``y = a + b·x``: returns (a, b); with one point, the line through the origin."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) == 1:
        return 0.0, float(y[0] / x[0])
    b, a = np.polyfit(x, y, 1)
    return float(a), float(b)


def growth(rows: Sequence[dict[str, Any]], machine_bytes: float = 24 * GIB) -> dict[str, dict[str, Any]]:
    """Per backend: bytes per chunk, latency per chunk, and the size at which ``machine_bytes`` is used up."""
    out: dict[str, dict[str, Any]] = {}
    for backend in dict.fromkeys(r["backend"] for r in rows):
        rs = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["n"])
        ns = [r["n"] for r in rs]
        a, b = linear_fit(ns, [r["memory"] for r in rs])
        la, lb = linear_fit(ns, [r["p50_ms"] for r in rs])
        pa, pb = linear_fit(ns, [r["build_peak_rss"] for r in rs])
        base = float(np.mean([r.get("base_rss", 0) for r in rs]))
        limit = (machine_bytes - base - a) / b if b > 0 else math.inf
        build_limit = (machine_bytes - pa) / pb if pb > 0 else math.inf
        out[backend] = {"bytes_per_chunk": b, "fixed_bytes": a, "base_rss": base, "p50_ms_per_1k": lb * 1000,
                        "p50_ms_intercept": la, "serve_limit_chunks": limit, "build_limit_chunks": build_limit,
                        "p50_ms_at_limit": la + lb * limit if math.isfinite(limit) else math.inf,
                        "sizes": ns}
    return out


def run_scale(sizes: Sequence[int], backends: Sequence[str] = ("local", "qdrant"), n_queries: int = 200,
              qdrant_max: int = 10_000, qdrant_queries: int = 20,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure every (backend, size) and fit the growth; Qdrant's embedded mode only up to ``qdrant_max`` and
    with at most ``qdrant_queries`` queries (its searches scan in Python: seconds each at 10k chunks)."""
    rows, skipped = [], []
    load = os.getloadavg()
    for backend in backends:
        for n in sizes:
            if backend == "qdrant" and n > qdrant_max:
                skipped.append(f"qdrant n={n}: above --qdrant-max {qdrant_max} (the embedded mode is a pure-Python "
                               "engine; see docs/SCALING.md)")
                continue
            t0 = time.perf_counter()
            rows.append(measure(backend, n, min(n_queries, qdrant_queries) if backend == "qdrant" else n_queries))
            log(f"{backend} n={n}: done in {time.perf_counter() - t0:.0f} s (load average {os.getloadavg()[0]:.1f})")
    agree = _agreement(rows)
    return {"rows": rows, "growth": growth(rows), "skipped": skipped, "load_average_start": load,
            "load_average_end": os.getloadavg(), "cpus": os.cpu_count(), "queries": n_queries,
            "local_qdrant_top10_agreement": agree}


def _agreement(rows: Sequence[dict[str, Any]]) -> dict[int, float]:
    """Per size measured on both: the share of the first queries' top-10 ids the two backends have in common."""
    out = {}
    for r in rows:
        if r["backend"] != "local":
            continue
        q = next((x for x in rows if x["backend"] == "qdrant" and x["n"] == r["n"]), None)
        if q is not None and r["top"]:
            out[r["n"]] = float(np.mean([len(set(a) & set(b)) / max(len(a), 1) for a, b in zip(r["top"], q["top"])]))
    return out


def _fmt_bytes(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB" if abs(b) < GIB else f"{b / GIB:,.2f} GiB"


def print_report(res: dict[str, Any], console) -> None:
    from rich.table import Table

    t = Table(title=f"retrieval at scale ({res['queries']} hybrid queries, k=10, 1 thread; load average "
                    f"{res['load_average_start'][0]:.1f} -> {res['load_average_end'][0]:.1f} on {res['cpus']} CPUs)")
    for col in ("backend", "chunks", "build s", "build peak RSS", "load s", "memory", "p50 ms", "p99 ms", "disk"):
        t.add_column(col, justify="right")
    for r in res["rows"]:
        t.add_row(r["backend"] + (f" (recall@10 {r['recall@10']:.3f})" if "recall@10" in r else ""), f"{r['n']:,}",
                  f"{r['build_s']:.1f}", _fmt_bytes(r["build_peak_rss"]), f"{r['load_s']:.2f}",
                  _fmt_bytes(r["memory"]), f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", _fmt_bytes(r["disk_bytes"]))
    console.print(t)
    for backend, g in res["growth"].items():
        console.print(f"{backend}: {g['bytes_per_chunk']:,.0f} bytes/chunk + {_fmt_bytes(g['fixed_bytes'])} fixed; "
                      f"p50 {g['p50_ms_intercept']:.2f} ms + {g['p50_ms_per_1k']:.4f} ms per 1k chunks; one 24 GiB "
                      f"machine serves up to ~{g['serve_limit_chunks']:,.0f} chunks (p50 there "
                      f"~{g['p50_ms_at_limit']:,.0f} ms) and builds up to ~{g['build_limit_chunks']:,.0f}",
                      highlight=False)
    for s in res["skipped"]:
        console.print(f"skipped: {s}", highlight=False)
    if res["local_qdrant_top10_agreement"]:
        console.print(f"local vs qdrant top-10 agreement (first 5 queries): {res['local_qdrant_top10_agreement']}")


def register(app, bench_app, *, load_index, console, err) -> None:
    """Add ``mlnotes bench scale`` (named in ``Settings.cli_plugins`` as ``mlnotes.eval.scale:register``)."""

    @bench_app.command("scale")
    def bench_scale(
        sizes: Annotated[str, typer.Option(help="comma-separated corpus sizes in chunks")] = "10000,100000",
        hnsw: Annotated[bool, typer.Option(help="also time the dense leg in a FAISS HNSW graph")] = False,
        qdrant: Annotated[bool, typer.Option(help="include Qdrant's embedded mode")] = True,
        qdrant_max: Annotated[int, typer.Option(help="largest size for Qdrant's embedded mode")] = 10_000,
        queries: Annotated[int, typer.Option(help="queries timed per size")] = 200,
        qdrant_queries: Annotated[int, typer.Option(help="queries timed per size for Qdrant's embedded mode")] = 20,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Synthetic corpora of growing size: build time, memory, load time, search p50/p99, and the fitted
        size at which one 24 GiB machine stops serving."""
        try:
            ns = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
        except ValueError:
            ns = []
        if not ns or min(ns) < 100 or queries < 1 or qdrant_queries < 1:
            err.print(f"[bold red]error:[/] --sizes must be comma-separated integers >= 100 (got {sizes!r}) and "
                      "--queries at least 1")
            raise typer.Exit(2)
        backends = ["local"] + (["qdrant"] if qdrant else []) + (["faiss-hnsw"] if hnsw else [])
        res = run_scale(sorted(ns), backends, n_queries=queries, qdrant_max=qdrant_max, qdrant_queries=qdrant_queries,
                        log=lambda m: err.print(m, highlight=False))
        if as_json:
            print(json.dumps(res, indent=2, default=float))
            return
        print_report(res, console)
