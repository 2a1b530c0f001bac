"""The ``mlnotes`` command line: the top of the stack.

Every verb imports what it needs inside its function, so ``mlnotes --help`` is instant and a missing optional
dependency only affects the verb that needs it. Services come from :mod:`mlnotes.assistant.services`, the retriever from
:func:`mlnotes.kb.search.open_retriever`. Other packages add verbs through ``Settings.cli_plugins`` (``module:function``
names; the evaluation's ``eval`` and ``bench search|all|api|index`` come from ``mlnotes.eval.cli:register``), so this
module imports nothing from ``eval``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(
    name="mlnotes",
    help="ML/AI Notes: an offline ML/AI knowledge base with cited answers, algorithms and mock interviews.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Speed benchmarks (medians over repeated runs).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


EXIT_FAILURE = 1  # the command ran and failed (index unavailable, a demo crashed, a build failed)
EXIT_USAGE = 2  # the input is wrong (an argument, an option, a setting): what to fix is in the message


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _version() -> str:
    """The installed distribution's version, found from this package's top-level import name."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    top = (__package__ or __name__).split(".")[0]  # "assistant", or "mlnotes" once under one namespace
    for dist in packages_distributions().get(top, []):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "unknown (not installed: run from a source checkout)"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"mlnotes {_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """ML/AI Notes: an offline ML/AI knowledge base with cited answers, algorithms and mock interviews."""


def _settings():
    from pydantic import ValidationError

    from mlnotes.assistant.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        _fail("invalid MLNOTES_* setting (environment or .env): " + "; ".join(lines))


def _load_index(quiet: bool = False):
    """The configured retriever with the served fusion defaults (built first when missing or stale)."""
    from mlnotes.assistant.services import open_index
    from mlnotes.kb.index import IndexUnavailableError

    try:
        return open_index(_settings(), progress=not quiet,
                          log=(lambda m: None) if quiet else (lambda m: err.print(f"[yellow]{m}[/]")))
    except IndexUnavailableError as exc:
        _fail(str(exc), EXIT_FAILURE)


# ---------------------------------------------------------------- a running server instead of loading models
PROBE_TIMEOUT_S = 0.3  # the local server answers /api/health in milliseconds; anything slower is not reused


class RemoteError(Exception):
    """The server answered with an error, or could not be reached; the message says which."""


def _http(base: str, method: str, path: str, body: dict | None = None, timeout: float = 120.0) -> dict:
    """One JSON request with the standard library (no client import on the fast path); the API's own error message
    on a 4xx/5xx."""
    import urllib.error
    import urllib.request

    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    key = _settings().api_key
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(base.rstrip("/") + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - the user's own server URL
            return json.loads(r.read().decode())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read().decode()).get("error") or exc.reason
        except (ValueError, AttributeError):
            message = exc.reason
        raise RemoteError(f"the server at {base} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(f"cannot reach a server at {base} ({reason})") from None


def _probe(base: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    try:
        return _http(base, "GET", "/api/health", timeout=timeout).get("status") == "ok"
    except RemoteError:
        return False


def _default_of(settings_cls, field: str):
    """A setting's default, also when it comes from a factory (``index_dir``: the checkout or the user cache)."""
    return settings_cls.model_fields[field].get_default(call_default_factory=True)


def _server_for(server: str | None, local: bool) -> str | None:
    """The base URL of the server to use, or None to load the models in this process.

    ``--server URL``: that server (an error when it does not answer). ``--local``: none. Otherwise the default local
    server (127.0.0.1 at the configured port) when it answers within ``PROBE_TIMEOUT_S`` and this command uses the
    default corpus and index (a server cannot say which corpus it serves, so a CLI pointed elsewhere never reuses
    it); ``MLNOTES_SERVER_PROBE=0`` turns the probe off."""
    if server and local:
        _fail("use either --server or --local, not both")
    if server:
        if not server.startswith(("http://", "https://")):
            _fail(f"--server expects a URL such as http://127.0.0.1:7860, got {server!r}")
        if not _probe(server, timeout=5.0):
            _fail(f"no ML/AI Notes server answers at {server} (GET /api/health); start one with 'mlnotes serve' "
                  "or leave out --server")
        return server.rstrip("/")
    if local:
        return None
    from mlnotes.assistant.settings import Settings

    s = _settings()
    if not s.server_probe or any(getattr(s, f) != _default_of(Settings, f) for f in ("corpus_dir", "index_dir")):
        return None
    host = "127.0.0.1" if s.host in ("0.0.0.0", "localhost", "") else s.host
    base = f"http://{'[' + host + ']' if ':' in host else host}:{s.port}"
    if _probe(base):
        err.print(f"[dim]using the running server at {base} (--local loads the models here instead)[/]")
        return base
    return None


