"""Speed benchmarks: ``mlnotes bench all`` / ``bench api`` / ``bench index`` (medians over repeats).

* **search** — p50/p99 per mode including query embedding (the query cache is cleared before every query),
  over the heldout gold questions, repeated; plus the query-embedding paths side by side: sentence-transformers
  ``encode``, the direct float32 path (``Embedder.encode_query``) and an int8 dynamically quantized copy, with
  the retrieval quality of int8 queries on the tune split (documents keep float32 vectors).
* **api** — a local uvicorn server on 127.0.0.1 (random free port, a subprocess) or a running one (``--server``),
  ``POST /api/search`` and ``POST /api/ask`` at concurrency 1, 8 and 32 (httpx, one keep-alive client per thread,
  a fixed request count and a wall-clock cap per level), every request a different gold or external question:
  requests/s, latency p50/p99, errors, and the started server's resident memory.
* **index** — cold build into a fresh directory from a temporary copy of the corpus (seconds per phase, word
  pieces embedded and their rate, then the answer-sentence precompute that ``mlnotes index`` adds), and the
  incremental re-index after appending a line to one file of that copy.
* **peer** (``mlnotes bench search --peer``, the ``eval`` extra) — ours against llama-index, interleaved: the
  stock configuration (``HuggingFaceEmbedding``, PyTorch) as the headline row and the same-embedder one.
* **graph** — the query session's (fused) graph against sentence-transformers on every embedding unit.
* **int8** — int8 against float32 query vectors on gold heldout, gold tune and external, paired bootstrap CIs.
  ``python -m mlnotes.eval.bench graph int8`` runs the last two.

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


HYBRID_NO_RERANK = "hybrid (no rerank)"  # bench_search's row for hybrid search without the learned reranker


def bench_search(index, repeats: int = 3, n_queries: int = 100,
                 modes: tuple[str, ...] = ("bm25", "dense", "hybrid"), k: int = 10) -> dict[str, Any]:
    """Search latency per mode over the first ``n_queries`` heldout gold questions (query cache cleared before each
    query, so the embedding cost is included): medians over ``repeats`` passes of p50/p99, and queries per second.
    The one search benchmark (``mlnotes bench search`` and the search part of ``bench all``)."""
    queries = [q.question for q in load_gold("heldout")][:n_queries]
    # hybrid is measured as served (the learned reranker on by default, mlnotes.kb.rerank) and without it, the two
    # interleaved query by query in alternating order (measured one after the other, whichever ran second was
    # faster by up to 10 ms on the loaded 2-core machine, far more than the reranker's own cost)
    groups = [[(m, m, {})] for m in modes if m != "hybrid"]
    if "hybrid" in modes:
        groups.append([("hybrid", "hybrid", {}), (HYBRID_NO_RERANK, "hybrid", {"rerank": False})])
    for group in groups:
        for _, m, extra in group:
            index.search("warm up the model", k=k, mode=m, **extra)
    out: dict[str, Any] = {"queries": len(queries), "repeats": repeats, "chunks": len(index), "modes": {}}
    for group in groups:
        p50s: dict[str, list[float]] = {label: [] for label, _, _ in group}
        p99s: dict[str, list[float]] = {label: [] for label, _, _ in group}
        allv: dict[str, list[float]] = {label: [] for label, _, _ in group}
        for r in range(repeats):
            lat: dict[str, list[float]] = {label: [] for label, _, _ in group}
            for i, q in enumerate(queries):
                for label, m, extra in (group if (i + r) % 2 == 0 else group[::-1]):
                    index.clear_query_cache()
                    t0 = time.perf_counter()
                    index.search(q, k=k, mode=m, **extra)
                    lat[label].append((time.perf_counter() - t0) * 1000)
            for label, v in lat.items():
                p50s[label].append(_pct(v, 0.5))
                p99s[label].append(_pct(v, 0.99))
                allv[label] += v
        for label, _, _ in group:
            out["modes"][label] = {"p50_ms": statistics.median(p50s[label]), "p99_ms": statistics.median(p99s[label]),
                                   "qps_1_thread": 1000.0 / float(np.mean(allv[label]))}
    # cached query (the index keeps the last 2048 query vectors): fill the cache, then measure, with and without
    # the reranker in alternating passes (the difference is the reranker's own cost)
    for q in queries:
        index.search(q, k=10, mode="hybrid")
    cached: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(max(1, repeats)):
        for rerank in (True, False):
            lat = []
            for q in queries:
                t0 = time.perf_counter()
                index.search(q, k=10, mode="hybrid", **({} if rerank else {"rerank": False}))
                lat.append((time.perf_counter() - t0) * 1000)
            cached[rerank].append(_pct(lat, 0.5))
    out["hybrid_cached_query_p50_ms"] = statistics.median(cached[True])
    out["hybrid_cached_query_no_rerank_p50_ms"] = statistics.median(cached[False])
    return out


OURS = "ML/AI Notes"
PEER_EMBEDDERS = ("huggingface", "ours")
PEER_LABELS = {"huggingface": "llama-index stock (HuggingFaceEmbedding, PyTorch)",
               "ours": "llama-index, our ONNX embedder"}  # the headline peer first (the stock configuration), then same-embedder


def bench_peer(index, repeats: int = 5, n_queries: int = 100, k: int = 10,
               embedders: tuple[str, ...] = PEER_EMBEDDERS, torch_threads: int | None = 1) -> dict[str, Any]:
    """Our hybrid search against the llama-index pipeline (:class:`mlnotes.eval.peer.PeerPipeline`: the same chunks
    and document vectors) on the same questions, interleaved (ours, then each peer, per question), half heldout
    gold and half external. One peer per query embedder in ``embedders``: ``huggingface`` (the stock
    ``HuggingFaceEmbedding``, sentence-transformers on PyTorch: the headline row) and ``ours`` (our onnxruntime
    embedder, so both sides pay the same query embedding). Query caches are cleared before each of our queries
    (llama-index keeps none), so every query pays its embedding. Reports p50/p99 of each (medians over
    ``repeats`` passes), the ratio of p50s and the median of the per-question ratio peer/ours. Needs the ``eval``
    extra (scripts/eval_extra_job.sh sets up .venv-eval).

    ``torch_threads`` (default 1) is the stock peer's PyTorch thread count. PyTorch's own default is one per core,
    but in this one process our query session's second thread spins after each of our queries, and two OpenMP
    threads then fight it for the 2 cores: measured alone at load ~3, a query took 84 ms with 2 threads and 21 ms
    with 1, and interleaved with ours 533 ms. One thread is the peer's faster setting here, so the ratio is not
    inflated by that contention; ``None`` keeps PyTorch's default."""
    from mlnotes.eval.data import load_external
    from mlnotes.eval.peer import EMBEDDERS, PeerPipeline

    half = max(1, n_queries // 2)
    queries = [q.question for q in load_gold("heldout")][:half] + [q.question for q in load_external()][:half]
    peers, build = {}, {}
    for e in embedders:
        t0 = time.perf_counter()
        peers[e] = PeerPipeline(index, k=k, embed=e, torch_threads=torch_threads)
        build[e] = time.perf_counter() - t0
        peers[e].rank_sections("warm up the model")
    index.search("warm up the model", k=k, mode="hybrid")
    names = (OURS, *embedders)  # OURS is no embedder name, so our timings never mix with a peer's
    p50: dict[str, list[float]] = {n: [] for n in names}
    p99: dict[str, list[float]] = {n: [] for n in names}
    samples = dict.fromkeys(names, 0)
    ratios: dict[str, list[float]] = {e: [] for e in embedders}
    for _ in range(repeats):
        lat: dict[str, list[float]] = {n: [] for n in names}
        for q in queries:
            index.clear_query_cache()
            t = time.perf_counter()
            index.search(q, k=k, mode="hybrid")
            lat[OURS].append((time.perf_counter() - t) * 1000)
            for e in embedders:
                t = time.perf_counter()
                peers[e].rank_sections(q, "hybrid")
                lat[e].append((time.perf_counter() - t) * 1000)
        for n in names:
            p50[n].append(_pct(lat[n], 0.5))
            p99[n].append(_pct(lat[n], 0.99))
            samples[n] += len(lat[n])
        for e in embedders:
            ratios[e] += [b / a for a, b in zip(lat[OURS], lat[e]) if a > 0]
    ours = {"p50_ms": statistics.median(p50[OURS]), "p99_ms": statistics.median(p99[OURS]), "samples": samples[OURS]}
    rows = []
    for e in embedders:
        m50 = statistics.median(p50[e])
        rows.append({"embed": e, "pipeline": f"llama-index, queries by {EMBEDDERS[e]}", "label": PEER_LABELS[e],
                     "p50_ms": m50,
                     "p99_ms": statistics.median(p99[e]), "ratio_p50": m50 / ours["p50_ms"],
                     "ratio_per_question_median": statistics.median(ratios[e]), "build_s": build[e],
                     "samples": samples[e]})
    head = rows[0]
    try:
        import torch

        torch_threads = torch.get_num_threads()
    except ImportError:
        torch_threads = None
    inner = getattr(index.embedder, "_e", index.embedder)
    return {"queries": len(queries), "repeats": repeats, "chunks": len(index), "k": k,
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()), "machine": machine(),
            "ours": ours, "our_query_graph": getattr(inner, "query_graph", ""),
            "our_query_threads": getattr(inner, "query_threads", None), "torch_threads": torch_threads,
            "peers": rows,
            # the headline peer (the first: the stock configuration), as before
            "peer": {"p50_ms": head["p50_ms"], "p99_ms": head["p99_ms"]}, "peer_build_s": head["build_s"],
            "ratio_p50": head["ratio_p50"], "ratio_per_question_median": head["ratio_per_question_median"]}


