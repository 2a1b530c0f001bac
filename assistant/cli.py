"""The ``mlnotes`` command line.

Every verb imports what it needs inside its function, so ``mlnotes --help`` is instant and a missing optional
dependency only affects the verb that needs it.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(
    name="mlnotes",
    help="ML/AI Notes: an offline ML/AI knowledge base with cited answers, algorithms and mock interviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Speed benchmarks (medians over repeated runs).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _settings():
    from assistant.settings import get_settings

    return get_settings()


def _load_index(corpus: Path | None = None, index_dir: Path | None = None, quiet: bool = False):
    from kb.index import EmptyCorpusError, Index

    s = _settings()
    corpus = corpus or s.corpus_dir
    index_dir = index_dir or s.index_dir
    try:
        index, stats = Index.load_or_build(corpus, index_dir, progress=not quiet,
                                           log=(lambda m: None) if quiet else (lambda m: err.print(f"[yellow]{m}[/]")))
    except EmptyCorpusError as exc:
        _fail(str(exc))
    index.fusion, index.rrf_k, index.w_dense = s.fusion, s.rrf_k, s.w_dense
    if stats and not quiet:
        err.print(f"indexed {stats.chunks} chunks from {stats.files} files in {stats.seconds:.1f} s "
                  f"({stats.embedded} embedded, {stats.reused} reused)")
    return index


@app.command()
def index(
    corpus: Annotated[Path | None, typer.Option(help="corpus folder (default: MLNOTES_CORPUS_DIR)")] = None,
    out: Annotated[Path | None, typer.Option(help="index folder (default: MLNOTES_INDEX_DIR)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even if the index is current")] = False,
) -> None:
    """Build (or update) the search index; unchanged chunks reuse their embeddings."""
    from kb.index import EmptyCorpusError, Index, IndexError_

    s = _settings()
    corpus = corpus or s.corpus_dir
    out = out or s.index_dir
    if not force:
        try:
            idx = Index.load(out, verify_corpus=corpus)
            console.print(f"index at {out} is up to date: {len(idx.chunks)} chunks from "
                          f"{len(idx.manifest.files)} files (use --force to rebuild)")
            return
        except IndexError_ as exc:
            if "no index" not in str(exc):
                err.print(f"[yellow]{exc}[/]")
    try:
        idx, stats = Index.build(corpus, out, progress=True)
    except EmptyCorpusError as exc:
        _fail(str(exc))
    console.print(f"indexed [bold]{stats.chunks}[/] chunks from {stats.files} files into {out}")
    console.print(f"embeddings: {stats.embedded} new, {stats.reused} reused; time {stats.seconds:.2f} s")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="what to look for")],
    k: Annotated[int, typer.Option("-k", "--k", help="number of hits (1-100)")] = 5,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "",
    fusion: Annotated[str, typer.Option(help="hybrid fusion: rrf or weighted")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print hits as JSON")] = False,
) -> None:
    """Search the knowledge base."""
    from kb.index import QueryError

    idx = _load_index(quiet=as_json)
    try:
        hits = idx.search(query, k=k, mode=mode or _settings().default_mode, fusion=fusion or None)
    except QueryError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps({"query": query, "mode": mode or _settings().default_mode,
                          "hits": [h.to_dict(query) for h in hits]}, indent=2, ensure_ascii=False))
        return
    if not hits:
        console.print("no hits")
    for h in hits:
        c = h.chunk
        console.print(f"[bold]{h.rank}.[/] {' › '.join(c.breadcrumbs)}  [dim]{c.path}:{c.line_start}-{c.line_end}"
                      f"  score {h.score:.4f}[/]")
        console.print(f"   {h.snippet(query)}", highlight=False)


BENCH_QUERIES = [
    "bias variance tradeoff",
    "time complexity of k-means",
    "how does dropout regularize a network",
    "difference between L1 and L2 regularization",
    "what is the gradient of softmax cross entropy",
    "speculative decoding acceptance rule",
    "how to detect data drift in production",
    "LoRA low rank adaptation parameters",
    "when should I use precision instead of recall",
    "XGBoost split gain formula",
    "explain backpropagation step by step",
    "attention scaling by square root of d_k",
    "how does random forest reduce variance",
    "Adam optimizer bias correction",
    "ARIMA stationarity differencing",
    "Q-learning update rule",
    "SHAP values versus permutation importance",
    "how to deploy a model with canary releases",
    "t-SNE perplexity",
    "batch normalization at inference time",
]


@bench_app.command("search")
def bench_search(
    repeat: Annotated[int, typer.Option(help="passes over the query list")] = 5,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid (default: all three)")] = "",
    k: Annotated[int, typer.Option("-k", "--k")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search latency (p50/p99, including query embedding) and queries per second, per mode."""
    idx = _load_index(quiet=True)
    modes = [mode] if mode else ["bm25", "dense", "hybrid"]
    results = {}
    # warm up: load the model and touch every code path once
    for m in modes:
        idx.search("warm up query", k=k, mode=m)
    for m in modes:
        lat = []
        for r in range(repeat):
            for q in BENCH_QUERIES:
                idx._query_cache.clear()  # measure the real embedding cost, not the cache
                t0 = time.perf_counter()
                idx.search(q if r == 0 else f"{q} ", k=k, mode=m)
                lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
        results[m] = {"queries": len(lat), "p50_ms": p50, "p99_ms": p99, "mean_ms": statistics.fmean(lat),
                      "qps": 1000.0 / statistics.fmean(lat)}
    if as_json:
        print(json.dumps({"chunks": len(idx.chunks), "results": results}, indent=2))
        return
    t = Table(title=f"search latency over {len(idx.chunks)} chunks ({len(BENCH_QUERIES)} queries x {repeat})")
    for col in ("mode", "queries", "p50 ms", "p99 ms", "mean ms", "QPS (1 thread)"):
        t.add_column(col, justify="right")
    for m, r in results.items():
        t.add_row(m, str(r["queries"]), f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['mean_ms']:.2f}",
                  f"{r['qps']:.0f}")
    console.print(t)