ServerOpt = Annotated[str | None, typer.Option("--server", help="use the REST API of a running server at this URL "
                                                                "instead of loading the models here")]
LocalOpt = Annotated[bool, typer.Option("--local", help="load the models in this process even when a local "
                                                        "server is running")]


def _absolute_links(markdown: str, base: str) -> str:
    return markdown.replace("](/?doc=", f"]({base}/?doc=")


def _print_hits(hits: list[dict]) -> None:
    if not hits:
        console.print("no hits")
    for h in hits:
        console.print(f"[bold]{h['rank']}.[/] {' › '.join(h['breadcrumbs'])}  [dim]{h['path']}:{h['line_start']}-"
                      f"{h['line_end']}  score {h['score']:.4f}[/]")
        console.print(f"   {h['snippet']}", highlight=False)


def _print_answer(ans: dict, base: str) -> None:
    from rich.markdown import Markdown

    if ans.get("read_as"):
        console.print(f"[italic dim]{ans['read_as']}[/]", highlight=False)
    console.print(Markdown(_absolute_links(ans["markdown"], base)))


@app.command()
def index(
    corpus: Annotated[Path | None, typer.Option(help="corpus folder (default: MLNOTES_CORPUS_DIR)")] = None,
    out: Annotated[Path | None, typer.Option(help="index folder (default: MLNOTES_INDEX_DIR)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even if the index is current")] = False,
    backend: Annotated[str, typer.Option(help="local, or qdrant: sync the local index to MLNOTES_QDRANT_URL")]
    = "local",
    shards: Annotated[int | None, typer.Option(help="qdrant: shards of a new collection (a cluster)")] = None,
    replicas: Annotated[int | None, typer.Option(help="qdrant: copies of each shard (a cluster)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print what was done as JSON (progress stays on stderr)")]
    = False,
) -> None:
    """Build (or update) the search index; unchanged chunks reuse their embeddings."""
    from mlnotes.kb.index import EmptyCorpusError, Index, IndexUnavailableError, IndexWriteError

    s = _settings()
    corpus = corpus or s.corpus_dir
    out = out or s.index_dir
    from mlnotes.assistant.services import configure_embedder
    from mlnotes.kb import roots

    configure_embedder(s)  # MLNOTES_EMBED_RUNTIME, _MODEL, _BULK apply to the build too

    try:  # MLNOTES_EXTRA_CORPUS: notes folders indexed beside the corpus under notes/<name>/
        roots.configure(s.extra_corpus_dirs, corpus_dir=corpus)
    except roots.ExtraCorpusError as exc:
        _fail(str(exc))
    if backend not in ("local", "qdrant"):
        _fail(f"unknown --backend {backend!r}; valid: local, qdrant")
    if backend == "qdrant":
        from mlnotes.kb.qdrant import index_to_qdrant

        try:
            st = index_to_qdrant(corpus, out, s.qdrant_url, s.qdrant_api_key, s.qdrant_collection, force=force,
                                 shards=shards, replicas=replicas, log=lambda m: err.print(f"[yellow]{m}[/]"))
        except (EmptyCorpusError, IndexUnavailableError, ValueError) as exc:
            _fail(str(exc), EXIT_FAILURE if isinstance(exc, IndexUnavailableError) else EXIT_USAGE)
        if as_json:
            print(json.dumps({"backend": "qdrant", "collection": st.collection, "url": s.qdrant_url,
                              "uploaded": st.upserted, "deleted": st.deleted, "unchanged": st.unchanged,
                              "rebuilt": st.rebuilt, "seconds": st.seconds}))
            return
        console.print(f"qdrant collection {s.qdrant_collection!r} -> {st.collection} at {s.qdrant_url}: "
                      f"{st.upserted} uploaded, {st.deleted} deleted, {st.unchanged} unchanged "
                      f"({'rebuilt' if st.rebuilt else 'in place'}); time {st.seconds:.2f} s")
        return
    if not force:
        try:
            idx = Index.load(out, verify_corpus=corpus)
            info = idx.describe()
            if as_json:
                _precompute_sentences(idx, corpus, out, quiet=True)
                print(json.dumps({"backend": "local", "index": str(out), "up_to_date": True,
                                  "chunks": info["chunks"], "files": info["files"]}))
                return
            console.print(f"index at {out} is up to date: {info['chunks']} chunks from "
                          f"{info['files']} files (use --force to rebuild)")
            _precompute_sentences(idx, corpus, out)
            return
        except IndexUnavailableError as exc:
            if "no index" not in str(exc):
                err.print(f"[yellow]{exc}[/]")
    try:
        idx, stats = Index.build(corpus, out, progress=not as_json)
    except EmptyCorpusError as exc:  # nothing to index: the corpus folder is wrong
        _fail(str(exc))
    except IndexWriteError as exc:  # disk full or read-only: a failure, not a usage error (old index intact)
        _fail(str(exc), EXIT_FAILURE)
    if as_json:
        _precompute_sentences(idx, corpus, out, quiet=True)
        print(json.dumps({"backend": "local", "index": str(out), "up_to_date": False, "chunks": stats.chunks,
                          "files": stats.files, "embedded": stats.embedded, "reused": stats.reused,
                          "seconds": stats.seconds}))
        return
    console.print(f"indexed [bold]{stats.chunks}[/] chunks from {stats.files} files into {out}")
    console.print(f"embeddings: {stats.embedded} new, {stats.reused} reused; time {stats.seconds:.2f} s")
    _precompute_sentences(idx, corpus, out)


