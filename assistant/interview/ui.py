"""The Interview tab of the Gradio UI: start a session, answer, hint, skip, feedback with links, progress chart.

Called inside the ``gr.Tabs`` block of :func:`mlnotes.assistant.ui.build_blocks`. The token is kept in the browser's
local storage (``gr.BrowserState``) so progress survives a reload; it can also be pasted in.
"""

from __future__ import annotations

from typing import Any

# marks as text badges (styled in assistant/ui_assets.py): readable without an emoji font
OK = '<span class="mark mark-ok">covered</span>'
MISS = '<span class="mark mark-miss">missed</span>'
HINT = '<span class="mark mark-hint">hint</span>'
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]


def summary_markdown(summary: dict[str, Any]) -> str:
    """The finished session's summary: mean score and one line per question."""
    mean = summary.get("mean_score")
    head = (f"**Session finished:** {summary['answered']} of {summary['n']} answered"
            + (f", mean score {mean:.1f} / 10." if mean is not None else "."))
    rows = []
    for a in summary.get("answers", []):
        state = "skipped" if a["skipped"] else f"{a['score']:.1f} / 10, {a['covered']} of {a['key_points']} points"
        rows.append(f"{a['position']}. {a['question']} ({state})")
    return "\n\n".join([head, "\n".join(rows), "Start another session above, or look at your progress below."])


def feedback_markdown(fb: dict[str, Any]) -> str:
    """Feedback as Markdown: score, covered points with the sentence that covered them, missed points with a
    clickable citation, the model answer and the follow-up question."""
    where = (f"Feedback on question {fb['position']} of {fb['n']}: " if fb.get("position") and fb.get("n") else
             "Feedback: ")
    out = [f"#### {where}{fb.get('question', '')}".rstrip(": "),
           f"### Score {fb['score']:.1f} / 10" + (" (skipped)" if fb["skipped"] else "")]
    notes = {"echoes_question": "The answer restates the question; say what the answer *is*.",
             "keyword_stuffing": "The answer is a list of terms; write sentences that connect them.",
             "partly_fragments": "Some lines are lists of terms and were not counted.",
             "partly_echo": "Some sentences only restate the question and were not counted."}
    out += [f"> {notes.get(f, f)}" for f in fb.get("flags", [])]
    if fb["covered"]:
        out.append("**Covered**")
        out += [f"- {OK} {c['key_point']}  \n  _you said:_ “{c['evidence']}”" for c in fb["covered"]]
    if fb["missed"]:
        out.append("**Missed** (each links to the section that teaches it)")
        for m in fb["missed"]:
            ct = m["citation"]
            crumbs = " › ".join(ct["breadcrumbs"]) or ct["title"]
            wrong = (f"  \n  _you wrote:_ “{m['your_sentence']}” — {m['what_was_wrong']}"
                     if m.get("your_sentence") else "")
            out.append(f"- {MISS} {m['key_point']}{wrong}  \n  learn it: [{crumbs}]({ct['url']}) · "
                       f"`{ct['path']}:{ct['line_start']}-{ct['line_end']}`")
    ma = fb["model_answer"]
    out.append("**Model answer**\n\n" + " ".join(ma["short_answer"].split()))
    out.append("**Key points**\n" + "\n".join(f"- {k}" for k in ma["key_points"]))
    if fb.get("common_mistakes"):
        out.append("**Common mistakes**\n" + "\n".join(f"- {m}" for m in fb["common_mistakes"]))
    if fb.get("follow_up"):
        out.append(f"**The interviewer's follow-up:** {fb['follow_up']}")
    out.append(f"_Next review of this question in {fb['next_review_in_days']:g} day(s)._")
    return "\n\n".join(out)