@bench_app.command("generate")
def bench_generate(
    repeat: Annotated[int, typer.Option(help="runs per prompt and decoder (median reported)")] = 3,
    max_new_tokens: Annotated[int, typer.Option(help="tokens to generate per prompt")] = 96,
    model: Annotated[str | None, typer.Option(help="local model directory or GGUF file (default: SmolLM2-135M)")] = None,
    draft: Annotated[str | None, typer.Option(help="a smaller draft model sharing the tokenizer")] = None,
    methods: Annotated[str | None, typer.Option(
        help="comma-separated decoders (default: greedy,prompt-lookup,draft,from-scratch,hf-generate,llamacpp; "
             "also hf-engine-greedy, hf-engine-prompt-lookup, hf-prompt-lookup, hf-assisted, "
             "llamacpp-prompt-lookup)")] = None,
    engine: Annotated[str | None, typer.Option(help="fast (default) or hf")] = None,
    quant: Annotated[str | None, typer.Option(help="int4 (default), int8 or none")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Local-LLM decoding speed: plain greedy vs speculative decoders, tokens/s and acceptance rates."""
    from assistant.generation.bench import run_benchmark
    from assistant.generation.transformers_backend import GenerationUnavailable

    wanted = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    try:
        run_benchmark(repeat=repeat, max_new_tokens=max_new_tokens, model=model, draft=draft, as_json=as_json,
                      console=console, methods=wanted, engine=engine, quant=quant)
    except (GenerationUnavailable, ValueError) as exc:
        _fail(str(exc))


@app.command()
def run(
    name: Annotated[str | None, typer.Argument(help="registered algorithm name")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="demo parameter as key=value")] = None,
    out: Annotated[Path | None, typer.Option(help="save the figure to this PNG file")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list registered algorithms")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
) -> None:
    """Run an algorithm's demo: our metrics beside the reference implementation's, and a figure."""
    from algorithms import registry

    if list_ or not name:
        specs = registry.all_specs()
        if as_json:
            print(json.dumps([s.to_dict() for s in specs], indent=2))
            return
        t = Table(title=f"{len(specs)} registered algorithms")
        for col in ("name", "family", "summary", "reference"):
            t.add_column(col)
        for s in specs:
            t.add_row(s.name, s.family, s.summary, s.reference)
        console.print(t)
        return
    try:
        spec = registry.get(name)
    except registry.UnknownAlgorithmError as exc:
        _fail(str(exc))
    params = {}
    for item in param or []:
        if "=" not in item:
            _fail(f"--param expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        params[key.strip()] = value.strip()
    try:
        values = spec.validate_params(params)
    except registry.ParamError as exc:
        _fail(str(exc))
    import matplotlib

    matplotlib.use("Agg")
    t0 = time.perf_counter()
    result = spec.run(**values)
    seconds = time.perf_counter() - t0
    if out is not None and result.figure is not None:
        result.figure.savefig(out, dpi=110, bbox_inches="tight")
    if as_json:
        print(json.dumps({"name": spec.name, "params": values, "metrics": result.metrics,
                          "reference": result.reference, "reference_name": result.reference_name,
                          "seconds": seconds, "figure": str(out) if out else None}, indent=2, default=float))
        return
    t = Table(title=f"{spec.title} — {spec.path}")
    t.add_column("metric")
    t.add_column("from scratch", justify="right")
    t.add_column(result.reference_name or spec.reference, justify="right")
    for key in sorted(set(result.metrics) | set(result.reference)):
        ours, ref = result.metrics.get(key), result.reference.get(key)
        t.add_row(key, "" if ours is None else f"{ours:.6g}", "" if ref is None else f"{ref:.6g}")
    console.print(t)
    console.print(f"params: {values}   time: {seconds:.2f} s" + (f"   figure: {out}" if out else ""))
    if result.notes:
        console.print(result.notes)


@app.command()
def notebook(
    chapter: Annotated[str, typer.Argument(help="chapter number, e.g. 05")],
    out: Annotated[Path | None, typer.Option(help="output .ipynb path (default: ./<chapter file>.ipynb)")] = None,
) -> None:
    """Export a curriculum chapter to a Jupyter notebook (.ipynb) with jupytext."""
    from assistant.notebooks import ChapterNotFound, export_chapter

    try:
        path = export_chapter(_settings().corpus_dir, chapter, out)
    except ChapterNotFound as exc:
        _fail(str(exc))
    console.print(f"wrote {path}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="your question")],
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "",
    k: Annotated[int, typer.Option("-k", "--k", help="chunks to read (1-20)")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer object as JSON")] = False,
) -> None:
    """Answer a question from the corpus, with numbered citations (no LLM needed)."""
    from assistant.api.app import build_services
    from kb.index import QueryError

    s = _settings()
    svc = build_services(s, log_fn=lambda m: err.print(f"[yellow]{m}[/]"))
    if not 1 <= k <= 20:
        _fail("k must be between 1 and 20")
    try:
        ans = svc.answerer.answer(question, mode=mode or s.default_mode, k=k)
    except QueryError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
        return
    from rich.markdown import Markdown

    console.print(Markdown(ans.markdown(link_prefix=f"http://{s.host}:{s.port}")))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 7860)")] = None,
) -> None:
    """Serve the web UI (/) and the REST API (/api, docs at /docs) from one process."""
    import uvicorn

    from assistant.api.app import create_app

    s = _settings()
    host = host or s.host
    port = port or s.port
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning: binding {host}; the server is reachable from other machines"
                  + ("" if s.api_key else " and MLNOTES_API_KEY is not set") + "[/]")
    application = create_app(s)
    console.print(f"serving ML/AI Notes on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


app.add_typer(__import__("assistant.interview.cli", fromlist=["interview_app"]).interview_app, name="interview")


@app.command("eval")
def eval_(
    skip_peer: Annotated[bool, typer.Option("--skip-peer", help="skip the llama-index side-by-side")] = False,
    skip_answers: Annotated[bool, typer.Option("--skip-answers", help="skip the answer metrics")] = False,
    out: Annotated[Path | None, typer.Option(help="report folder (default: eval/reports)")] = None,
) -> None:
    """Evaluate retrieval (every mode) and answers on the gold sets; write eval/reports/eval.md, .json, .png."""
    from eval.data import REPORTS
    from eval.run import run_eval

    idx = _load_index(quiet=True)
    run_eval(idx, _settings().corpus_dir, out or REPORTS, skip_peer=skip_peer, skip_answers=skip_answers,
             log=lambda m: err.print(m))
    console.print(f"report: {(out or REPORTS) / 'eval.md'}")


def _bench(parts: tuple[str, ...], requests: int, workers: int, cold: bool = True) -> None:
    from eval.bench import run_bench

    run_bench(parts, n_requests=requests, workers=workers, cold=cold, log=lambda m: err.print(m))


@bench_app.command("all")
def bench_all(
    requests: Annotated[int, typer.Option(help="requests per API endpoint")] = 200,
    workers: Annotated[int, typer.Option(help="concurrent client threads")] = 4,
) -> None:
    """Search, API and index benchmarks; writes eval/reports/bench.md and bench.json."""
    _bench(("search", "api", "index"), requests, workers)


@bench_app.command("api")
def bench_api(
    requests: Annotated[int, typer.Option(help="requests per API endpoint")] = 200,
    workers: Annotated[int, typer.Option(help="concurrent client threads")] = 4,
) -> None:
    """/api/search and /api/ask throughput and latency against a local uvicorn server, and its memory."""
    _bench(("api",), requests, workers)


@bench_app.command("index")
def bench_index(
    cold: Annotated[bool, typer.Option(help="include the cold build (re-embeds everything)")] = True,
) -> None:
    """Cold and incremental index build times on a temporary copy of the corpus."""
    _bench(("index",), 0, 0, cold=cold)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
