"""The Gradio UI (Chat, Browse, Algorithms, Interview), mounted at ``/`` on the same FastAPI app as the REST API.

It calls the same in-process services as the API (``app.state``), so one process and one port serve both.
Offline by construction: system fonts only (no web-font requests), analytics disabled.
Deep links: ``/?doc=<corpus path>&section=<section id>`` opens the Browse tab on that section; every citation in
a chat answer is such a link. Light and dark themes (``?__theme=dark`` or the toggle); marks are text, not emoji.
"""


import html
import io
import os
import re
import time
from typing import Any

from mlnotes.assistant.ui_assets import CSS, SCROLL_TO_ANSWER_JS, TOGGLE_THEME_JS

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

LATEX = [
    {"left": "$$", "right": "$$", "display": True},
    {"left": "$", "right": "$", "display": False},
]

NOT_READY = "The index and models are still loading; this takes a minute on the first start. Try again shortly."
MEMORY_NOTE = ("A follow-up such as *and why does that matter?* or *show me the code* is read against your earlier "
               "questions; the answer says how it was read. **Clear** starts afresh. **Enter** sends, "
               "**Shift+Enter** starts a new line.")


def _message_text(content: Any) -> str:
    """The text of a chat message as Gradio hands it back (a string, or a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(_message_text(c) for c in content)
    return ""


def read_message(message: str, history: list) -> Any:
    """How ``message`` is read after the chat ``history`` (Gradio messages, oldest first): its user messages are
    the earlier turns (:func:`mlnotes.assistant.conversation.turns_from_history`)."""
    from mlnotes.assistant.conversation import resolve, turns_from_history

    msgs = [{"role": m.get("role"), "content": _message_text(m.get("content"))} for m in history
            if isinstance(m, dict)]
    return resolve(message, turns_from_history(msgs))


def answer_with_reading(markdown: str, reading: Any) -> str:
    """The answer as the chat shows it: the "Read as" line first when the question was rewritten."""
    return f"*{reading.read_as}*\n\n{markdown}" if reading.read_as else markdown


def _theme():
    import gradio as gr

    return gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def _param_text(spec) -> str:
    return "\n".join(f"{p.name}={p.default}" for p in spec.params)


def _param_help(spec) -> str:
    if not spec.params:
        return "This demo has no parameters."
    rows = ["| parameter | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
    for p in spec.params:
        allowed = (", ".join(map(str, p.choices)) if p.choices else
                   f"{'' if p.low is None else p.low} … {'' if p.high is None else p.high}")
        rows.append(f"| `{p.name}` | {p.type.__name__} | {p.default} | {allowed} | {p.help} |")
    return "\n".join(rows)


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"line {n}: expected name=value, got {line!r}")
        k, v = line.split("=", 1)
        params[k.strip()] = v.strip()
    return params


def _fmt_extra(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list) and len(v) > 12:
        return ", ".join(map(str, v[:12])) + ", …"
    return str(v)


def _metrics_markdown(metrics: dict, reference: dict) -> str:
    keys = sorted(set(metrics) | set(reference))
    rows = ["| metric | from scratch | reference |", "| --- | --- | --- |"]
    rows += [f"| `{k}` | {_fmt(metrics.get(k))} | {_fmt(reference.get(k))} |" for k in keys]
    return "\n".join(rows)


def raw_lines_html(lines: list[str], first_line: int) -> str:
    """Raw Markdown lines as escaped HTML with the file's own line numbers (``first_line`` = number of the first)."""
    body = "\n".join(f'<span class="ln">{n}</span>{html.escape(line)}'
                     for n, line in enumerate(lines, start=first_line))
    return f'<pre class="mlnotes-raw">{body}</pre>'


FIGURE_ROUTE = "/figures/"
_FIGURE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,120}\.png$")


def figures_dir(settings) -> Any:
    """Where ``mlnotes site build`` caches the chapters' figures (its default cache, beside the index)."""
    return settings.index_dir.parent / "site-cache" / "figures"