def peer_markdown(r: dict[str, Any]) -> list[str]:
    L = ["## Against llama-index (`mlnotes bench search --peer`)", "",
         f"{r['queries']} questions (half gold heldout, half external) × {r['repeats']} passes, interleaved per "
         f"question, k = {r['k']}, {r['chunks']} chunks; load average {r['loadavg']} at the end. Our query graph: "
         f"{r['our_query_graph']} ({r['our_query_threads']} threads); PyTorch threads {r['torch_threads']}. "
         "Same chunks and document vectors on both sides; every query pays its embedding.", "",
         "| pipeline | p50 ms | p99 ms | ratio of p50s | median per-question ratio | build s |",
         "|---|---|---|---|---|---|",
         f"| ML/AI Notes hybrid | {r['ours']['p50_ms']:.2f} | {r['ours']['p99_ms']:.2f} | 1.0x | | |"]
    for row in r["peers"]:
        L.append(f"| {row['pipeline']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['ratio_p50']:.2f}x | "
                 f"{row['ratio_per_question_median']:.2f}x | {row['build_s']:.1f} |")
    return L + [""]


def bench_query_paths(index, repeats: int = 3, n_queries: int = 100) -> dict[str, Any]:
    """Query-embedding latency per path and the retrieval quality of int8 queries (tune split).

    With onnxruntime (the default): sentence-transformers on PyTorch, the plain graph in the batch session (one
    thread), the query session (fused graph, ``query_threads`` threads) and the int8 query session. With the
    PyTorch runtime: sentence-transformers ``encode``, the direct float32 path and an int8 dynamically quantized
    copy, as before."""
    import copy
    import warnings

    import torch

    from mlnotes.eval.metrics import METRICS, summarize
    from mlnotes.eval.retrieval import Config, run_config

    emb = index.embedder
    inner = getattr(emb, "_e", emb)
    queries = [q.question for q in load_gold("heldout")][:n_queries]
    st = inner.model  # sentence-transformers (the reference)

    def st_encode(text: str) -> np.ndarray:
        return np.asarray(st.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0], dtype=np.float32)

    if inner.runtime != "torch":
        f32 = _float32_queries(index)
        q8 = inner if inner.query_graph == "int8" else _query_embedder(index, "onnx-int8")
        paths = {"sentence-transformers (PyTorch)": st_encode,
                 "onnx plain graph, 1 thread (batch session)": lambda t: inner._run(inner._tokenize([t]))[0],
                 f"onnx {f32.query_graph} graph, {f32.query_threads} threads (query session, runtime onnx)":
                     f32.encode_query,
                 f"onnx int8, {q8.query_threads} threads (query session, runtime onnx-int8 = auto)": q8.encode_query}
        float_direct, int8 = f32.encode_query, q8.encode_query
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            qmodel = torch.ao.quantization.quantize_dynamic(copy.deepcopy(st[0].auto_model),
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
            inner._qmodel = st[0].auto_model
            try:
                return inner.encode_query(text)
            finally:
                inner._qmodel = saved

        paths = {"sentence-transformers encode": lambda t: inner.encode([t])[0],
                 "direct float32 (encode_query)": float_direct, "direct int8 dynamic quantization": int8}
    res: dict[str, Any] = {"threads": torch.get_num_threads(), "runtime": inner.runtime, "paths": {}}
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
    ref = np.stack([st_encode(q) for q in queries])
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


def _batched(run, encs: list, batch: int = 16) -> np.ndarray:
    """``run`` over token-length-sorted batches of ``encs``, rows back in input order."""
    order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))
    out: np.ndarray | None = None
    for s in range(0, len(order), batch):
        ix = order[s:s + batch]
        v = run([encs[i] for i in ix])
        if out is None:
            out = np.empty((len(encs), v.shape[1]), dtype=np.float32)
        out[ix] = v
    return out if out is not None else np.zeros((0, 0), np.float32)


