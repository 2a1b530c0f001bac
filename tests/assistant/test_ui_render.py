"""The UI's rendering helpers: only a solution's details/summary pass as HTML, corpus links become deep links,
raw lines keep their file numbers, the Browse landing view lists the learning paths and every document."""

from __future__ import annotations

from html.parser import HTMLParser

from mlnotes.assistant.corpus import display_markdown, render_html
from mlnotes.assistant.interview.ui import feedback_markdown, summary_markdown
from mlnotes.assistant.ui import landing_markdown, raw_lines_html

SOLUTION = "Q?\n\n<details><summary>Solution</summary>\n\nIt is $a<b$.\n\n</details>\n"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    p = Tags()
    p.feed(html)
    return p.tags


def test_render_html_lets_only_details_and_summary_through():
    out = render_html(SOLUTION + "\n<script>alert(1)</script>\n\nA <b>bold</b> claim and `<i>` code.\n\n"
                      "<details onclick='x()'>no</details>\n")
    tags = _tags(out)
    assert tags.count("details") == 1 and tags.count("summary") == 1  # the attribute-carrying one is escaped
    assert "script" not in tags and "b" not in tags and "i" not in tags
    assert "&lt;script&gt;" in out and "<code>&lt;i&gt;</code>" in out


def test_display_markdown_escapes_tags_outside_code_and_links_corpus_files():
    text = ("<img src=x onerror=alert(1)> and `<kbd>`\n\n```html\n<div>kept in code</div>\n```\n" + SOLUTION
            + "See [vectors](../chapters/02-mathematics.md#vectors), [web](https://example.org/a.md) and "
              "[out](../../algorithms/x.md).")
    out = display_markdown(text, "guides/loss-functions.md")
    assert out.startswith("&lt;img src=x") and "`<kbd>`" in out and "<div>kept in code</div>" in out
    assert "<details><summary>Solution</summary>" in out and "</details>" in out
    assert "](/?doc=chapters/02-mathematics.md&section=vectors)" in out
    assert "](https://example.org/a.md)" in out and "](../../algorithms/x.md)" in out


def test_raw_lines_keep_the_file_line_numbers_and_escape():
    out = raw_lines_html(["## Ridge", "a <b> c"], 41)
    assert '<span class="ln">41</span>## Ridge' in out and '<span class="ln">42</span>a &lt;b&gt; c' in out


def test_landing_lists_paths_and_every_document(corpus_dir):
    (corpus_dir / "README.md").write_text("---\nid: readme\ntitle: Corpus\nkind: guide\n---\n\n# Corpus\n\n"
                                          "## Learning paths\n\n1. [Basics](guides/ml-basics.md)\n")
    try:
        md = landing_markdown(corpus_dir)
    finally:
        (corpus_dir / "README.md").unlink()
    assert "### Learning paths" in md and "](/?doc=guides/ml-basics.md)" in md
    for path in ("guides/ml-basics.md", "interview/linear-models.md", "README.md"):
        assert f"`{path}`" in md
    assert "### Corpus map" in md


def test_feedback_marks_are_text_and_heading_names_the_question():
    fb = {"score": 6.0, "skipped": False, "flags": [], "position": 2, "n": 3, "question": "Why $x$?",
          "covered": [{"key_point": "a", "evidence": "said a"}],
          "missed": [{"key_point": "b", "citation": {"breadcrumbs": ["S"], "title": "S", "url": "/?doc=x.md",
                                                    "path": "x.md", "line_start": 1, "line_end": 2}}],
          "model_answer": {"short_answer": "It is $p(y\\mid x)$.", "key_points": ["a", "b"]},
          "next_review_in_days": 1}
    md = feedback_markdown(fb)
    assert md.startswith("#### Feedback on question 2 of 3: Why $x$?")
    assert "mark-ok" in md and "mark-miss" in md
    assert all(ord(ch) < 0x2600 or 0x3000 <= ord(ch) for ch in md), "no emoji or dingbats"
    s = summary_markdown({"answered": 2, "n": 2, "mean_score": 5.0, "answers": [
        {"position": 1, "question": "Q1", "skipped": True, "score": 0, "covered": 0, "key_points": 2},
        {"position": 2, "question": "Q2", "skipped": False, "score": 10.0, "covered": 2, "key_points": 2}]})
    assert "mean score 5.0 / 10" in s and "1. Q1 (skipped)" in s and "2. Q2 (10.0 / 10, 2 of 2 points)" in s


def test_browse_shows_cached_figures_under_their_block(corpus_dir, tmp_path):
    """A figure cached by the site build (manifest keyed by the block's content hash, and its PNG) is shown as
    an image with its alt text right after the closing fence of the block that draws it; the route serves the
    PNG and refuses other names; with no cache the text is unchanged."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from mlnotes.assistant.corpus import load_doc
    from mlnotes.assistant.settings import Settings
    from mlnotes.assistant.site.figures import block_keys, cached_figures
    from mlnotes.assistant.ui import add_figure_route, figures_dir, with_figures
    from mlnotes.kb.coderun import runnable_blocks

    settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    doc = load_doc(corpus_dir, "guides/ml-basics.md")
    assert cached_figures(doc, figures_dir(settings)) == {}  # nothing built yet
    block = runnable_blocks(doc)[0]
    cache = figures_dir(settings)
    cache.mkdir(parents=True)
    fig = plt.figure(figsize=(1, 1))
    fig.savefig(cache / "f0.png")
    plt.close(fig)
    key = block_keys(runnable_blocks(doc))[0]
    (cache / f"{key}.json").write_text(json.dumps({"start": block.start, "figures": [
        {"file": "f0.png", "alt": "Three points [demo]"}]}), encoding="utf-8")

    figs = cached_figures(doc, cache)
    assert list(figs) == [block.start]
    shown = with_figures(doc, doc.body_start, len(doc.lines), figs).split("\n")
    at = block.end - doc.body_start  # the closing fence's index in the shown lines
    assert shown[at].startswith("```") and shown[at + 2] == "![Three points (demo)](/figures/f0.png)"
    assert display_markdown("\n".join(shown), "guides/ml-basics.md").count("![Three points (demo)](/figures/f0.png)")
    plain = "\n".join(doc.lines[doc.body_start - 1:])
    assert with_figures(doc, doc.body_start, len(doc.lines), {}) == plain

    app = FastAPI()
    app.state.settings = settings
    add_figure_route(app)
    with TestClient(app) as c:
        r = c.get("/figures/f0.png")
        assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert c.get("/figures/missing.png").status_code == 404
        assert c.get("/figures/..%2Fsecret.png").status_code == 404
        assert c.get(f"/figures/{key}.json").status_code == 404


def test_chat_reads_a_follow_up_against_the_earlier_user_messages_and_shows_the_reading():
    from mlnotes.assistant.ui import answer_with_reading, read_message

    history = [{"role": "user", "content": "What is dropout?"},
               {"role": "assistant", "content": "*Read as: nothing*\n\nDropout zeroes units [1]."},
               {"role": "user", "content": [{"type": "text", "text": "what about at inference time?"}]},
               {"role": "assistant", "content": "All units are kept [1]."}]
    r = read_message("and why does that matter?", history)
    assert r.follow_up and r.question == "why does dropout matter?"
    shown = answer_with_reading("Because [1].", r)
    assert shown.startswith("*Read as: why does dropout matter?*\n\n") and shown.endswith("Because [1].")
    alone = read_message("What is gradient boosting?", history)
    assert not alone.follow_up and answer_with_reading("Boosting [1].", alone) == "Boosting [1]."
    assert not read_message("and why does that matter?", []).follow_up