def with_figures(doc, first: int, last: int, figs: dict, base: str = FIGURE_ROUTE) -> str:
    """Lines ``first..last`` of ``doc`` with each cached figure shown as an image (with its alt text) right after
    the closing fence of the code block that draws it."""
    from mlnotes.kb.coderun import runnable_blocks

    ends = {b.end: figs[b.start] for b in runnable_blocks(doc) if b.start in figs}
    out = []
    for n in range(first, last + 1):
        out.append(doc.lines[n - 1])
        for f in ends.get(n, []):
            alt = " ".join(f.alt.replace("[", "(").replace("]", ")").split())
            out += ["", f"![{alt}]({base}{f.file})", ""]
    return "\n".join(out)


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s >= 0.1 else "under 0.1 s"


def landing_markdown(corpus_dir) -> str:
    """What Browse shows before a document is chosen: the corpus's learning paths and a map of every document."""
    from mlnotes.assistant.corpus import (
        CorpusPathError,
        corpus_tree,
        display_markdown,
        find_section,
        load_doc,
    )

    parts = ["## Start here", "Choose a document above, follow a learning path, or pick from the map below. "
             "Every citation in a chat answer opens its section here."]
    try:
        sec = find_section(load_doc(corpus_dir, "README.md"), "learning-paths")
        body = sec.markdown.split("\n", 1)[1] if "\n" in sec.markdown else ""
        parts += ["### Learning paths", display_markdown(body.strip(), "README.md")]
    except CorpusPathError:
        pass
    groups: dict[str, list] = {}
    for e in corpus_tree(corpus_dir):
        top = e.path.split("/", 1)[0] if "/" in e.path else ""
        groups.setdefault(top, []).append(e)
    names = {"chapters": "Chapters", "guides": "Guides", "interview": "Interview question bank", "": "Corpus files"}
    parts.append("### Corpus map")
    for top in sorted(groups, key=lambda t: (list(names).index(t) if t in names else 9, t)):
        entries = groups[top]
        from mlnotes.assistant.corpus import section_url

        items = [f"- [{e.title}]({section_url(e.path)}) · `{e.path}`" for e in entries]
        parts.append(f"**{names.get(top, top)}** ({len(entries)})\n\n" + "\n".join(items))
    return "\n\n".join(parts)


def _png_to_image(png: bytes | None):
    if not png:
        return None
    from PIL import Image

    return Image.open(io.BytesIO(png))