def check_query_graph(index, batch: int = 16, every: int = 1, log=print) -> dict[str, Any]:
    """The query session's graph (fused float32) against sentence-transformers on PyTorch over every embedding
    unit of the index (each window and heading unit of every chunk), and both against the stored vectors: lowest
    cosine of each pair, the largest absolute difference, and the seconds and tokens per second of each runtime
    (batches of ``batch`` token-length-sorted units, one thread for onnxruntime; PyTorch with its own threads).
    ``every`` > 1 checks the units of every ``every``-th chunk only (a quicker sample)."""
    import torch

    from mlnotes.kb.windows import chunk_units, minilm_tokenizer

    inner = getattr(index.embedder, "_e", index.embedder)
    if getattr(inner, "_qsession", None) is None:
        raise RuntimeError("the index's embedder has no ONNX query session (PyTorch runtime)")
    inner = _float32_queries(index)
    tok = minilm_tokenizer()
    chunks = list(index.iter_chunks())
    picked = range(0, len(chunks), max(1, int(every)))
    per_chunk = [chunk_units(chunks[r], tok) for r in picked]
    stored_per_chunk = index.chunk_unit_vectors([chunks[r].id for r in picked])
    if [len(u) for u in per_chunk] != [len(v) for v in stored_per_chunk]:
        raise RuntimeError("the chunks' units differ from the stored vectors: the index is not current")
    units = [u for us in per_chunk for u in us]
    stored = np.concatenate(stored_per_chunk)
    encs = inner._tokenize(units)
    tokens = sum(len(e.ids) for e in encs)
    out: dict[str, Any] = {"units": len(units), "chunks": len(picked), "every": max(1, int(every)), "tokens": tokens,
                           "query_graph": inner.query_graph, "torch_threads": torch.get_num_threads()}
    t0 = time.perf_counter()
    q = _batched(lambda b: inner._run(b, inner._qsession), encs, batch)
    out["query_graph_seconds"] = time.perf_counter() - t0
    log(f"{out['query_graph']} graph: {len(units)} units, {tokens} tokens in {out['query_graph_seconds']:.1f} s")
    t0 = time.perf_counter()
    ref = np.asarray(inner.model.encode(units, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True),
                     dtype=np.float32)
    out["torch_seconds"] = time.perf_counter() - t0
    log(f"PyTorch: {out['torch_seconds']:.1f} s")
    for name, a, b in (("query_graph_vs_torch", q, ref), ("stored_vs_torch", stored, ref),
                       ("query_graph_vs_stored", q, stored)):
        cos = (a * b).sum(1)
        out[name] = {"min_cosine": float(cos.min()), "argmin": int(cos.argmin()),
                     "max_abs_diff": float(np.abs(a - b).max())}
    out["passes"] = bool(out["query_graph_vs_torch"]["min_cosine"] >= 0.9999
                         and out["stored_vs_torch"]["min_cosine"] >= 0.9999)
    return out