def _precompute_sentences(idx, corpus: Path, out: Path, quiet: bool = False) -> None:
    """Every chunk's answer sentences and their embeddings, in the file beside the index (reused when unchanged);
    ``quiet``: no progress bar and no summary (stdout is JSON)."""
    from mlnotes.assistant.answering.candidates import SentenceStore, sentences_file
    from mlnotes.assistant.services import embedder_id

    store = SentenceStore(corpus, idx.embed_texts)
    try:
        st = store.precompute(idx.iter_chunks(), embedder_id(idx), sentences_file(out), progress=not quiet,
                              log_fn=lambda m: err.print(f"[yellow]{m}[/]"))
    except Exception as exc:  # noqa: BLE001 - the index is built; answers embed on first use instead
        err.print(f"[yellow]answer sentences not precomputed ({type(exc).__name__}: {exc}); answers embed them "
                  "on first use[/]")
        return
    if not quiet:
        console.print(st.summary())


KindOpt = Annotated[str | None, typer.Option(
    help="only chunks of this kind: guide, chapter, interview, reference (notes: extra corpus folders)")]
TopicOpt = Annotated[str | None, typer.Option(help="only documents with this front-matter topic")]
DocOpt = Annotated[str | None, typer.Option("--doc", "--document", help="only this document (id or corpus path)")]


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="what to look for")],
    k: Annotated[int, typer.Option("-k", "--k", help="number of hits (1-100)")] = 5,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "",
    fusion: Annotated[str, typer.Option(help="hybrid fusion: rrf or weighted")] = "",
    kind: KindOpt = None,
    topic: TopicOpt = None,
    document: DocOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print hits as JSON")] = False,
    server: ServerOpt = None,
    local: LocalOpt = False,
) -> None:
    """Search the knowledge base (through a running server when one is up, see --server)."""
    mode = mode or _settings().default_mode
    base = _server_for(server, local)
    if base is not None:
        body = {"query": query, "k": k, "mode": mode, "fusion": fusion or None, "kind": kind, "topic": topic,
                "document": document}
        try:
            res = _http(base, "POST", "/api/search", {key: v for key, v in body.items() if v is not None})
        except RemoteError as exc:
            _fail(str(exc))
        hits = [{key: v for key, v in h.items() if key != "url"} for h in res["hits"]]
    else:
        from mlnotes.kb.filters import check_filters
        from mlnotes.kb.index import IndexUnavailableError, QueryError
        from mlnotes.kb.search import Filters

        idx = _load_index(quiet=as_json)
        try:
            filters = check_filters(idx, Filters(kind=kind, topic=topic, document=document))
            found = idx.search(query, k=k, mode=mode, fusion=fusion or None, filters=filters)
        except (QueryError, IndexUnavailableError) as exc:
            _fail(str(exc), EXIT_FAILURE if isinstance(exc, IndexUnavailableError) else EXIT_USAGE)
        hits = [h.to_dict(query) for h in found]
    if as_json:
        print(json.dumps({"query": query, "mode": mode, "hits": hits}, indent=2, ensure_ascii=False))
        return
    _print_hits(hits)


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
    from mlnotes.assistant.generation.bench import run_benchmark
    from mlnotes.assistant.generation.transformers_backend import GenerationUnavailable

    wanted = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    try:
        run_benchmark(repeat=repeat, max_new_tokens=max_new_tokens, model=model, draft=draft, as_json=as_json,
                      console=console, methods=wanted, engine=engine, quant=quant)
    except (GenerationUnavailable, ValueError) as exc:
        _fail(str(exc), EXIT_FAILURE if isinstance(exc, GenerationUnavailable) else EXIT_USAGE)