def progress_figure(progress: dict[str, Any]):
    """A horizontal bar chart of the mean score per topic (weakest at the top)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    topics = progress.get("topics", [])
    fig, ax = plt.subplots(figsize=(6, max(1.8, 0.35 * len(topics) + 0.8)))
    if not topics:
        ax.text(0.5, 0.5, "no answers yet", ha="center", va="center")
        ax.set_axis_off()
        return fig
    names = [t["topic"] for t in topics][::-1]
    means = [t["mean_score"] for t in topics][::-1]
    ax.barh(names, means, color="#4c72b0")
    for y, (m, t) in enumerate(zip(means, topics[::-1])):
        ax.text(m + 0.1, y, f"{m:.1f} ({t['answers']})", va="center", fontsize=8)
    ax.set_xlim(0, 10.5)
    ax.set_xlabel("mean score (answers)")
    ax.set_title("Progress per topic")
    fig.tight_layout()
    return fig


def export_deck_file(service: Any, token: str, topics: list[str] | None, weak: bool) -> tuple[str | None, str]:
    """The Anki export behind the UI button: a deck of one chosen topic (the whole bank when none or several
    are chosen), or of the user's weak questions; returns (path of the .apkg or None, message)."""
    import tempfile
    from pathlib import Path

    from mlnotes.assistant.interview.service import is_user_error

    topic = topics[0] if topics and len(topics) == 1 else None
    path = Path(tempfile.mkdtemp(prefix="mlnotes-anki-")) / ("mlnotes-interview" + (f"-{topic}" if topic else "")
                                                            + ("-weak" if weak else "") + ".apkg")
    try:
        res = service.export_anki(path, topic=topic, token=token or None, weak=weak)
    except Exception as exc:
        if is_user_error(exc):
            return None, f"**{exc}**"
        raise
    return res["path"], f"Deck “{res['deck']}”: {res['notes']} note(s). Import it in Anki with File › Import."


def _question_md(view: dict[str, Any]) -> str:
    if view["finished"]:
        return "**Session finished.** Start another one, or look at your progress below."
    q = view["question"]
    return (f"**Question {q['position']} of {view['n']}** · {q['difficulty']} · {', '.join(q['topics'])}\n\n"
            f"### {q['text']}\n\n_A complete answer covers {q['key_points']} key points._")