def graph_markdown(r: dict[str, Any]) -> list[str]:
    L = ["## The query graph against PyTorch on every embedding unit", "",
         f"{r['units']} units of {r['chunks']} chunks (every {r.get('every', 1)}. chunk of the index), "
         f"{r['tokens']} tokens. Query graph `{r['query_graph']}`: "
         f"{r['query_graph_seconds']:.1f} s (1 thread); sentence-transformers on PyTorch ({r['torch_threads']} "
         f"threads): {r['torch_seconds']:.1f} s. Requirement: cosine >= 0.9999 everywhere — "
         f"**{'met' if r['passes'] else 'NOT met'}**.", "", "| pair | lowest cosine | largest abs diff |", "|---|---|---|"]
    for k in ("query_graph_vs_torch", "stored_vs_torch", "query_graph_vs_stored"):
        L.append(f"| {k.replace('_', ' ')} | {r[k]['min_cosine']:.6f} | {r[k]['max_abs_diff']:.2e} |")
    return L + [""]


INT8_METRICS = ("mrr@10", "hit@1", "hit@5", "recall@5")


def _query_embedder(index, runtime: str):
    """An embedder over the index's model with this runtime's query session (documents are never re-embedded)."""
    from mlnotes.kb.embedding import Embedder

    inner = getattr(index.embedder, "_e", index.embedder)
    return Embedder(inner.directory, runtime=runtime, cache_dir=inner.cache_dir)