@app.command()
def run(
    name: Annotated[str | None, typer.Argument(help="registered algorithm name")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="demo parameter as key=value")] = None,
    out: Annotated[Path | None, typer.Option(help="save the figure to this PNG file")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list registered algorithms")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
) -> None:
    """Run an algorithm's demo: our metrics beside the reference implementation's, and a figure."""
    from mlnotes.algorithms import registry
    from mlnotes.assistant.runner_child import jsonable

    if list_ or not name:
        specs = registry.all_specs()
        if as_json:
            print(json.dumps([s.to_dict() for s in specs], indent=2))
            return
        t = Table(title=f"{len(specs)} registered algorithms")
        # names whole on one line; long words (module paths) fold onto the next line instead of ending in "…"
        t.add_column("name", no_wrap=True, min_width=max((len(s.name) for s in specs), default=4))
        if console.width >= 120:
            t.add_column("family", overflow="fold")
            t.add_column("summary", overflow="fold", ratio=3)
            t.add_column("reference", overflow="fold", ratio=2)
            for s in specs:
                t.add_row(s.name, s.family, s.summary, s.reference)
        else:  # a narrow terminal: the family and the reference under the summary
            t.add_column("summary (family; checked against)", overflow="fold")
            for s in specs:
                t.add_row(s.name, f"{escape(s.summary)}\n[dim]({s.family}; {escape(s.reference)})[/]")
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
    try:
        result = spec.run(**values)
    except ValueError as exc:  # a combination of parameters the demo refuses
        _fail(f"{spec.name}: {exc}")
    except Exception as exc:  # noqa: BLE001 - the demo itself failed: say so without a traceback
        _fail(f"the {spec.name} demo failed: {type(exc).__name__}: {exc}", EXIT_FAILURE)
    seconds = time.perf_counter() - t0
    if out is not None and result.figure is not None:
        result.figure.savefig(out, dpi=110, bbox_inches="tight")
    if as_json:
        print(json.dumps({"name": spec.name, "params": values, "metrics": result.metrics,
                          "reference": result.reference, "reference_name": result.reference_name,
                          "extra": jsonable(result.extra),
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
    for key, value in jsonable(result.extra).items():
        console.print(f"{key}: {value}", highlight=False)
    console.print(f"params: {values}   time: {seconds:.2f} s" + (f"   figure: {out}" if out else ""))
    if result.notes:
        console.print(result.notes)


@app.command()
def notebook(
    chapter: Annotated[str, typer.Argument(help="chapter number, e.g. 05")],
    out: Annotated[Path | None, typer.Option(help="output .ipynb path (default: ./<chapter file>.ipynb)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the written path as JSON")] = False,
) -> None:
    """Export a curriculum chapter to a Jupyter notebook (.ipynb) with jupytext."""
    from mlnotes.assistant.notebooks import ChapterNotFound, export_chapter

    try:
        path = export_chapter(_settings().corpus_dir, chapter, out)
    except ChapterNotFound as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps({"chapter": chapter, "notebook": str(path)}))
        return
    console.print(f"wrote {path}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="your question")],
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "",
    k: Annotated[int, typer.Option("-k", "--k", help="chunks to read (1-20)")] = 6,
    kind: KindOpt = None,
    topic: TopicOpt = None,
    document: DocOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer object as JSON")] = False,
    server: ServerOpt = None,
    local: LocalOpt = False,
) -> None:
    """Answer a question from the corpus, with numbered citations (no LLM needed; through a running server when one
    is up, see --server)."""
    if not 1 <= k <= 20:
        _fail("k must be between 1 and 20")
    from mlnotes.kb.index import QueryError
    from mlnotes.kb.search import Filters

    session = _ChatSession(_server_for(server, local), mode=mode, k=k,
                           filters=Filters(kind=kind, topic=topic, document=document))
    try:
        ans = session.ask(question, keep=False)
    except (QueryError, RemoteError) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(ans, indent=2, ensure_ascii=False))
        return
    _print_answer(ans, session.link_base)


class _ChatSession:
    """Questions answered in order, each read against the earlier ones: locally (turns kept here) or through a
    server (which keeps the turns under a conversation id)."""

    def __init__(self, base: str | None, mode: str = "", k: int = 6, filters=None) -> None:
        self.base, self.mode, self.k = base, mode, k
        self.filters = filters  # mlnotes.kb.search.Filters or None: only these passages (checked against the index)
        self.turns: list = []
        self.cid: str | None = None
        self._answerer = None
        s = _settings()
        self.link_base = base or f"http://{s.host}:{s.port}"

    def reset(self) -> None:
        self.turns, self.cid = [], None

    def _local(self):
        if self._answerer is None:
            from mlnotes.assistant.services import build_services

            svc = build_services(_settings(), log_fn=lambda m: err.print(f"[yellow]{m}[/]"), with_interview=False)
            self._answerer = svc.answerer
        return self._answerer

    def ask(self, message: str, keep: bool = True) -> dict:
        """The answer dict (as /api/ask returns it); QueryError or RemoteError on bad input."""
        mode = self.mode or _settings().default_mode
        if self.base is not None:
            body = {"question": message, "k": self.k, "mode": mode}
            if self.filters:
                body.update({key: v for key, v in vars(self.filters).items() if v is not None})
            if keep and self.cid:
                body["conversation_id"] = self.cid
            ans = _http(self.base, "POST", "/api/ask", body)
            self.cid = ans.get("conversation_id") if keep else None
            return ans
        from mlnotes.assistant.conversation import annotate, resolve, turn_after
        from mlnotes.kb.index import validate_query

        validate_query(message)
        reading = resolve(message, self.turns if keep else [])
        ans = self._local().answer(reading.question, mode=mode, k=self.k, filters=self.filters).to_dict()
        ans["markdown"] = _absolute_links(ans["markdown"], self.link_base)
        if keep:
            self.turns = (self.turns + [turn_after(reading, ans)])[-10:]
        return annotate(ans, reading)


CHAT_HELP = "Ask a question; follow-ups ('and why?', 'show me the code') use the earlier turns. /reset forgets " \
            "them, /exit (or end of input) quits."


@app.command()
def chat(
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "",
    k: Annotated[int, typer.Option("-k", "--k", help="chunks to read (1-20)")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="one answer object per line (JSON Lines)")] = False,
    server: ServerOpt = None,
    local: LocalOpt = False,
) -> None:
    """An interactive session: one question per line (also over a pipe); follow-up questions are read against the
    earlier ones and each answer says how it read them."""
    from mlnotes.kb.index import QueryError

    if not 1 <= k <= 20:
        _fail("k must be between 1 and 20")
    if mode and mode not in ("bm25", "dense", "hybrid"):
        _fail(f"unknown mode {mode!r}; valid modes: bm25, dense, hybrid")
    session = _ChatSession(_server_for(server, local), mode=mode, k=k)
    interactive = sys.stdin.isatty()
    if interactive and not as_json:
        console.print(f"[dim]{CHAT_HELP}[/]")
    while True:
        if interactive:
            err.print("[bold]you>[/] ", end="")
        line = sys.stdin.readline()
        if not line:
            break
        message = line.strip()
        if not message:
            continue
        if message in ("/exit", "/quit"):
            break
        if message == "/reset":
            session.reset()
            if not as_json:
                console.print("[dim]conversation reset: the next question starts afresh[/]")
            continue
        if message == "/help":
            console.print(CHAT_HELP)
            continue
        if message.startswith("/"):
            err.print(f"[yellow]unknown command {message.split()[0]!r}; commands: /reset, /exit, /help[/]")
            continue
        try:
            ans = session.ask(message)
        except (QueryError, RemoteError) as exc:
            err.print(f"[bold red]error:[/] {exc}")
            continue
        if as_json:
            print(json.dumps(ans, ensure_ascii=False), flush=True)
        else:
            _print_answer(ans, session.link_base)
            console.print()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 7860)")] = None,
) -> None:
    """Serve the web UI (/) and the REST API (/api, docs at /docs) from one process."""
    import uvicorn

    from mlnotes.assistant.api.app import create_app

    s = _settings()
    host = host or s.host
    port = port or s.port
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning: binding {host}; the server is reachable from other machines"
                  + ("" if s.api_key else " and MLNOTES_API_KEY is not set") + "[/]")
    application = create_app(s)
    console.print(f"serving ML/AI Notes on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    from mlnotes.assistant.api.server import server_limits

    uvicorn.run(application, host=host, port=port, log_level="warning", **server_limits())


@app.command()
def mcp(
    http: Annotated[bool, typer.Option("--http", help="serve streamable HTTP at /mcp instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="--http: interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="--http: port")] = 8765,
) -> None:
    """Serve ML/AI Notes to MCP clients (editors, desktop assistants): stdio by default, or --http."""
    from mlnotes.assistant.mcp_server import serve as serve_mcp

    try:
        import mcp as _sdk  # noqa: F401 - only checks that the extra is installed
    except ModuleNotFoundError as exc:
        _fail(f"the MCP server needs the 'mcp' extra ({exc}); install it with pip install 'mlnotes[mcp]'")
    if not 1 <= port <= 65535:
        _fail(f"--port must be between 1 and 65535, got {port}")
    if http:
        err.print(f"serving MCP (streamable HTTP) on http://{host}:{port}/mcp")
    serve_mcp(_settings(), http=http, host=host, port=port, log=lambda m: err.print(f"[yellow]{m}[/]"))


app.add_typer(__import__("mlnotes.assistant.interview.cli", fromlist=["interview_app"]).interview_app, name="interview")


def register_plugins(plugins: tuple[str, ...] | None = None) -> None:
    """Let each ``module:function`` in ``plugins`` (default: ``Settings.cli_plugins``) add its commands; a plugin
    whose module is not installed is skipped."""
    if plugins is None:
        from pydantic import ValidationError

        from mlnotes.assistant.settings import Settings, get_settings

        try:
            plugins = get_settings().cli_plugins
        except ValidationError:  # reported by the command that reads the settings; keep the default verbs
            plugins = Settings.model_fields["cli_plugins"].default
    for target in plugins:
        if target in _registered:
            continue
        module, _, func = target.partition(":")
        try:
            register = getattr(importlib.import_module(module), func)
        except ModuleNotFoundError:
            continue
        register(app, bench_app, load_index=_load_index, console=console, err=err)
        _registered.add(target)


_registered: set[str] = set()
register_plugins()


site_app = typer.Typer(help="The curriculum as a static book site (needs the site extra).", no_args_is_help=True)
app.add_typer(site_app, name="site")


def _site_dir(out: Path | None) -> Path:
    return out or _settings().index_dir.parent / "site"


@site_app.command("build")
def site_build(
    out: Annotated[Path | None, typer.Option(help="output folder, replaced (default: .mlnotes/site)")] = None,
    figures: Annotated[bool, typer.Option(help="run the chapters' code and show its figures (cached)")] = True,
) -> None:
    """Render the corpus as a book site (MkDocs Material, offline) and link-check it."""
    from mlnotes.assistant.site import SiteError, build_site

    out = _site_dir(out)
    try:
        report = build_site(_settings().corpus_dir, out, figures=figures)
    except SiteError as exc:
        _fail(str(exc), EXIT_FAILURE)
    for problem in report.problems:
        err.print(f"[yellow]warning:[/] {problem}")
    figs = f" with {report.figures} figures ({report.docs_run} documents run, the rest cached)" if figures else ""
    console.print(f"built {report.pages} pages{figs} in {report.seconds:.1f} s: {out / 'index.html'}")


@site_app.command("serve")
def site_serve(
    out: Annotated[Path | None, typer.Option(help="the built site folder (default: .mlnotes/site)")] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8001,
) -> None:
    """Serve the book site for local reading (builds it first when the folder holds none)."""
    from mlnotes.assistant.site import SiteError, serve_site

    try:
        serve_site(_site_dir(out), host=host, port=port, corpus_dir=_settings().corpus_dir)
    except SiteError as exc:
        _fail(str(exc), EXIT_FAILURE)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
