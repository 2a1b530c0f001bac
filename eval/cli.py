"""The evaluation's commands, plugged into the ``mlnotes`` CLI (``assistant`` never imports ``eval``).

:func:`register` is named in ``Settings.cli_plugins`` (default ``eval.cli:register``); ``assistant.cli`` calls it
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


def register(app: typer.Typer, bench_app: typer.Typer, *, load_index, console: Console, err: Console) -> None:
    """Add the eval and bench commands; ``load_index(quiet=...)`` is the CLI's way of opening the retriever."""

    @app.command("eval")
    def eval_(
        skip_peer: Annotated[bool, typer.Option("--skip-peer", help="skip the llama-index side-by-side")] = False,
        skip_answers: Annotated[bool, typer.Option("--skip-answers", help="skip the answer metrics")] = False,
        grader: Annotated[bool, typer.Option("--grader", help="also validate the interview grader (per case type "
                                                              "on the adversarial set; about 10 min on 2 cores)")] = False,
        out: Annotated[Path | None, typer.Option(help="report folder (default: eval/reports)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Evaluate retrieval (every mode) and answers on the gold sets; write eval/reports/eval.md, .json, .png."""
        from assistant.settings import get_settings
        from eval.data import REPORTS
        from eval.run import run_eval

        idx = load_index(quiet=True)
        res = run_eval(idx, get_settings().corpus_dir, out or REPORTS, skip_peer=skip_peer,
                       skip_answers=skip_answers, log=lambda m: err.print(m))
        (err if as_json else console).print(f"report: {(out or REPORTS) / 'eval.md'}")
        if grader:
            from eval.grader_validation import main as grader_main

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
    ) -> None:
        """Search latency (p50/p99, including query embedding) and queries per second, per mode."""
        from eval.bench import bench_search as run

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
        console.print(f"hybrid with a cached query vector: p50 {res['hybrid_cached_query_p50_ms']:.2f} ms")

    def _bench(parts: tuple[str, ...], requests: int, workers: int, cold: bool = True,
               as_json: bool = False) -> None:
        from eval.bench import run_bench

        res = run_bench(parts, n_requests=requests, workers=workers, cold=cold, log=lambda m: err.print(m))
        if as_json:
            print(json.dumps(res, indent=2, default=float))

    @bench_app.command("all")
    def bench_all(
        requests: Annotated[int, typer.Option(help="requests per API endpoint")] = 200,
        workers: Annotated[int, typer.Option(help="concurrent client threads")] = 4,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Search, API and index benchmarks; writes eval/reports/bench.md and bench.json."""
        _bench(("search", "api", "index"), requests, workers, as_json=as_json)

    @bench_app.command("api")
    def bench_api(
        requests: Annotated[int, typer.Option(help="requests per API endpoint")] = 200,
        workers: Annotated[int, typer.Option(help="concurrent client threads")] = 4,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """/api/search and /api/ask throughput and latency against a local uvicorn server, and its memory."""
        _bench(("api",), requests, workers, as_json=as_json)

    @bench_app.command("index")
    def bench_index(
        cold: Annotated[bool, typer.Option(help="include the cold build (re-embeds everything)")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON (progress stays on stderr)")]
        = False,
    ) -> None:
        """Cold and incremental index build times on a temporary copy of the corpus."""
        _bench(("index",), 0, 0, cold=cold, as_json=as_json)