def _float32_queries(index):
    """The index's embedder when its query session is float32, else one with the float32 (``onnx``) session:
    the default runtime embeds queries in int8, and the graph checks are about the float32 graphs."""
    inner = getattr(index.embedder, "_e", index.embedder)
    return inner if getattr(inner, "query_graph", "") in ("fused", "plain") else _query_embedder(index, "onnx")


def int8_query_quality(index, n_boot: int = 2000, seed: int = 0, modes: tuple[str, ...] = ("hybrid", "dense"),
                       log=print) -> dict[str, Any]:
    """Retrieval with int8 *query* vectors against float32 ones, documents float32 in both (the stored index).

    The same index and default fusion; only the query vector changes (runtime ``onnx`` vs ``onnx-int8``). On gold
    heldout, gold tune and the answerable external questions: MRR@10, hit@1, hit@5 and R@5 (recall of the relevant
    sections in the first five) per question, their means, and the paired bootstrap 95% CI of int8 − float32
    (``n_boot`` resamples of the questions). Also the cosine between each question's two query vectors."""
    from mlnotes.eval.data import load_external
    from mlnotes.eval.metrics import paired_bootstrap_delta, per_question
    from mlnotes.eval.retrieval import Config, hit_row, rank_sections
    from mlnotes.kb.index import validate_query

    fp32, int8 = _query_embedder(index, "onnx"), _query_embedder(index, "onnx-int8")
    sets = {"gold heldout": load_gold("heldout"), "gold tune": load_gold("tune"),
            "external": load_external(answerable_only=True)}
    d = index.defaults
    out: dict[str, Any] = {"n_boot": n_boot, "fp32_query_graph": fp32.query_graph, "int8_query_graph": int8.query_graph,
                           "fusion": {"fusion": d.fusion, "rrf_k": d.rrf_k, "w_dense": d.w_dense}, "sets": {}}
    embedders = {"float32": fp32, "int8": int8}
    cache: dict[str, dict[str, np.ndarray]] = {name: {} for name in embedders}  # text -> query vector

    def embed(name: str, text: str) -> np.ndarray:
        v = cache[name].get(text)
        if v is None:
            v = cache[name][text] = embedders[name].encode_query(text)
        return v

    for set_name, qs in sets.items():
        cos = [float(embed("float32", validate_query(q.question)) @ embed("int8", validate_query(q.question)))
               for q in qs]
        res: dict[str, Any] = {"n": len(qs), "min_cosine": min(cos), "median_cosine": statistics.median(cos),
                               "modes": {}}
        for mode in modes:
            cfg = Config("default", mode, d.fusion, rrf_k=d.rrf_k, w_dense=d.w_dense)
            rows: dict[str, dict[str, dict[str, float]]] = {}
            for name in embedders:
                view = index.with_defaults(d)  # a view that embeds whatever text search() asks for with `name`
                view.embed_query = lambda text, _n=name: embed(_n, text)
                rows[name] = {}
                for q in qs:
                    ranking = rank_sections(view, q.question, cfg)
                    rows[name][q.id] = {**hit_row(ranking, q.relevant),
                                        "recall@5": per_question(ranking, q.relevant)["recall@5"]}
            ids = [q.id for q in qs]
            res["modes"][mode] = {
                m: {"float32": float(np.mean([rows["float32"][i][m] for i in ids])),
                    "int8": float(np.mean([rows["int8"][i][m] for i in ids])),
                    "delta": paired_bootstrap_delta([rows["int8"][i][m] for i in ids],
                                                    [rows["float32"][i][m] for i in ids], n_boot=n_boot, seed=seed),
                    "changed": sum(rows["int8"][i][m] != rows["float32"][i][m] for i in ids)}
                for m in INT8_METRICS}
            r = res["modes"][mode]["mrr@10"]
            log(f"int8 queries, {set_name}, {mode}: MRR@10 {r['float32']:.3f} -> {r['int8']:.3f} "
                f"(delta {r['delta']['mean']:+.4f}, CI {r['delta']['lo']:+.4f} .. {r['delta']['hi']:+.4f})")
        out["sets"][set_name] = res
    return out


