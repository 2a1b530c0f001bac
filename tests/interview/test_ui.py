"""The Interview tab builds, and its feedback and progress renderers work on real service output."""

from __future__ import annotations

from types import SimpleNamespace

from mlnotes.assistant.interview.ui import build_interview_tab, feedback_markdown, progress_figure


def test_tab_builds_and_renders_feedback(make_service, tmp_path):
    import gradio as gr

    svc = make_service(tmp_path / "ui")
    app = SimpleNamespace(state=SimpleNamespace(interview=svc, settings=None))
    with gr.Blocks() as demo, gr.Tabs(), gr.Tab("Interview", id="interview"):
        build_interview_tab(app)
    assert demo.fns  # events were wired
    token = svc.create_user()["token"]
    sid = svc.start(token, topics=["linear-models"], n=1)["session_id"]
    fb = svc.answer(token, sid, "L1 regularization adds the sum of absolute weights and sets some weights to zero.")
    md = feedback_markdown(fb)
    assert f"### Score {fb['score']:.1f} / 10" in md and "**Model answer**" in md
    for m in fb["missed"]:
        assert f"]({m['citation']['url']})" in md  # each missed point links to its section
    fig = progress_figure(svc.progress(token))
    assert fig.axes[0].get_title() == "Progress per topic"
    assert progress_figure({}).axes


def test_ui_anki_export_button_function(make_service, tmp_path):
    import zipfile

    from mlnotes.assistant.interview.ui import export_deck_file

    svc = make_service(tmp_path / "ui-anki")
    path, msg = export_deck_file(svc, "", ["optimization"], False)
    assert path and path.endswith("-optimization.apkg") and "1 note(s)" in msg
    assert "collection.anki2" in zipfile.ZipFile(path).namelist()
    path, msg = export_deck_file(svc, "", [], True)  # weak questions need a token
    assert path is None and "token" in msg
