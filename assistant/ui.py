"""The Gradio UI (Chat, Browse, Algorithms), mounted at ``/`` on the same FastAPI app as the REST API.

It calls the same in-process services as the API (``app.state``), so one process and one port serve both.
Offline by construction: system fonts only (no web-font requests), analytics disabled.
Deep links: ``/?doc=<corpus path>&section=<section id>`` opens the Browse tab on that section; every citation in
a chat answer is such a link.
"""


import io
import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

LATEX = [
    {"left": "$$", "right": "$$", "display": True},
    {"left": "$", "right": "$", "display": False},
]

CSS = """
.mlnotes-sources a { text-decoration: underline; }
#mlnotes-title { margin-bottom: 0; }
"""


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

    from algorithms import registry
    from assistant.answer import readable_citations
    from assistant.corpus import CorpusPathError, corpus_tree, find_section, load_doc, section_url, taught_in
    from assistant.runner import RunFailed, RunnerBusy
    from kb.index import QueryError

    settings = app.state.settings
    specs = registry.all_specs()
    alg_choices = [(f"{s.title} ({s.name})", s.name) for s in specs]

    def tree_choices():
        return [(f"{e.path} — {e.title}", e.path) for e in corpus_tree(settings.corpus_dir)]

    # ------------------------------------------------------------------ handlers
    def respond(message: str, history: list, mode: str):
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            yield history, "", gr.update(), "Type a question first."
            return
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": ""})
        try:
            events = app.state.answerer.stream(message, mode=mode)
            answer = None
            for ev in events:
                if ev["event"] == "delta":
                    history[-1]["content"] += ev["text"]
                    yield history, "", gr.update(), ""
                elif ev["event"] == "answer":
                    answer = ev["answer"]
            if answer is not None:
                history[-1]["content"] = answer["markdown"]
                algs = [(f"{a['title']} ({a['name']})", a["name"]) for a in answer["algorithms"]]
                status = (f"Answered from {len(answer['sources'])} source(s) in "
                          f"{answer['timings_ms'].get('total', 0):.0f} ms" if not answer["abstained"]
                          else "No supported answer found; closest sections shown.")
                yield (history, "", gr.update(choices=algs, value=algs[0][1] if algs else None,
                                             visible=bool(algs)), status)
        except QueryError as exc:
            history[-1]["content"] = f"**Cannot search:** {exc}"
            yield history, "", gr.update(), str(exc)

    def run_algorithm(name: str, params_text: str):
        if not name:
            return None, None, "Choose an algorithm first."
        try:
            params = _parse_params(params_text)
            res = app.state.runner.run(name, params)
        except (ValueError, registry.ParamError, registry.UnknownAlgorithmError) as exc:
            return None, None, f"**Cannot run:** {exc}"
        except RunnerBusy as exc:
            return None, None, f"**Busy:** {exc}"
        except RunFailed as exc:
            return None, None, f"**Run stopped ({exc.reason}):** {exc}"
        keys = sorted(set(res.metrics) | set(res.reference))
        rows = [[k, _fmt(res.metrics.get(k)), _fmt(res.reference.get(k))] for k in keys]
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
        where = taught_in(app.state.answerer.index.iter_chunks(), spec.path)[:6]
        if where:
            head += "  \nTaught in: " + " · ".join(f"[{' › '.join(w['breadcrumbs'][-2:])}]({w['url']})" for w in where)
        return head + "\n\n" + _param_help(spec), _param_text(spec)

    def open_doc(path: str, section: str | None = None):
        if not path:
            return gr.update(), "", "", "", ""
        try:
            doc = load_doc(settings.corpus_dir, path)
        except CorpusPathError as exc:
            return gr.update(choices=[]), f"**{exc}**", "", "", ""
        sections = [(("  " * (h.level - 1)) + h.text, h.slug) for h in doc.headings]
        raw = "\n".join(doc.lines)
        if section:
            try:
                sec = find_section(doc, section)
                shown = sec.markdown
                link = section_url(path, section)
                where = f"`{path}:{sec.line_start}-{sec.line_end}` · deep link: [{link}]({link})"
            except CorpusPathError as exc:
                shown, where = f"**{exc}**", ""
        else:
            shown = "\n".join(doc.lines[doc.body_start - 1 :])
            link = section_url(path)
            where = f"`{path}` · deep link: [{link}]({link})"
        return gr.update(choices=sections, value=section or None), readable_citations(shown), raw, where, path

    def on_load(request: gr.Request):
        qp = dict(request.query_params) if request is not None else {}
        doc, section = qp.get("doc"), qp.get("section")
        if doc:
            sec_update, shown, raw, where, path = open_doc(doc, section)
            return gr.Tabs(selected="browse"), gr.update(value=doc), sec_update, shown, raw, where
        return gr.Tabs(selected="chat"), gr.update(), gr.update(), gr.update(), gr.update(), gr.update()

    # ------------------------------------------------------------------ layout
    with gr.Blocks(title="ML/AI Notes", analytics_enabled=False) as demo:
        gr.Markdown("## ML/AI Notes — an offline ML/AI knowledge base with cited answers", elem_id="mlnotes-title")
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(label="Answers with citations", height=460, latex_delimiters=LATEX,
                                     elem_id="chatbot", buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask about ML: e.g. 'What is the bias-variance trade-off?'",
                                          show_label=False, scale=6, elem_id="question", max_length=2000)
                    mode = gr.Dropdown(["hybrid", "bm25", "dense"], value=settings.default_mode, label="retrieval",
                                       scale=1, min_width=110)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                    stop = gr.Button("Stop", scale=1, min_width=70)
                chat_status = gr.Markdown(elem_id="chat-status")
                with gr.Row():
                    chat_alg = gr.Dropdown(label="Linked implementation", choices=[], visible=False, scale=3,
                                           elem_id="chat-algorithm")
                    chat_params = gr.Textbox(label="parameters (name=value per line)", lines=3, scale=3)
                    chat_run = gr.Button("Run", scale=1, elem_id="chat-run")
                with gr.Row():
                    chat_metrics = gr.Dataframe(headers=["metric", "from scratch", "reference"], interactive=False,
                                                scale=1)
                    chat_fig = gr.Image(label="figure", type="pil", scale=1, elem_id="chat-figure")
                chat_run_status = gr.Markdown()
            with gr.Tab("Browse", id="browse"):
                with gr.Row():
                    doc_dd = gr.Dropdown(label="document", choices=tree_choices(), scale=3, elem_id="doc-select")
                    sec_dd = gr.Dropdown(label="section", choices=[], scale=3, elem_id="section-select")
                where_md = gr.Markdown(elem_id="where")
                with gr.Tab("Rendered"):
                    doc_md = gr.Markdown(latex_delimiters=LATEX, elem_id="doc-view", header_links=True)
                with gr.Tab("Raw"):
                    raw_code = gr.Code(language="markdown", interactive=False, elem_id="raw-view")
                current_path = gr.State("")
            with gr.Tab("Algorithms", id="algorithms"):
                with gr.Row():
                    alg_dd = gr.Dropdown(label="algorithm", choices=alg_choices, scale=3, elem_id="alg-select")
                    alg_run = gr.Button("Run", variant="primary", scale=1, elem_id="alg-run")
                alg_info = gr.Markdown()
                alg_params = gr.Textbox(label="parameters (name=value per line)", lines=4, elem_id="alg-params")
                with gr.Row():
                    alg_metrics = gr.Dataframe(headers=["metric", "from scratch", "reference"], interactive=False,
                                               elem_id="alg-metrics")
                    alg_fig = gr.Image(label="figure", type="pil", elem_id="alg-figure")
                alg_status = gr.Markdown(elem_id="alg-status")
            with gr.Tab("Interview", id="interview"):
                from assistant.interview.ui import build_interview_tab

                build_interview_tab(app)

        ask_evt = send.click(respond, [question, chatbot, mode], [chatbot, question, chat_alg, chat_status])
        submit_evt = question.submit(respond, [question, chatbot, mode], [chatbot, question, chat_alg, chat_status])
        stop.click(None, None, None, cancels=[ask_evt, submit_evt])
        chat_alg.change(lambda n: describe(n)[1] if n else "", chat_alg, chat_params)
        chat_run.click(run_algorithm, [chat_alg, chat_params], [chat_metrics, chat_fig, chat_run_status])
        doc_dd.input(lambda p: open_doc(p, None), doc_dd, [sec_dd, doc_md, raw_code, where_md, current_path])
        sec_dd.input(lambda p, s: open_doc(p, s), [doc_dd, sec_dd], [sec_dd, doc_md, raw_code, where_md, current_path])
        alg_dd.change(describe, alg_dd, [alg_info, alg_params])
        alg_dd.input(describe, alg_dd, [alg_info, alg_params])
        alg_run.click(run_algorithm, [alg_dd, alg_params], [alg_metrics, alg_fig, alg_status])
        demo.load(on_load, None, [tabs, doc_dd, sec_dd, doc_md, raw_code, where_md])
    return demo


def _fmt(v) -> str:
    if v is None:
        return ""
    try:
        return f"{float(v):.6g}"
    except (TypeError, ValueError):
        return str(v)


def mount_ui(app):
    import gradio as gr

    blocks = build_blocks(app)
    return gr.mount_gradio_app(app, blocks, path="/", theme=_theme(), css=CSS, footer_links=["api"],
                               ssr_mode=False, show_error=False)