def int8_markdown(r: dict[str, Any]) -> list[str]:
    L = ["## int8 query vectors against float32 (documents float32 in both)", "",
         f"Query graphs: float32 `{r['fp32_query_graph']}`, int8 `{r['int8_query_graph']}`; default fusion "
         f"{r['fusion']}. Delta = int8 − float32, mean over questions with a paired bootstrap 95% CI "
         f"({r['n_boot']} resamples); 'changed' counts the questions whose value moved.", "",
         "| set | n | mode | metric | float32 | int8 | delta | 95% CI | changed |", "|---|---|---|---|---|---|---|---|---|"]
    for set_name, res in r["sets"].items():
        for mode, ms in res["modes"].items():
            for m, v in ms.items():
                dl = v["delta"]
                L.append(f"| {set_name} | {res['n']} | {mode} | {m} | {v['float32']:.3f} | {v['int8']:.3f} | "
                         f"{dl['mean']:+.4f} | {dl['lo']:+.4f} .. {dl['hi']:+.4f} | {v['changed']} |")
    L += ["", "Cosine between a question's int8 and float32 query vectors: " + "; ".join(
        f"{n} min {res['min_cosine']:.4f}, median {res['median_cosine']:.4f}" for n, res in r["sets"].items()), ""]
    return L


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


def _bench_sentences(index, corpus: Path, idx_dir: Path, inner) -> dict[str, Any]:
    """The answer-sentence precompute that ``mlnotes index`` runs after the build (same embedder, same batch
    session), from scratch: seconds, sentences and tokens embedded."""
    from mlnotes.assistant.answering.candidates import SentenceStore, sentences_file
    from mlnotes.assistant.services import embedder_id

    tok0 = getattr(inner, "tokens_embedded", 0)
    st = SentenceStore(corpus, index.embed_texts).precompute(index.iter_chunks(), embedder_id(index),
                                                             sentences_file(idx_dir))
    toks = getattr(inner, "tokens_embedded", 0) - tok0
    return {"seconds": st.seconds, "chunks": st.chunks, "sentences": st.embedded, "tokens": toks,
            "tokens_per_s": toks / st.seconds if st.seconds else float("nan")}


