"""Speed benchmarks: ``mlnotes bench all`` / ``bench api`` / ``bench index`` (medians over repeats).

* **search** — p50/p99 per mode including query embedding (the query cache is cleared before every query),
  over the heldout gold questions, repeated; plus the query-embedding paths side by side: sentence-transformers
  ``encode``, the direct float32 path (``Embedder.encode_query``) and an int8 dynamically quantized copy, with
  the retrieval quality of int8 queries on the tune split (documents keep float32 vectors).
* **api** — a local uvicorn server on 127.0.0.1 (random free port, a subprocess) or a running one (``--server``),
  ``POST /api/search`` and ``POST /api/ask`` at concurrency 1, 8 and 32 (httpx, one keep-alive client per thread,
  a fixed request count and a wall-clock cap per level), every request a different gold or external question:
  requests/s, latency p50/p99, errors, and the started server's resident memory.
* **index** — cold build into a fresh directory from a temporary copy of the corpus, and the incremental
  re-index after appending a line to one file of that copy.

Writes ``eval/reports/bench.md`` and ``bench.json`` (parts not run keep their previous results). On a shared
machine absolute numbers move with load; the report states the machine, the load average at the start (and, for
the API, before and after) and the ratios measured in the same run.
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

from mlnotes.eval.data import REPORTS, load_gold

REPO = Path(__file__).resolve().parent.parent


def _pct(xs: list[float], q: float) -> float:
    return float(np.quantile(xs, q)) if xs else float("nan")


def _load_index(corpus: Path | None = None, index_dir: Path | None = None):
    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.search import open_retriever

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


def bench_peer(index, repeats: int = 5, n_queries: int = 100, k: int = 10) -> dict[str, Any]:
    """Our hybrid search against the stock llama-index pipeline (:class:`mlnotes.eval.peer.PeerPipeline`: the same
    chunks, vectors and embedder) on the same questions, interleaved (ours, then the peer's, per question), half
    heldout gold and half external. Query caches are cleared before each of our queries (llama-index keeps none),
    so both pay the query embedding. Reports p50/p99 of each (medians over ``repeats`` passes) and the median of
    the per-question ratio peer/ours. Needs the ``eval`` extra (scripts/eval_extra_job.sh sets up .venv-eval)."""
    from mlnotes.eval.data import load_external
    from mlnotes.eval.peer import PeerPipeline

    half = max(1, n_queries // 2)
    queries = [q.question for q in load_gold("heldout")][:half] + [q.question for q in load_external()][:half]
    t0 = time.perf_counter()
    peer = PeerPipeline(index, k=k)
    build_s = time.perf_counter() - t0
    index.search("warm up the model", k=k, mode="hybrid")
    peer.rank_sections("warm up the model")
    ours_p50, ours_p99, peer_p50, peer_p99, ratios = [], [], [], [], []
    for _ in range(repeats):
        ours, theirs = [], []
        for q in queries:
            index.clear_query_cache()
            t = time.perf_counter()
            index.search(q, k=k, mode="hybrid")
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            peer.rank_sections(q, "hybrid")
            theirs.append((time.perf_counter() - t) * 1000)
        ours_p50.append(_pct(ours, 0.5))
        ours_p99.append(_pct(ours, 0.99))
        peer_p50.append(_pct(theirs, 0.5))
        peer_p99.append(_pct(theirs, 0.99))
        ratios += [b / a for a, b in zip(ours, theirs) if a > 0]
    return {"queries": len(queries), "repeats": repeats, "chunks": len(index), "peer_build_s": build_s,
            "ours": {"p50_ms": statistics.median(ours_p50), "p99_ms": statistics.median(ours_p99)},
            "peer": {"p50_ms": statistics.median(peer_p50), "p99_ms": statistics.median(peer_p99)},
            "ratio_p50": statistics.median(peer_p50) / statistics.median(ours_p50),
            "ratio_per_question_median": statistics.median(ratios)}


def bench_query_paths(index, repeats: int = 3, n_queries: int = 100) -> dict[str, Any]:
    """Query-embedding latency per path and the retrieval quality of int8 queries (tune split)."""
    import copy
    import warnings

    import torch

    from mlnotes.eval.metrics import METRICS, summarize
    from mlnotes.eval.retrieval import Config, run_config

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


API_CONCURRENCY = (1, 8, 32)


def api_questions() -> list[str]:
    """Distinct questions for the API benchmark: the external set (other people's phrasing) interleaved with the
    gold set, duplicates (case-insensitive) dropped, in a fixed order."""
    from mlnotes.eval.data import load_external

    gold = [q.question for q in load_gold()]
    ext = [q.question for q in load_external()]
    mixed: list[str] = []
    for i in range(max(len(gold), len(ext))):
        mixed += ([ext[i]] if i < len(ext) else []) + ([gold[i]] if i < len(gold) else [])
    seen: set[str] = set()
    return [q for q in mixed if not (q.lower() in seen or seen.add(q.lower()))]


def _load(url: str, bodies: list[dict], workers: int, max_seconds: float, headers: dict | None = None):
    """POST each body once from ``workers`` threads (one keep-alive client per thread); latency of the 200s,
    errors, requests per second over the wall time."""
    import threading

    import httpx

    deadline = time.perf_counter() + max_seconds
    local = threading.local()
    clients: list = []

    def one(body: dict):
        if time.perf_counter() > deadline:
            return None
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = httpx.Client(timeout=120.0, headers=headers)
            clients.append(c)
        t0 = time.perf_counter()
        try:
            code = c.post(url, json=body).status_code
        except httpx.HTTPError:
            code = -1
        return (time.perf_counter() - t0) * 1000, code

    t0 = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(one, bodies))
    finally:
        for c in clients:
            c.close()
    wall = time.perf_counter() - t0
    done = [r for r in results if r is not None]
    lat = [ms for ms, code in done if code == 200]
    return {"concurrency": workers, "requests": len(done), "errors": len(done) - len(lat), "seconds": wall,
            "rps": len(done) / wall if wall else 0.0, "p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99)}


def _start_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    code = ("import uvicorn\nfrom mlnotes.assistant.api.app import create_app\nfrom mlnotes.assistant.settings import get_settings\n"
            f"uvicorn.run(create_app(get_settings()), host='127.0.0.1', port={port}, log_level='warning')\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def bench_api(n_requests: int = 64, concurrency: tuple[int, ...] = API_CONCURRENCY, max_seconds: float = 120.0,
              server: str | None = None, questions: list[str] | None = None,
              startup_timeout_s: float = 300.0) -> dict[str, Any]:
    """``POST /api/search`` and ``POST /api/ask`` at each concurrency level, ``n_requests`` each, every request a
    question not sent before in this run (so no query or answer cache helps): p50/p99 latency and requests/s.

    Starts ``mlnotes serve``'s app in a subprocess on a free loopback port (start-up time and resident memory
    reported) unless ``server`` names a running one."""
    import httpx

    from mlnotes.assistant.settings import get_settings

    qs = questions if questions is not None else api_questions()
    need = 2 * len(concurrency) * n_requests + 2
    if len(qs) < need:
        raise ValueError(f"{n_requests} requests x {len(concurrency)} levels x 2 endpoints need {need} distinct "
                         f"questions; only {len(qs)} are available: lower --requests")
    key = get_settings().api_key
    headers = {"Authorization": f"Bearer {key}"} if key else None
    proc = None
    out: dict[str, Any] = {"n_requests": n_requests, "concurrency": list(concurrency), "max_seconds": max_seconds,
                           "questions": "gold + external, each sent once", "server": server or "started here"}
    if server is None:
        proc, base = _start_server()
    else:
        base = server.rstrip("/")
    try:
        t0 = time.perf_counter()
        while True:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2.0, headers=headers).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc is None or time.perf_counter() - t0 > startup_timeout_s:
                raise RuntimeError(f"no healthy server at {base}" if proc is None else
                                   f"server did not become healthy within {startup_timeout_s:.0f} s")
            time.sleep(0.25)
        if proc is not None:
            out["startup_seconds"] = time.perf_counter() - t0
            out["rss_mb_idle"] = _rss_mb(proc.pid)
        # warm-up with the two questions that are not measured
        httpx.post(f"{base}/api/search", json={"query": qs[0], "k": 10}, timeout=120, headers=headers)
        httpx.post(f"{base}/api/ask", json={"question": qs[1]}, timeout=120, headers=headers)
        pos = 2
        for name, path, make in (("search", "/api/search", lambda q: {"query": q, "k": 10}),
                                 ("ask", "/api/ask", lambda q: {"question": q})):
            out[name] = {}
            for c in concurrency:
                bodies = [make(q) for q in qs[pos:pos + n_requests]]
                pos += n_requests
                out[name][str(c)] = _load(base + path, bodies, c, max_seconds, headers)
        if proc is not None:
            out["rss_mb_after"] = _rss_mb(proc.pid)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return out


def bench_index(corpus: Path | None = None, repeats_incremental: int = 3, cold: bool = True) -> dict[str, Any]:
    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.index import Index

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
    L = ["# Benchmark report", "", f"Generated {res['created_at']} on {res.get('machine', machine())}; load average "
         f"at start {res['loadavg']}, torch threads {res.get('query_paths', {}).get('threads', '?')}. "
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
        L += api_markdown(res["api"])
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


def machine() -> str:
    """The CPU model and count, for the report."""
    import platform

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"


def api_markdown(a: dict[str, Any]) -> list[str]:
    if "error" in a:
        return ["## API", "", f"Failed: {a['error']}", ""]
    where = (f"A server started for the run (uvicorn, one process, 127.0.0.1); start-up {a['startup_seconds']:.1f} s, "
             f"RSS idle {a['rss_mb_idle']:.0f} MB, after load {a['rss_mb_after']:.0f} MB"
             if "startup_seconds" in a else f"The running server at {a['server']}")
    L = ["## API under concurrency", "",
         f"{where}. {a['n_requests']} requests per endpoint and level, every one a different question (gold and "
         f"external sets, none repeated in the run, so no cache helps); cap {a['max_seconds']:.0f} s per level. "
         f"Load average before {a.get('loadavg_before', '?')}, after {a.get('loadavg_after', '?')}.", "",
         "| endpoint | concurrency | requests | errors | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|---|"]
    for n in ("search", "ask"):
        for c, r in a[n].items():
            L.append(f"| /api/{n} | {c} | {r['requests']:.0f} | {r['errors']:.0f} | {r['rps']:.1f} | "
                     f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    return L + [""]


def run_bench(parts: tuple[str, ...] = ("search", "api", "index"), out_dir: Path = REPORTS,
              n_requests: int = 64, concurrency: tuple[int, ...] = API_CONCURRENCY, cold: bool = True,
              server: str | None = None, log=print) -> dict[str, Any]:
    """Run the named parts and write ``bench.json`` and ``bench.md``; the parts not run this time keep their
    previous results (each part carries its own time and load average)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {}
    try:
        res = json.loads((out_dir / "bench.json").read_text())
    except (OSError, ValueError):
        pass
    res.update({"created_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()), "machine": machine()})
    if "search" in parts:
        index = _load_index()
        res["search"] = bench_search(index)
        log(f"search hybrid p50 {res['search']['modes']['hybrid']['p50_ms']:.2f} ms")
        res["query_paths"] = bench_query_paths(index)
        log("query paths: " + ", ".join(f"{n} {r['p50_ms']:.2f} ms" for n, r in res["query_paths"]["paths"].items()))
    if "api" in parts:
        before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        try:
            res["api"] = bench_api(n_requests=n_requests, concurrency=concurrency, server=server)
            for n in ("search", "ask"):
                log(f"api {n}: " + ", ".join(f"c={c} p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms "
                                             f"{r['rps']:.1f} req/s" for c, r in res["api"][n].items()))
        except Exception as exc:  # noqa: BLE001 - report, do not crash the other parts
            res["api"] = {"error": f"{type(exc).__name__}: {exc}"}
        res["api"].update({"measured_at": res["created_at"], "loadavg_before": before, "machine": res["machine"],
                           "loadavg_after": " ".join(f"{x:.2f}" for x in os.getloadavg())})
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
    ap.add_argument("--requests", type=int, default=64, help="API requests per endpoint and concurrency level")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--server", default=None)
    ap.add_argument("--no-cold", action="store_true")
    args = ap.parse_args(argv)
    run_bench(tuple(args.parts), n_requests=args.requests, concurrency=parse_concurrency(args.concurrency),
              cold=not args.no_cold, server=args.server)
    return 0


def parse_concurrency(text: str) -> tuple[int, ...]:
    """``"1,8,32"`` -> (1, 8, 32); a clear ValueError otherwise."""
    try:
        levels = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        levels = ()
    if not levels or any(not 1 <= c <= 256 for c in levels):
        raise ValueError(f"concurrency must be a comma-separated list of integers 1-256, e.g. 1,8,32; got {text!r}")
    return levels


if __name__ == "__main__":
    sys.exit(main())
