"""``mlnotes interview``: a mock interview in the terminal.

Interactive on a terminal (rich prompts). Over a pipe (stdin not a TTY) every line of stdin is one answer, so a
session can be scripted: ``printf 'answer one\\nanswer two\\n' | mlnotes interview -n 2``. A line ``:hint``
asks for a hint, ``:skip`` skips, ``:quit`` stops; the end of input stops too. Every graded answer is saved
at once, so stopping loses nothing already graded.

The token comes from ``--token`` or the file ``<data_dir>/interview_token`` (created, mode 600, on first use).

``mlnotes interview export --anki deck.apkg [--topic T | --weak]`` writes an Anki deck (see
:mod:`mlnotes.assistant.interview.anki`). :data:`interview_app` is the ``mlnotes interview`` command group: without a
subcommand it runs a session.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

TOKEN_FILE = "interview_token"


def make_service(settings: Any) -> Any:
    """The interview service over the index and bank of ``settings`` (tests replace this function)."""
    from mlnotes.assistant.services import build_services

    svc = build_services(settings, log_fn=lambda m: print(m, file=sys.stderr), with_generator=False)
    if svc.interview is None:
        print("error: the interview mode could not start (the reason is printed above)", file=sys.stderr)
        raise typer.Exit(1)
    return svc.interview


def load_or_create_token(service: Any, data_dir: Path) -> str:
    path = Path(data_dir) / TOKEN_FILE
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = service.create_user()["token"]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


def _read(console, interactive: bool) -> str | None:
    if interactive:
        from rich.prompt import Prompt

        try:
            return Prompt.ask("[bold]your answer[/] ([dim]:hint :skip :quit[/])", console=console)
        except EOFError:
            return None
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def print_feedback(console, fb: dict[str, Any]) -> None:
    from rich.markup import escape

    console.print(f"\n[bold]Q:[/] {escape(fb['question'])}")
    console.print(f"[bold]score {fb['score']:.1f}/10[/]" + ("  (skipped)" if fb["skipped"] else ""))
    for flag in fb.get("flags", []):
        console.print(f"[yellow]note:[/] {flag.replace('_', ' ')}")
    for ig in fb.get("ignored", []):
        console.print(f"  [dim]not counted: “{escape(ig['sentence'][:80])}” — {escape(ig['reason'])}[/]")
    for c in fb["covered"]:
        console.print(f"[green]✓[/] {escape(c['key_point'])}\n    [dim]you said: “{escape(c['evidence'] or '')}”[/]")
    for m in fb["missed"]:
        ct = m["citation"]
        console.print(f"[red]✗[/] {escape(m['key_point'])}")
        if m.get("your_sentence"):
            console.print(f"    you wrote: “{escape(m['your_sentence'])}”\n    {escape(m['what_was_wrong'])}")
        console.print(f"    [dim]learn it: {escape(' › '.join(ct['breadcrumbs']))} "
                      f"— corpus/{ct['path']}:{ct['line_start']}-{ct['line_end']}  {ct['url']}[/]")
    console.print(f"[bold]model answer:[/] {escape(' '.join(fb['model_answer']['short_answer'].split()))}")
    if fb.get("follow_up"):
        console.print(f"[bold]follow-up:[/] {escape(fb['follow_up'])}")
    console.print(f"[dim]next review in {fb['next_review_in_days']:g} day(s)[/]")


def _emit(event: str, **fields: Any) -> None:
    """One JSON Lines event on stdout (``--json``): start, question, hint, feedback, error, end_of_input, summary."""
    print(json.dumps({"event": event, **fields}, default=str, ensure_ascii=False), flush=True)


def run_session(service: Any, token: str, console, topics: list[str] | None, difficulty: str, n: int,
                weakest: bool, interactive: bool, seed: int | None = None, as_json: bool = False) -> dict[str, Any]:
    """One interview in the terminal; with ``as_json`` every step is a JSON Lines event on stdout instead of text
    (answers are still read one line each from stdin)."""
    from rich.markup import escape
    from rich.table import Table

    view = service.start(token, topics=topics, difficulty=difficulty, n=n, weakest=weakest, seed=seed)
    sid = view["session_id"]
    if as_json:
        interactive = False  # no prompt text on stdout
        _emit("start", session_id=sid, n=view["n"])
    else:
        console.print(f"[bold]mock interview[/] {sid}: {view['n']} question(s)")
    stop = False
    while not stop:
        view = service.current(token, sid)
        if view["finished"]:
            break
        q = view["question"]
        if as_json:
            _emit("question", n=view["n"], **q)
        else:
            console.print(f"\n[bold cyan]Q{q['position']}/{view['n']}[/] [dim]({q['difficulty']}; "
                          f"{', '.join(q['topics'])})[/]\n{escape(q['text'])}")
        while True:
            line = _read(console, interactive)
            if line is None:
                if as_json:
                    _emit("end_of_input", message="input ended; the answers so far are saved")
                else:
                    console.print("[yellow]input ended; the answers so far are saved[/]")
                stop = True
                break
            cmd = line.strip()
            if cmd == ":quit":
                stop = True
                break
            if cmd == ":hint":
                h = service.hint(token, sid)
                if as_json:
                    _emit("hint", **h)
                else:
                    console.print(f"[magenta]hint {h['level']}:[/] {escape(h['hint'])}")
                continue
            try:
                fb = service.skip(token, sid) if cmd == ":skip" else service.answer(token, sid, line)
            except Exception as exc:  # noqa: BLE001 - show input problems and read again
                from mlnotes.assistant.interview.service import is_user_error

                if not is_user_error(exc):
                    raise
                if as_json:
                    _emit("error", message=str(exc))
                else:
                    console.print(f"[red]{escape(str(exc))}[/]")
                continue
            if as_json:
                _emit("feedback", **fb)
            else:
                print_feedback(console, fb)
            break
    summ = service.summary(token, sid)
    if as_json:
        _emit("summary", **summ)
        return summ
    table = Table(title=f"session {sid}")
    for col in ("#", "question", "score", "covered"):
        table.add_column(col)
    for a in summ["answers"]:
        table.add_row(str(a["position"]), a["question"][:70], "skip" if a["skipped"] else f"{a['score']:.1f}",
                      f"{a['covered']}/{a['key_points']}")
    console.print(table)
    if summ["mean_score"] is not None:
        console.print(f"mean score {summ['mean_score']:.2f}/10 over {summ['answered']} answer(s)")
    return summ


@contextmanager
def _open_service():
    """The settings and the interview service for one command: a user error (bad token, topic, path...) becomes
    a red message and exit code 2, and the service is closed whatever happens."""
    from rich.console import Console

    from mlnotes.assistant.interview.service import is_user_error
    from mlnotes.assistant.settings import get_settings

    settings = get_settings()
    service = make_service(settings)
    try:
        yield settings, service
    except Exception as exc:
        if is_user_error(exc):
            Console(stderr=True).print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(2) from None
        raise
    finally:
        service.close()


def interview_command(topics: str = "", difficulty: str = "any", n: int = 5, weakest: bool = False,
                      token: str | None = None, seed: int | None = None, as_json: bool = False) -> None:
    """Run one terminal interview (the options are declared once, on :func:`interview_main`)."""
    from rich.console import Console

    with _open_service() as (settings, service):
        tok = token or load_or_create_token(service, settings.data_dir)
        run_session(service, tok, Console(soft_wrap=True), [t for t in topics.split(",") if t.strip()] or None,
                    difficulty, n, weakest, interactive=sys.stdin.isatty(), seed=seed, as_json=as_json)


interview_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                            help="Mock interview: answer questions, get graded, cited feedback; progress is saved.")


@interview_app.callback()
def interview_main(
    ctx: typer.Context,
    topics: Annotated[str, typer.Option("--topics", help="comma-separated topics (default: all)")] = "",
    difficulty: Annotated[str, typer.Option("--difficulty", help="easy, medium, hard or any")] = "any",
    n: Annotated[int, typer.Option("-n", "--n", help="number of questions")] = 5,
    weakest: Annotated[bool, typer.Option("--weakest", help="practise what you are weakest at")] = False,
    token: Annotated[str | None, typer.Option("--token", help="interview token (default: the token file)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="fix the order of new questions")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines events on stdout (start, question, hint, "
                                          "feedback, error, summary); answers still one per stdin line")] = False,
) -> None:
    """Mock interview: answer questions (one line each over a pipe), get graded, cited feedback."""
    if ctx.invoked_subcommand is None:
        interview_command(topics=topics, difficulty=difficulty, n=n, weakest=weakest, token=token, seed=seed,
                          as_json=as_json)


@interview_app.command("export")
def export_command(
    anki: Annotated[Path, typer.Option("--anki", help="where to write the Anki deck (.apkg)")],
    topic: Annotated[str | None, typer.Option("--topic", help="only this topic (default: the whole bank)")] = None,
    weak: Annotated[bool, typer.Option("--weak", help="only your weak questions (last score below 6/10)")] = False,
    token: Annotated[str | None, typer.Option("--token", help="interview token (default: the token file)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print what was written as JSON")] = False,
) -> None:
    """Export interview questions as an Anki deck: the whole bank, a topic, or your weak questions."""
    from rich.console import Console

    with _open_service() as (settings, service):
        tok = (token or load_or_create_token(service, settings.data_dir)) if weak else None
        res = service.export_anki(anki, topic=topic, token=tok, weak=weak)
        if as_json:
            print(json.dumps(res, default=str))
            return
        Console().print(f"wrote {res['notes']} note(s) to {res['path']} (deck “{res['deck']}”, {res['bytes']:,} bytes)")


@interview_app.command("train-checker")
def train_checker_command(
    force: Annotated[bool, typer.Option("--force", help="train again even when a cached checker exists")] = False,
) -> None:
    """Train the grader's claim checker now (otherwise it is trained at the first graded answer)."""
    import logging

    from rich.console import Console

    from mlnotes.assistant.interview import checker as C
    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.interview import load_bank

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    console = Console()
    try:
        bank = load_bank(get_settings().corpus_dir)
        path = C.load_or_train(bank, force=force).path
    except C.CheckerUnavailable as e:
        console.print(f"[red]cannot train the claim checker:[/red] {e}")
        raise typer.Exit(1) from None
    console.print(f"claim checker ready: {path}")


@interview_app.command("due")
def due_command(
    topic: Annotated[str | None, typer.Option("--topic", help="only this topic")] = None,
    token: Annotated[str | None, typer.Option("--token", help="interview token (default: the token file)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the queue as JSON")] = False,
) -> None:
    """The FSRS review queue per topic: what is due now and what comes next."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(soft_wrap=True)
    with _open_service() as (settings, service):
        q = service.due_queue(token or load_or_create_token(service, settings.data_dir), topic)
        if as_json:
            print(json.dumps(q, default=str))
            return
        if not q["topics"]:
            console.print("nothing scheduled yet: answer some questions with `mlnotes interview` first")
        for t in q["topics"]:
            table = Table(title=f"{t['topic']}: {len(t['due_now'])} due now")
            for col in ("due in (days)", "recall now", "question"):
                table.add_column(col)
            for item in t["due_now"] + t["upcoming"]:
                r = item["recall_probability"]
                table.add_row(f"{item['due_in_days']:g}", "–" if r is None else f"{r:.0%}",
                              escape(item["question"][:80]))
            console.print(table)
