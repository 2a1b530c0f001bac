"""Speed benchmarks: ``mlnotes bench all`` / ``bench api`` / ``bench index`` (medians over repeats).

* **search** — p50/p99 per mode including query embedding (the query cache is cleared before every query),
  over the heldout gold questions, repeated; plus the query-embedding paths side by side: sentence-transformers
  ``encode``, the direct float32 path (``Embedder.encode_query``) and an int8 dynamically quantized copy, with
  the retrieval quality of int8 queries on the tune split (documents keep float32 vectors).
* **api** — a local uvicorn server on 127.0.0.1 (random free port, a subprocess), ``POST /api/search`` and
  ``POST /api/ask`` driven by a bounded load generator (httpx in a thread pool of 4, a fixed request count and
  a wall-clock cap): throughput, latency p50/p99, errors, and the server's resident memory.
* **index** — cold build into a fresh directory from a temporary copy of the corpus, and the incremental
  re-index after appending a line to one file of that copy.

Writes ``eval/reports/bench.md`` and ``bench.json``. On a shared machine absolute numbers move with load; the
report states the load average at the start and the ratios measured in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from eval.data import REPORTS, load_gold

REPO = Path(__file__).resolve().parent.parent


def _pct(xs: list[float], q: float) -> float:
    return float(np.quantile(xs, q)) if xs else float("nan")


def _load_index(corpus: Path | None = None, index_dir: Path | None = None):
    from assistant.settings import get_settings
    from kb.search import open_retriever

    s = get_settings()
    return open_retriever(s.search_backend, index_dir=index_dir or s.index_dir, corpus_dir=corpus or s.corpus_dir,
                          defaults=s.fusion_params)


def bench_search(index, repeats: int = 3, n_queries: int = 100,
                 modes: tuple[str, ...] = ("bm25", "dense", "hybrid"), k: int = 10) -> dict[str, Any]:
    """Search latency per mode over the first ``n_queries`` heldout gold questions (query cache cleared before each
    query, so the embedding cost is included): medians over ``repeats`` passes of p50/p99, and queries per second.
    The one search benchmark (``mlnotes bench search`` and the search part of ``bench all``)."""
    queries = [q.question for q in load_gold("heldout")][:n_queries]
    for m in modes:
        index.search("warm up the model", k=k, mode=m)
    out: dict[str, Any] = {"queries": len(queries), "repeats": repeats, "chunks": len(index), "modes": {}}
    for m in modes:
        p50s, p99s, allv = [], [], []
        for _ in range(repeats):
            lat = []
            for q in queries:
                index.clear_query_cache()
                t0 = time.perf_counter()
                index.search(q, k=k, mode=m)
                lat.append((time.perf_counter() - t0) * 1000)
            p50s.append(_pct(lat, 0.5))
            p99s.append(_pct(lat, 0.99))
            allv += lat
        out["modes"][m] = {"p50_ms": statistics.median(p50s), "p99_ms": statistics.median(p99s),
                           "qps_1_thread": 1000.0 / float(np.mean(allv))}
    # cached query (the index keeps the last 2048 query vectors): fill the cache, then measure
    for q in queries:
        index.search(q, k=10, mode="hybrid")
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, k=10, mode="hybrid")
        lat.append((time.perf_counter() - t0) * 1000)
    out["hybrid_cached_query_p50_ms"] = _pct(lat, 0.5)
    return out


def bench_query_paths(index, repeats: int = 3, n_queries: int = 100) -> dict[str, Any]:
    """Query-embedding latency per path and the retrieval quality of int8 queries (tune split)."""
    import copy
    import warnings

    import torch

    from eval.metrics import METRICS, summarize
    from eval.retrieval import Config, run_config

    emb = index.embedder
    inner = getattr(emb, "_e", emb)
    queries = [q.question for q in load_gold("heldout")][:n_queries]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qmodel = torch.ao.quantization.quantize_dynamic(copy.deepcopy(inner.model[0].auto_model),
                                                        {torch.nn.Linear}, dtype=torch.qint8)

    def int8(text: str) -> np.ndarray:
        saved = getattr(inner, "_qmodel", None)
        inner._qmodel = qmodel
        try:
            return inner.encode_query(text)
        finally:
            inner._qmodel = saved

    def float_direct(text: str) -> np.ndarray:
        saved = getattr(inner, "_qmodel", None)
        inner._qmodel = inner.model[0].auto_model
        try:
            return inner.encode_query(text)
        finally:
            inner._qmodel = saved

    paths = {"sentence-transformers encode": lambda t: inner.encode([t])[0],
             "direct float32 (encode_query)": float_direct, "direct int8 dynamic quantization": int8}
    res: dict[str, Any] = {"threads": torch.get_num_threads(), "paths": {}}
    for name, fn in paths.items():
        fn("warm up")
        p50s = []
        for _ in range(repeats):
            lat = []
            for q in queries:
                t0 = time.perf_counter()
                fn(q)
                lat.append((time.perf_counter() - t0) * 1000)
            p50s.append(_pct(lat, 0.5))
        res["paths"][name] = {"p50_ms": statistics.median(p50s)}
    ref = np.stack([inner.encode([q])[0] for q in queries])
    for name, fn in paths.items():
        v = np.stack([fn(q) for q in queries])
        res["paths"][name]["min_cosine_to_st"] = float((v * ref).sum(1).min())
    # retrieval quality with int8 queries vs float32 queries, tune split, default hybrid config
    tune = load_gold("tune")
    d = index.defaults
    cfg = Config("default", "hybrid", d.fusion, rrf_k=d.rrf_k, w_dense=d.w_dense)
    qual = {}
    for name, fn in (("float32", float_direct), ("int8", int8)):
        view = index.with_defaults(index.defaults)  # a private view whose query embedding this loop replaces
        view.embed_query = fn
        run = run_config(view, tune, cfg)
        s = summarize(list(run.rows.values()), n_boot=200)
        qual[name] = {m: s[m]["mean"] for m in METRICS}
    res["quality_tune"] = qual
    return res


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _load(url: str, bodies: list[dict], n_requests: int, workers: int, max_seconds: float):
    import httpx

    lat, errors = [], 0
    deadline = time.perf_counter() + max_seconds

    def one(i: int):
        if time.perf_counter() > deadline:
            return None
        with httpx.Client(timeout=60.0) as c:
            t0 = time.perf_counter()
            r = c.post(url, json=bodies[i % len(bodies)])
            return (time.perf_counter() - t0) * 1000, r.status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(ex.map(one, range(n_requests)))
    wall = time.perf_counter() - t0
    done = [r for r in results if r is not None]
    for ms, code in done:
        if code == 200:
            lat.append(ms)
        else:
            errors += 1
    return {"requests": len(done), "errors": errors, "seconds": wall, "rps": len(done) / wall if wall else 0.0,
            "p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99)}


def bench_api(n_requests: int = 200, workers: int = 4, max_seconds: float = 120.0,
              repeats: int = 1) -> dict[str, Any]:
    import httpx

    port = _free_port()
    code = ("import uvicorn\nfrom assistant.api.app import create_app\nfrom assistant.settings import get_settings\n"
            f"uvicorn.run(create_app(get_settings()), host='127.0.0.1', port={port}, log_level='warning')\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"workers": workers, "n_requests": n_requests, "max_seconds": max_seconds}
    try:
        t0 = time.perf_counter()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("server did not become healthy within 300 s")
            time.sleep(0.5)
        out["startup_seconds"] = time.perf_counter() - t0
        out["rss_mb_idle"] = _rss_mb(proc.pid)
        qs = [q.question for q in load_gold("heldout")]
        # warm-up (model load, first-touch caches)
        httpx.post(f"{base}/api/search", json={"query": "warm up", "k": 10}, timeout=60)
        httpx.post(f"{base}/api/ask", json={"question": "what is dropout?"}, timeout=60)
        for name, path, bodies in (
            ("search", "/api/search", [{"query": q, "k": 10} for q in qs]),
            ("ask", "/api/ask", [{"question": q} for q in qs]),
        ):
            runs = [_load(base + path, bodies, n_requests, workers, max_seconds) for _ in range(repeats)]
            out[name] = {k: statistics.median([r[k] for r in runs]) for k in runs[0]}
        out["rss_mb_after"] = _rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def bench_index(corpus: Path | None = None, repeats_incremental: int = 3, cold: bool = True) -> dict[str, Any]:
    from assistant.settings import get_settings
    from kb.index import Index

    corpus = corpus or get_settings().corpus_dir
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mlnotes-bench-") as tmp:
        tmp = Path(tmp)
        shutil.copytree(corpus, tmp / "corpus")
        idx_dir = tmp / "index"
        if cold:
            t0 = time.perf_counter()
            _, stats = Index.build(tmp / "corpus", idx_dir)
            out["cold_seconds"] = time.perf_counter() - t0
            out["cold_chunks"] = stats.chunks
        else:
            shutil.copytree(get_settings().index_dir, idx_dir)
        target = tmp / "corpus" / "chapters" / "05-classical-ml.md"
        if not target.exists():
            target = sorted((tmp / "corpus").rglob("*.md"))[-1]
        times, embedded = [], []
        for i in range(repeats_incremental):
            with open(target, "a", encoding="utf-8") as f:
                f.write(f"\nAn added closing sentence for the incremental benchmark, edit {i}.\n")
            t0 = time.perf_counter()
            idx, stats = Index.load_or_build(tmp / "corpus", idx_dir, log=lambda m: None)
            times.append(time.perf_counter() - t0)
            embedded.append(stats.embedded if stats else 0)
        out["incremental_seconds_median"] = statistics.median(times)
        out["incremental_seconds"] = times
        out["incremental_embedded_chunks"] = embedded
        out["incremental_file"] = target.relative_to(tmp / "corpus").as_posix()
        t0 = time.perf_counter()
        Index.load(idx_dir)
        out["load_seconds"] = time.perf_counter() - t0
    return out


def markdown(res: dict[str, Any]) -> str:
    L = ["# Benchmark report", "", f"Generated {res['created_at']}; load average at start {res['loadavg']}, "
         f"{os.cpu_count()} CPUs, torch threads {res.get('query_paths', {}).get('threads', '?')}. "
         "Medians over repeats; the machine is shared, so compare ratios from this run rather than absolute times.",
         ""]
    if "search" in res:
        s = res["search"]
        L += ["## Search latency (including query embedding, cache cleared per query)", "",
              f"{s['queries']} heldout questions × {s['repeats']} repeats, k = 10.", "",
              "| mode | p50 ms | p99 ms | QPS (1 thread) |", "|---|---|---|---|"]
        for m, r in s["modes"].items():
            L.append(f"| {m} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['qps_1_thread']:.0f} |")
        L += ["", f"Hybrid with a cached query vector: p50 {s['hybrid_cached_query_p50_ms']:.2f} ms.", ""]
    if "query_paths" in res:
        q = res["query_paths"]
        L += ["## Query-embedding paths", "", "| path | p50 ms | min cosine to sentence-transformers |",
              "|---|---|---|"]
        for n, r in q["paths"].items():
            L.append(f"| {n} | {r['p50_ms']:.2f} | {r['min_cosine_to_st']:.4f} |")
        L += ["", "Retrieval quality of the default hybrid config on the tune split with float32 vs int8 queries:",
              "", "| queries | " + " | ".join(q["quality_tune"]["float32"]) + " |",
              "|---|" + "---|" * len(q["quality_tune"]["float32"])]
        for n, r in q["quality_tune"].items():
            L.append(f"| {n} | " + " | ".join(f"{v:.3f}" for v in r.values()) + " |")
        L.append("")
    if "api" in res:
        a = res["api"]
        if "error" in a:
            L += ["## API", "", f"Failed: {a['error']}", ""]
        else:
            L += ["## API under concurrency (uvicorn on 127.0.0.1, one worker process)", "",
                  f"{a['workers']} client threads, {a['n_requests']} requests per endpoint, cap "
                  f"{a['max_seconds']:.0f} s. Server start-up {a['startup_seconds']:.1f} s; RSS idle "
                  f"{a['rss_mb_idle']:.0f} MB, after load {a['rss_mb_after']:.0f} MB.", "",
                  "| endpoint | requests | errors | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
            for n in ("search", "ask"):
                r = a[n]
                L.append(f"| /api/{n} | {r['requests']:.0f} | {r['errors']:.0f} | {r['rps']:.1f} | "
                         f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
            L.append("")
    if "index" in res:
        i = res["index"]
        L += ["## Index build", ""]
        if "cold_seconds" in i:
            L.append(f"- cold build (fresh directory, {i['cold_chunks']} chunks): {i['cold_seconds']:.1f} s "
                     "(one run)")
        L.append(f"- incremental re-index after appending a line to `{i['incremental_file']}`: median "
                 f"{i['incremental_seconds_median']:.2f} s over {len(i['incremental_seconds'])} edits "
                 f"(chunks re-embedded: {i['incremental_embedded_chunks']})")
        L.append(f"- load a current index: {i['load_seconds']:.2f} s")
        L.append("")
    return "\n".join(L)


def run_bench(parts: tuple[str, ...] = ("search", "api", "index"), out_dir: Path = REPORTS,
              n_requests: int = 200, workers: int = 4, cold: bool = True, log=print) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"created_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                           "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    if "search" in parts:
        index = _load_index()
        res["search"] = bench_search(index)
        log(f"search hybrid p50 {res['search']['modes']['hybrid']['p50_ms']:.2f} ms")
        res["query_paths"] = bench_query_paths(index)
        log("query paths: " + ", ".join(f"{n} {r['p50_ms']:.2f} ms" for n, r in res["query_paths"]["paths"].items()))
    if "api" in parts:
        try:
            res["api"] = bench_api(n_requests=n_requests, workers=workers)
            log(f"api search {res['api']['search']['rps']:.1f} req/s, ask {res['api']['ask']['rps']:.1f} req/s")
        except Exception as exc:  # noqa: BLE001 - report, do not crash the other parts
            res["api"] = {"error": f"{type(exc).__name__}: {exc}"}
    if "index" in parts:
        res["index"] = bench_index(cold=cold)
        log(f"index: cold {res['index'].get('cold_seconds', float('nan')):.1f} s, incremental "
            f"{res['index']['incremental_seconds_median']:.2f} s")
    (out_dir / "bench.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (out_dir / "bench.md").write_text(markdown(res))
    log(f"wrote {out_dir / 'bench.md'} and bench.json")
    return res


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="speed benchmarks")
    ap.add_argument("parts", nargs="*", default=["search", "api", "index"])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--no-cold", action="store_true")
    args = ap.parse_args(argv)
    run_bench(tuple(args.parts), n_requests=args.requests, workers=args.workers, cold=not args.no_cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