def build_interview_tab(app: Any) -> None:
    import gradio as gr

    from mlnotes.assistant.interview.service import is_user_error, service_for_app

    def svc():
        return service_for_app(app)

    def topic_choices() -> list[str]:
        try:
            return list(svc().topics())
        except Exception:  # noqa: BLE001 - the tab still renders without a bank
            return []

    def ensure_token(token: str) -> str:
        token = (token or "").strip()
        if token:
            try:
                svc().store.user_for_token(token)
                return token
            except Exception:  # noqa: BLE001 - unknown or expired: issue a new one
                pass
        return svc().create_user()["token"]

    def err(exc: Exception) -> str:
        if is_user_error(exc):
            return f"**{exc}**"
        raise exc

    def start(token, topics, difficulty, n, weakest):
        try:
            token = ensure_token(token)
            view = svc().start(token, topics=topics or None, difficulty=difficulty, n=int(n), weakest=bool(weakest))
        except Exception as exc:  # noqa: BLE001
            return token, token, "", err(exc), "", "", gr.update()
        return token, token, view["session_id"], _question_md(view), "", "", progress_figure(svc().progress(token))

    def hint(token, sid):
        if not sid:
            return "Start a session first."
        try:
            h = svc().hint(token, sid)
        except Exception as exc:  # noqa: BLE001
            return err(exc)
        return f"{HINT} {h['hint']}" + (f" _({h['remaining']} more)_" if h["remaining"] else "")

    def submit(token, sid, text, skip=False):
        if not sid:
            return "Start a session first.", gr.update(), "", gr.update(), text
        try:
            fb = svc().skip(token, sid) if skip else svc().answer(token, sid, text)
            view = svc().current(token, sid)
        except Exception as exc:  # noqa: BLE001
            try:  # a finished session: show its summary in place of the question
                if svc().current(token, sid)["finished"]:
                    return err(exc), summary_markdown(svc().summary(token, sid)), "", gr.update(), text
            except Exception:  # noqa: BLE001 - fall through to the plain error
                pass
            return err(exc), gr.update(), "", gr.update(), text
        shown = _question_md(view)
        if view["finished"]:
            try:
                shown = summary_markdown(svc().summary(token, sid))
            except Exception:  # noqa: BLE001 - the plain "finished" line still tells the user what to do
                pass
        return (feedback_markdown(fb), shown, "", progress_figure(svc().progress(token)), "")

    def show_progress(token):
        token = (token or "").strip()
        if not token:
            return progress_figure({}), "No token yet: start a session."
        try:
            p = svc().progress(token)
        except Exception as exc:  # noqa: BLE001
            return progress_figure({}), err(exc)
        weak = ", ".join(p["weakest_topics"]) or "none yet"
        return progress_figure(p), f"{p['answers']} answer(s) so far; weakest topics: {weak}."

    stored = gr.BrowserState("", storage_key="mlnotes-interview-token")
    session_id = gr.State("")
    with gr.Row():
        topics = gr.Dropdown(choices=topic_choices(), multiselect=True, label="topics (empty: all)", scale=3, min_width=260,
                             elem_id="iv-topics")
        difficulty = gr.Dropdown(["any", "easy", "medium", "hard"], value="any", label="difficulty", scale=1)
        n = gr.Slider(1, 20, value=5, step=1, label="questions", scale=1)
        weakest = gr.Checkbox(label="weakest first", value=False, scale=1)
        start_btn = gr.Button("Start", variant="primary", scale=1, elem_id="iv-start")
    token = gr.Textbox(label="your interview token (kept in this browser; paste one to continue elsewhere)",
                       type="password", elem_id="iv-token")
    # the feedback on the previous answer sits above the next question, under its own heading
    feedback = gr.Markdown(elem_id="iv-feedback", latex_delimiters=LATEX)
    question_md = gr.Markdown("Choose topics and press **Start**.", elem_id="iv-question", latex_delimiters=LATEX)
    answer = gr.Textbox(label="your answer (Enter submits, Shift+Enter starts a new line)", lines=1, max_lines=15,
                        elem_id="iv-answer",
                        placeholder="Answer in a few full sentences, as you would say it in an interview.")
    with gr.Row():
        submit_btn = gr.Button("Submit answer", variant="primary", elem_id="iv-submit")
        hint_btn = gr.Button("Hint", elem_id="iv-hint")
        skip_btn = gr.Button("Skip", elem_id="iv-skip")
    hint_md = gr.Markdown(elem_id="iv-hint-text")
    with gr.Row():
        progress_btn = gr.Button("Show progress", scale=1)
        progress_md = gr.Markdown()
    plot = gr.Plot(label="progress per topic", elem_id="iv-progress")
    with gr.Row():
        anki_weak = gr.Checkbox(label="only my weak questions", value=False, scale=1)
        anki_btn = gr.Button("Export Anki deck (chosen topic, or all)", scale=2, elem_id="iv-anki")
        anki_file = gr.File(label="Anki deck", scale=2, elem_id="iv-anki-file")
    anki_md = gr.Markdown()

    start_btn.click(start, [token, topics, difficulty, n, weakest],
                    [token, stored, session_id, question_md, feedback, hint_md, plot])
    hint_btn.click(hint, [token, session_id], hint_md)
    submit_btn.click(submit, [token, session_id, answer], [feedback, question_md, hint_md, plot, answer])
    answer.submit(submit, [token, session_id, answer], [feedback, question_md, hint_md, plot, answer])
    skip_btn.click(lambda t, s, a: submit(t, s, a, skip=True), [token, session_id, answer],
                   [feedback, question_md, hint_md, plot, answer])
    progress_btn.click(show_progress, token, [plot, progress_md])
    anki_btn.click(lambda t, tp, w: export_deck_file(svc(), t, tp, w), [token, topics, anki_weak],
                   [anki_file, anki_md])
    # on page load (and whenever it changes) copy the token kept in the browser into the token box
    gr.on(triggers=None, fn=lambda v: v or gr.update(), inputs=[stored], outputs=[token])
