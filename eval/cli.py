"""The evaluation's commands, plugged into the ``mlnotes`` CLI (``assistant`` never imports ``eval``).

:func:`register` is named in ``Settings.cli_plugins`` (default ``mlnotes.eval.cli:register``); ``mlnotes.assistant.cli`` calls it
with its Typer app and its ``bench`` sub-app when it starts. It adds ``mlnotes eval`` and ``mlnotes bench
search|all|api|index``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

Requests = Annotated[int, typer.Option(help="API requests per endpoint and concurrency level, each a different "
                                            "question")]
Concurrency = Annotated[str, typer.Option(help="API client concurrency levels, comma-separated")]


def register(app: typer.Typer, bench_app: typer.Typer, *, load_index, console: Console, err: Console) -> None:
    """Add the eval and bench commands; ``load_index(quiet=...)`` is the CLI's way of opening the retriever."""

    @app.command("eval")
    def eval_(
        skip_peer: Annotated[bool, typer.Option("--skip-peer", help="skip the llama-index side-by-side")] = False,
        skip_answers: Annotated[bool, typer.Option("--skip-answers", help="skip the answer metrics")] = False,
        grader: Annotated[bool, typer.Option("--grader", help="also validate the interview grader (per case type "
                                                              "on the adversarial set; about 10 min on 2 cores)")] = False,
        backends: Annotated[bool, typer.Option("--backends", help="also the local and the Qdrant backend side by "
                                               "side on the gold and external sets (embedded Qdrant; about 6 min)")]
        = False,
        out: Annotated[Path | None, typer.Option(help="report folder (default: eval/reports)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Evaluate retrieval (every mode) and answers on the gold sets; write eval/reports/eval.md, .json, .png."""
        from mlnotes.assistant.settings import get_settings
        from mlnotes.eval.data import REPORTS
        from mlnotes.eval.run import run_eval

        idx = load_index(quiet=True)
        res = run_eval(idx, get_settings().corpus_dir, out or REPORTS, skip_peer=skip_peer,
                       skip_answers=skip_answers, backends=backends, log=lambda m: err.print(m))
        (err if as_json else console).print(f"report: {(out or REPORTS) / 'eval.md'}")
        if grader:
            from mlnotes.eval.grader_validation import main as grader_main

            grader_main([])  # writes eval/reports/grader.md, grader.json and grader_adversarial.png
            (err if as_json else console).print(f"grader report: {REPORTS / 'grader.md'}")
        if as_json:
            print(json.dumps(res, indent=2, default=float))

    @bench_app.command("search")
    def bench_search(
        repeat: Annotated[int, typer.Option(help="passes over the query list (medians reported)")] = 3,
        queries: Annotated[int, typer.Option(help="heldout gold questions to time")] = 100,
        mode: Annotated[str, typer.Option(help="bm25, dense or hybrid (default: all three)")] = "",
        k: Annotated[int, typer.Option("-k", "--k")] = 10,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        peer: Annotated[bool, typer.Option("--peer", help="time ours and the stock llama-index pipeline interleaved "
                                           "on the same gold and external questions (the eval extra)")] = False,
    ) -> None:
        """Search latency (p50/p99, including query embedding) and queries per second, per mode."""
        from mlnotes.eval.bench import bench_search as run

        if peer:
            _bench_peer(repeat, queries, k, as_json)
            return

        if mode and mode not in ("bm25", "dense", "hybrid"):
            err.print(f"[bold red]error:[/] unknown mode {mode!r}; valid modes: ['bm25', 'dense', 'hybrid']")
            raise typer.Exit(2)
        idx = load_index(quiet=True)
        res = run(idx, repeats=repeat, n_queries=queries, modes=(mode,) if mode else ("bm25", "dense", "hybrid"),
                  k=k)
        if as_json:
            print(json.dumps(res, indent=2))
            return
        t = Table(title=f"search latency over {res['chunks']} chunks ({res['queries']} heldout questions x {repeat})")
        for col in ("mode", "p50 ms", "p99 ms", "QPS (1 thread)"):
            t.add_column(col, justify="right")
        for m, r in res["modes"].items():
            t.add_row(m, f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['qps_1_thread']:.0f}")
        console.print(t)
        console.print(f"hybrid with a cached query vector: p50 {res['hybrid_cached_query_p50_ms']:.2f} ms "
                      f"({res['hybrid_cached_query_no_rerank_p50_ms']:.2f} ms without the reranker)")

    def _bench_peer(repeat: int, queries: int, k: int, as_json: bool) -> None:
        import importlib.util

        from mlnotes.eval.bench import bench_peer

        def absent(module: str) -> bool:
            try:
                return importlib.util.find_spec(module) is None
            except ModuleNotFoundError:  # a parent package is missing
                return True

        missing = [m for m in ("llama_index.retrievers.bm25", "llama_index.vector_stores.faiss",
                               "llama_index.embeddings.huggingface") if absent(m)]
        if missing:
            err.print(f"[bold red]error:[/] --peer needs the eval extra ({', '.join(missing)} missing): "
                      "pip install -e '.\\[eval]', or run it in the venv that scripts/eval_extra_job.sh sets up "
                      "(.venv-eval/bin/python -m mlnotes.assistant.cli bench search --peer)")
            raise typer.Exit(2)
        from mlnotes.eval.bench import save_parts

        res = bench_peer(load_index(quiet=True), repeats=max(repeat, 1), n_queries=queries, k=k)
        report = save_parts({"peer": res})  # eval/reports/bench.md and bench.json, both peer rows
        if as_json:
            print(json.dumps(res, indent=2))
            return
        t = Table(title=f"hybrid search vs the llama-index pipeline ({res['queries']} questions x {res['repeats']}, "
                        f"interleaved, {res['chunks']} chunks, load {res['loadavg']})")
        for col in ("pipeline", "p50 ms", "p99 ms", "ratio of p50s", "per-question ratio"):
            t.add_column(col, justify="right")
        t.add_row("ML/AI Notes", f"{res['ours']['p50_ms']:.2f}", f"{res['ours']['p99_ms']:.2f}", "1.0x", "")
        for r in res["peers"]:
            t.add_row(r["label"], f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['ratio_p50']:.2f}x",
                      f"{r['ratio_per_question_median']:.2f}x")
        console.print(t)
        console.print(f"headline (stock llama-index) ratio of p50s: {res['ratio_p50']:.1f}x; report: {report}")

    def _bench(parts: tuple[str, ...], requests: int = 64, concurrency: str = "1,8,32", cold: bool = True,
               server: str | None = None, out: Path | None = None, as_json: bool = False) -> None:
        from mlnotes.eval.bench import parse_concurrency, run_bench
        from mlnotes.eval.data import REPORTS

        try:
            levels = parse_concurrency(concurrency)
        except ValueError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(2) from None
        if requests < 1:
            err.print("[bold red]error:[/] --requests must be at least 1")
            raise typer.Exit(2)
        if server is not None and not server.startswith(("http://", "https://")):
            err.print(f"[bold red]error:[/] --server expects a URL such as http://127.0.0.1:7860, got {server!r}")
            raise typer.Exit(2)
        res = run_bench(parts, out_dir=out or REPORTS, n_requests=requests, concurrency=levels, cold=cold,
                        server=server, log=lambda m: err.print(m))
        if "api" in parts and "error" in res.get("api", {}):
            err.print(f"[bold red]error:[/] the API benchmark failed: {res['api']['error']}")
            raise typer.Exit(1)
        if as_json:
            print(json.dumps(res, indent=2, default=float))

    @bench_app.command("all")
    def bench_all(
        requests: Requests = 64,
        concurrency: Concurrency = "1,8,32",
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Search, API and index benchmarks; writes eval/reports/bench.md and bench.json."""
        _bench(("search", "api", "index"), requests, concurrency, as_json=as_json)

    @bench_app.command("api")
    def bench_api(
        requests: Requests = 64,
        concurrency: Concurrency = "1,8,32",
        server: Annotated[str | None, typer.Option(help="benchmark this running server instead of starting one")]
        = None,
        out: Annotated[Path | None, typer.Option(help="report folder (default: eval/reports)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """/api/search and /api/ask p50/p99 and requests/s at concurrency 1, 8 and 32 over distinct gold and
        external questions, against a server started for the run (and its memory) or --server."""
        _bench(("api",), requests, concurrency, server=server, out=out, as_json=as_json)

    @bench_app.command("index")
    def bench_index(
        cold: Annotated[bool, typer.Option(help="include the cold build (re-embeds everything)")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Cold and incremental index build times on a temporary copy of the corpus."""
        _bench(("index",), cold=cold, as_json=as_json)