def bench_index(corpus: Path | None = None, repeats_incremental: int = 3, cold: bool = True,
                sentences: bool = True) -> dict[str, Any]:
    """Cold build (seconds per phase, units and word pieces embedded, word pieces per second of the embedding
    phase) and, with ``sentences``, the answer-sentence precompute that ``mlnotes index`` adds; then the
    incremental re-index after small edits, and loading."""
    from mlnotes.assistant.services import configure_embedder
    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.index import Index

    configure_embedder(get_settings())  # e.g. MLNOTES_EMBED_BULK=fp32 to time the float32 build
    corpus = corpus or get_settings().corpus_dir
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mlnotes-bench-") as tmp:
        tmp = Path(tmp)
        shutil.copytree(corpus, tmp / "corpus")
        idx_dir = tmp / "index"
        if cold:
            from mlnotes.kb.index import _default_embedder

            inner = getattr(_default_embedder(idx_dir.parent / "onnx"), "_e", None)
            tok0 = getattr(inner, "tokens_embedded", 0)
            t0 = time.perf_counter()
            built, stats = Index.build(tmp / "corpus", idx_dir)
            out["cold_seconds"] = time.perf_counter() - t0
            out["cold_chunks"] = stats.chunks
            out["cold_units"], out["cold_distinct_units"] = stats.units, stats.distinct_units
            out["cold_phases"] = stats.phases
            if inner is not None:
                out["cold_tokens"] = inner.tokens_embedded - tok0
                out["cold_tokens_per_s"] = out["cold_tokens"] / max(stats.phases.get("embed", 0.0), 1e-9)
                out["embed_threads"] = inner.threads
                out["embed_bulk"] = getattr(inner, "bulk", None) or "fp32"
                out["embed_bulk_check_cosine"] = getattr(inner, "bulk_check_cosine", None)
            if sentences:
                out["sentences"] = _bench_sentences(built, tmp / "corpus", idx_dir, inner)
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
        L += ["", f"Hybrid with a cached query vector: p50 {s['hybrid_cached_query_p50_ms']:.2f} ms"
              + (f" ({s['hybrid_cached_query_no_rerank_p50_ms']:.2f} ms without the reranker)"
                 if "hybrid_cached_query_no_rerank_p50_ms" in s else "") + ".", ""]
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
    if "peer" in res:
        L += peer_markdown(res["peer"])
    if "query_graph" in res:
        L += graph_markdown(res["query_graph"])
    if "int8_queries" in res:
        L += int8_markdown(res["int8_queries"])
    if "api" in res:
        L += api_markdown(res["api"])
    if "index" in res:
        i = res["index"]
        L += ["## Index build", ""]
        if "cold_seconds" in i:
            L.append(f"- cold build (fresh directory, {i['cold_chunks']} chunks): {i['cold_seconds']:.1f} s "
                     "(one run)")
            if i.get("cold_phases"):
                L.append("  - phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in i["cold_phases"].items()))
            if i.get("cold_tokens"):
                L.append(f"  - embedded {i['cold_distinct_units']} distinct of {i['cold_units']} units, "
                         f"{i['cold_tokens']} word pieces, {i['cold_tokens_per_s']:.0f} word pieces/s "
                         f"({i.get('embed_threads', '?')} parallel batches of one thread, "
                         + ("bfloat16 PyTorch on AMX, checked against float32: lowest cosine "
                            f"{i['embed_bulk_check_cosine']:.6f})" if i.get("embed_bulk") == "bf16"
                            else "float32 onnxruntime)"))
            if i.get("sentences"):
                se = i["sentences"]
                L.append(f"- answer-sentence precompute (`mlnotes index` runs it after the build): "
                         f"{se['seconds']:.1f} s, {se['sentences']} sentences, {se['tokens']} word pieces "
                         f"({se['tokens_per_s']:.0f}/s)")
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


def _report_so_far(out_dir: Path) -> dict[str, Any]:
    """``bench.json``'s previous results (empty when missing or unreadable), stamped with this run's time, load
    average and machine."""
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {}
    try:
        res = json.loads((out_dir / "bench.json").read_text())
    except (OSError, ValueError):
        pass
    res.update({"created_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()), "machine": machine()})
    return res


def save_parts(parts: dict[str, Any], out_dir: Path = REPORTS) -> Path:
    """Merge ``parts`` (name -> result) into ``bench.json`` and rewrite ``bench.md``; other parts keep their
    previous results. Returns the Markdown path."""
    res = _report_so_far(out_dir)
    for name, r in parts.items():
        res[name] = {**r, "measured_at": res["created_at"]} if isinstance(r, dict) else r
    (out_dir / "bench.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (out_dir / "bench.md").write_text(markdown(res))
    return out_dir / "bench.md"


def run_bench(parts: tuple[str, ...] = ("search", "api", "index"), out_dir: Path = REPORTS,
              n_requests: int = 64, concurrency: tuple[int, ...] = API_CONCURRENCY, cold: bool = True,
              server: str | None = None, graph_every: int = 1, log=print) -> dict[str, Any]:
    """Run the named parts and write ``bench.json`` and ``bench.md``; the parts not run this time keep their
    previous results (each part carries its own time and load average)."""
    res = _report_so_far(out_dir)
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
    if "graph" in parts:
        res["query_graph"] = check_query_graph(_load_index(), every=graph_every, log=log)
        g = res["query_graph"]
        log(f"query graph vs PyTorch on {g['units']} units: lowest cosine "
            f"{g['query_graph_vs_torch']['min_cosine']:.6f} ({'met' if g['passes'] else 'NOT met'})")
    if "int8" in parts:
        res["int8_queries"] = int8_query_quality(_load_index(), log=log)
    if "peer" in parts:
        res["peer"] = bench_peer(_load_index())
        log(f"peer: ours p50 {res['peer']['ours']['p50_ms']:.2f} ms; " + "; ".join(
            f"{r['embed']} {r['p50_ms']:.2f} ms ({r['ratio_p50']:.2f}x)" for r in res["peer"]["peers"]))
    if "index" in parts:
        res["index"] = bench_index(cold=cold)
        i = res["index"]
        log(f"index: cold {i.get('cold_seconds', float('nan')):.1f} s ({i.get('cold_tokens', 0)} word pieces, "
            f"{i.get('cold_tokens_per_s', float('nan')):.0f}/s; phases {i.get('cold_phases', {})}), sentences "
            f"{i.get('sentences', {}).get('seconds', float('nan')):.1f} s, incremental "
            f"{i['incremental_seconds_median']:.2f} s")
    (out_dir / "bench.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (out_dir / "bench.md").write_text(markdown(res))
    log(f"wrote {out_dir / 'bench.md'} and bench.json")
    return res


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="speed benchmarks")
    ap.add_argument("parts", nargs="*", default=["search", "api", "index"],
                    help="any of: search api index peer (needs the eval extra) graph (query graph vs PyTorch on "
                         "every unit) int8 (int8 vs float32 query vectors on gold and external, paired bootstrap)")
    ap.add_argument("--requests", type=int, default=64, help="API requests per endpoint and concurrency level")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--server", default=None)
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--graph-every", type=int, default=1, help="graph: check every N-th chunk only (default: all)")
    args = ap.parse_args(argv)
    unknown = sorted(set(args.parts) - {"search", "api", "index", "peer", "graph", "int8"})
    if unknown:
        ap.error(f"unknown part(s) {unknown}; use search, api, index, peer, graph or int8")
    run_bench(tuple(args.parts), n_requests=args.requests, concurrency=parse_concurrency(args.concurrency),
              cold=not args.no_cold, server=args.server, graph_every=args.graph_every)
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