def build_blocks(app) -> Any:
    """The Gradio app: handlers, then the layout that wires them.

    Long on purpose: Gradio components exist only inside the ``gr.Blocks()`` context, and the handlers are
    closures over ``app.state``; the business logic they call lives in the assistant room.
    """
    import gradio as gr

    from mlnotes.algorithms import registry
    from mlnotes.assistant.answer import readable_citations
    from mlnotes.assistant.corpus import (
        CorpusPathError,
        corpus_tree,
        display_markdown,
        find_section,
        load_doc,
        section_url,
        taught_in,
    )
    from mlnotes.assistant.runner import RunFailed, RunnerBusy
    from mlnotes.assistant.site.figures import cached_figures
    from mlnotes.kb.filters import filter_values
    from mlnotes.kb.index import QueryError
    from mlnotes.kb.search import Filters

    settings = app.state.settings
    specs = registry.all_specs()
    alg_choices = [(f"{s.title} ({s.name})", s.name) for s in specs]

    def answerer():
        return getattr(app.state, "answerer", None)

    def ready_note() -> str:
        a = answerer()
        if a is None:
            return NOT_READY
        return f"Index ready: {len(a.index)} passages from the corpus in `{settings.corpus_dir.name}/`."

    def tree_choices():
        return [(f"{e.path} — {e.title}", e.path) for e in corpus_tree(settings.corpus_dir)]

    def filter_choices():
        """The chat's filter dropdowns: the kinds, topics and documents the index holds ('' = any)."""
        a = answerer()
        values = filter_values(a.index) if a is not None else {"kind": [], "topic": [], "document": []}
        return tuple(gr.update(choices=[("any", "")] + [(v, v) for v in values[f]], value="")
                     for f in ("kind", "topic", "document"))

    # ------------------------------------------------------------------ handlers
    def respond(message: str, history: list, mode: str, kind: str = "", topic: str = "", doc: str = ""):
        """Outputs: chat, question box, linked-algorithm choice, run panel visibility, status line. ``kind``,
        ``topic`` and ``doc`` ('' = any) restrict the passages the answer may use."""
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            yield history, gr.update(), gr.update(), gr.update(), "Type a question first."
            return
        if answerer() is None:
            yield history, gr.update(), gr.update(), gr.update(), NOT_READY
            return
        reading = read_message(message, history)
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": answer_with_reading("", reading)})
        t0 = time.perf_counter()
        try:
            answer = None
            filters = Filters(kind=kind or None, topic=topic or None, document=doc or None)
            for ev in answerer().stream(reading.question, mode=mode, filters=filters):
                if ev["event"] == "delta":
                    history[-1]["content"] += ev["text"]
                    yield history, "", gr.update(), gr.update(), "Answering…"
                elif ev["event"] == "answer":
                    answer = ev["answer"]
            if answer is not None:
                history[-1]["content"] = answer_with_reading(answer["markdown"], reading)
                if answer.get("experimental"):
                    history[-1]["content"] = (f"*Experimental: written by {answer['generator']}, a model under 1B "
                                              "parameters. Check each claim against its citation.*\n\n"
                                              + history[-1]["content"])
                algs = [(f"{a['title']} ({a['name']})", a["name"]) for a in answer["algorithms"]]
                took = _seconds(time.perf_counter() - t0)
                by = f" by {answer['generator']}" if answer.get("generator", "extractive") != "extractive" else ""
                status = (f"Answered{by} from {len(answer['sources'])} source(s) in {took}." if not answer["abstained"]
                          else "No supported answer found; the closest sections are shown.")
                if algs:
                    status += " A linked implementation can be run below."
                yield (history, "", gr.update(choices=algs, value=algs[0][1] if algs else None),
                       gr.update(visible=bool(algs)), status)
        except QueryError as exc:
            history[-1]["content"] = f"**Cannot search:** {exc}"
            yield history, gr.update(), gr.update(), gr.update(visible=False), str(exc)

    def run_algorithm(name: str, params_text: str):
        if not name:
            return "", None, "Choose an algorithm first."
        try:
            params = _parse_params(params_text)
            res = app.state.runner.run(name, params)
        except (ValueError, registry.ParamError, registry.UnknownAlgorithmError) as exc:
            return "", None, f"**Cannot run:** {exc}"
        except RunnerBusy as exc:
            return "", None, f"**Busy:** {exc}"
        except RunFailed as exc:
            return "", None, f"**Run stopped ({exc.reason}):** {exc}"
        rows = _metrics_markdown(res.metrics, res.reference)
        status = f"Ran `{name}` in {res.seconds:.2f} s against {res.reference_name or 'the reference'}."
        if res.notes:
            status += "\n\n" + res.notes
        if res.extra:
            status += "\n\n" + "\n".join(f"- `{k}`: {_fmt_extra(v)}" for k, v in res.extra.items())
        return rows, _png_to_image(res.figure_png), status

    def describe(name: str):
        if not name:
            return "", ""
        spec = registry.get(name)
        head = f"**{spec.title}** — {spec.summary}  \nImplementation: `{spec.path}` · verified against {spec.reference}"
        where = taught_in(answerer().index.iter_chunks(), spec.path)[:6] if answerer() is not None else []
        if where:
            head += "  \nTaught in: " + " · ".join(f"[{' › '.join(w['breadcrumbs'][-2:])}]({w['url']})" for w in where)
        return head + "\n\n" + _param_help(spec), _param_text(spec)

    def open_doc(path: str, section: str | None = None):
        """Outputs: section choices, rendered view, raw view (the shown lines with their numbers), where, path."""
        if not path:
            return gr.update(choices=[], value=None), landing, "", "", ""
        try:
            doc = load_doc(settings.corpus_dir, path)
        except CorpusPathError as exc:
            return gr.update(choices=[]), f"**{exc}**", "", "", ""
        sections = [(("\u00a0\u00a0" * (h.level - 1)) + h.text, h.slug) for h in doc.headings]
        first, last = doc.body_start, len(doc.lines)
        try:
            figs = cached_figures(doc, figures_dir(settings))
        except Exception:  # noqa: BLE001 - figures are optional; the text is shown without them
            figs = {}
        if section:
            try:
                sec = find_section(doc, section)
                shown = with_figures(doc, sec.line_start, sec.line_end, figs) if figs else sec.markdown
                first, last = sec.line_start, sec.line_end
                link = section_url(path, section)
                where = f"`{path}:{sec.line_start}-{sec.line_end}` · deep link: [{link}]({link})"
            except CorpusPathError as exc:
                shown, where = f"**{exc}**", ""
        else:
            shown = (with_figures(doc, doc.body_start, len(doc.lines), figs) if figs
                     else "\n".join(doc.lines[doc.body_start - 1 :]))
            link = section_url(path)
            where = f"`{path}` · deep link: [{link}]({link})"
        raw = raw_lines_html(doc.lines[first - 1 : last], first)
        return (gr.update(choices=sections, value=section or None), display_markdown(readable_citations(shown), path),
                raw, where, path)

    def on_load(request: gr.Request):
        qp = dict(request.query_params) if request is not None else {}
        doc, section = qp.get("doc"), qp.get("section")
        if doc:
            sec_update, shown, raw, where, path = open_doc(doc, section)
            return gr.Tabs(selected="browse"), gr.update(value=doc), sec_update, shown, raw, where, ready_note()
        return gr.update(), gr.update(), gr.update(), gr.update(), gr.update(), gr.update(), ready_note()

    landing = landing_markdown(settings.corpus_dir)

    # ------------------------------------------------------------------ layout
    with gr.Blocks(title="ML/AI Notes", analytics_enabled=False) as demo:
        with gr.Row(elem_id="mlnotes-header"):
            gr.Markdown('## ML/AI Notes <span class="subtitle">— an offline ML/AI knowledge base with cited '
                        'answers</span>', elem_id="mlnotes-title")
            theme_btn = gr.Button("Light / dark", size="sm", scale=0, min_width=110, elem_id="theme-toggle")
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(show_label=False, height=460, latex_delimiters=LATEX, elem_id="chatbot",
                                     buttons=["copy"], autoscroll=False,
                                     placeholder="Answers with numbered citations to the corpus appear here.")
                with gr.Row(equal_height=True):
                    question = gr.Textbox(placeholder="Ask about ML: e.g. 'What is the bias-variance trade-off?'",
                                          show_label=False, scale=6, min_width=220, elem_id="question",
                                          max_length=2000, lines=1, max_lines=6, submit_btn=False)
                    mode = gr.Dropdown(["hybrid", "bm25", "dense"], value=settings.default_mode, label="retrieval",
                                       scale=1, min_width=130, elem_id="mode")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
                    stop = gr.Button("Stop", scale=1, min_width=80, elem_id="stop-button")
                    clear = gr.Button("Clear", scale=1, min_width=80, elem_id="clear-button")
                with gr.Accordion("Filters: answer only from…", open=False, elem_id="chat-filters"):
                    with gr.Row():
                        kind_dd = gr.Dropdown(label="kind", choices=[("any", "")], value="", scale=1,
                                              elem_id="filter-kind")
                        topic_dd = gr.Dropdown(label="topic", choices=[("any", "")], value="", scale=1,
                                               elem_id="filter-topic")
                        docf_dd = gr.Dropdown(label="document", choices=[("any", "")], value="", scale=2,
                                              elem_id="filter-doc")
                chat_status = gr.Markdown(elem_id="chat-status")
                gr.Markdown(MEMORY_NOTE, elem_id="chat-help")
                ready_md = gr.Markdown(elem_id="ready-note")
                with gr.Column(visible=False, elem_id="chat-run-panel") as run_panel:
                    with gr.Row():
                        chat_alg = gr.Dropdown(label="Linked implementation", choices=[], scale=3,
                                               elem_id="chat-algorithm")
                        chat_params = gr.Textbox(label="parameters (name=value per line)", lines=3, scale=3,
                                                 elem_id="chat-params")
                        chat_run = gr.Button("Run", scale=1, elem_id="chat-run")
                    with gr.Row():
                        chat_metrics = gr.Markdown(elem_id="chat-metrics", min_width=300)
                        chat_fig = gr.Image(label="figure", type="pil", elem_id="chat-figure", min_width=300)
                    chat_run_status = gr.Markdown()
            with gr.Tab("Browse", id="browse"):
                with gr.Row():
                    doc_dd = gr.Dropdown(label="document", choices=tree_choices(), value=None, scale=3,
                                         min_width=260, elem_id="doc-select")
                    sec_dd = gr.Dropdown(label="section", choices=[], scale=3, min_width=260, elem_id="section-select")
                    home = gr.Button("Start page", size="sm", scale=0, min_width=120, elem_id="browse-home")
                where_md = gr.Markdown(elem_id="where")
                with gr.Tab("Rendered"):
                    doc_md = gr.Markdown(landing, latex_delimiters=LATEX, elem_id="doc-view", header_links=True)
                with gr.Tab("Raw"):
                    raw_code = gr.HTML(elem_id="raw-view")
                current_path = gr.State("")
            with gr.Tab("Algorithms", id="algorithms"):
                with gr.Row():
                    alg_dd = gr.Dropdown(label="algorithm", choices=alg_choices, scale=3, min_width=260, elem_id="alg-select")
                    alg_run = gr.Button("Run", variant="primary", scale=1, elem_id="alg-run")
                alg_info = gr.Markdown(elem_id="alg-info")
                alg_params = gr.Textbox(label="parameters (name=value per line)", lines=4, elem_id="alg-params")
                with gr.Row():
                    alg_metrics = gr.Markdown(elem_id="alg-metrics", min_width=300)
                    alg_fig = gr.Image(label="figure", type="pil", elem_id="alg-figure", min_width=300)
                alg_status = gr.Markdown(elem_id="alg-status")
            with gr.Tab("Interview", id="interview"):
                from mlnotes.assistant.interview.ui import build_interview_tab

                build_interview_tab(app)

        chat_outputs = [chatbot, question, chat_alg, run_panel, chat_status]
        chat_inputs = [question, chatbot, mode, kind_dd, topic_dd, docf_dd]
        ask_evt = send.click(respond, chat_inputs, chat_outputs)
        ask_evt.then(None, None, None, js=SCROLL_TO_ANSWER_JS)
        submit_evt = question.submit(respond, chat_inputs, chat_outputs)
        submit_evt.then(None, None, None, js=SCROLL_TO_ANSWER_JS)
        stop.click(None, None, None, cancels=[ask_evt, submit_evt])
        clear.click(lambda: ([], "", gr.update(visible=False)), None, [chatbot, chat_status, run_panel])
        theme_btn.click(None, None, None, js=TOGGLE_THEME_JS)
        chat_alg.change(lambda n: describe(n)[1] if n else "", chat_alg, chat_params)
        chat_run.click(run_algorithm, [chat_alg, chat_params], [chat_metrics, chat_fig, chat_run_status])
        doc_dd.input(lambda p: open_doc(p, None), doc_dd, [sec_dd, doc_md, raw_code, where_md, current_path])
        sec_dd.input(lambda p, s: open_doc(p, s), [doc_dd, sec_dd], [sec_dd, doc_md, raw_code, where_md, current_path])
        home.click(lambda: (gr.update(value=None), *open_doc("")), None,
                   [doc_dd, sec_dd, doc_md, raw_code, where_md, current_path])
        alg_dd.change(describe, alg_dd, [alg_info, alg_params])
        alg_dd.input(describe, alg_dd, [alg_info, alg_params])
        alg_run.click(run_algorithm, [alg_dd, alg_params], [alg_metrics, alg_fig, alg_status])
        demo.load(on_load, None, [tabs, doc_dd, sec_dd, doc_md, raw_code, where_md, ready_md])
        demo.load(filter_choices, None, [kind_dd, topic_dd, docf_dd])
    return demo


def _fmt(v) -> str:
    if v is None:
        return ""
    try:
        return f"{float(v):.6g}"
    except (TypeError, ValueError):
        return str(v)


def add_figure_route(app) -> None:
    """``GET /figures/<name>.png``: a figure from the site build's cache (for the Browse tab's images)."""
    from fastapi.responses import FileResponse, JSONResponse

    @app.get(FIGURE_ROUTE + "{name}", include_in_schema=False)
    def figure(name: str):
        path = figures_dir(app.state.settings) / name
        if not _FIGURE_NAME.match(name) or not path.is_file():
            return JSONResponse({"error": f"no cached figure {name!r}; run 'mlnotes site build' to draw the "
                                          "chapters' figures"}, status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def mount_ui(app):
    import gradio as gr

    add_figure_route(app)
    blocks = build_blocks(app)
    return gr.mount_gradio_app(app, blocks, path="/", theme=_theme(), css=CSS, footer_links=["api"],
                               ssr_mode=False, show_error=False)
