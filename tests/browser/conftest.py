"""One served instance and one Chromium for the whole browser suite.

The server runs the real app (API + Gradio UI) in a thread on loopback over the fixture corpus, extended here with
what the UI must show: a README with learning paths, a chapter with a wide table, display math and a collapsible
solution, and an interview question whose model answer holds LaTeX. Embeddings come from the hashing embedder
of the kb tests (no model load), the interview grader runs without a model.

Every page of the suite records console errors and requests that leave loopback (aborted by route
interception); the tests assert both lists are empty. Screenshots go to ``artifacts/browser/`` (git-ignored), or
to ``$MLNOTES_SCREENSHOTS`` when set (``scripts/screenshots.py`` uses that).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, need_browser, serve

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"
LOCAL = ("http://127.0.0.1", "data:", "blob:", "about:")

README = """---
id: corpus-readme
title: "The corpus"
kind: guide
topics: [ml-fundamentals]
level: beginner
---

# The corpus

## Learning paths

**Beginner:** the foundations first.

1. [Machine learning basics](guides/ml-basics.md): bias, variance and regularization.
2. [Wide tables](chapters/01-wide.md#exercises): the chapter with exercises.
"""

CHAPTER = """---
id: wide-chapter
title: "A chapter with a wide table"
kind: chapter
topics: [ml-fundamentals]
level: beginner
---

# A chapter with a wide table

## Comparison

| model | training cost per epoch | inference latency on a laptop | memory footprint in megabytes | best for | notes |
| --- | --- | --- | --- | --- | --- |
| logistic regression with L2 penalty | O(n d) | microseconds per example | under one | tabular baselines | calibrated probabilities |
| gradient-boosted decision trees | O(n d log n) | tens of microseconds | tens | tabular data | strong default |

The logistic model is $$p(y=1 \\mid x) = \\sigma(w^\\top x + b).$$

```python
very_long_line_of_code = some_function_with_a_long_name(argument_one, argument_two, argument_three, argument_four)
```

## Exercises

1. Why does the logistic model output a probability?

<details><summary>Solution</summary>

Because the sigmoid maps every real score into $(0, 1)$.

</details>
"""

INTERVIEW = """---
id: interview-logistic
title: "Interview questions: logistic regression"
kind: interview
topics: [probability]
level: intermediate
---

# Interview questions: logistic regression

## What does logistic regression model?

**ID:** `log-what` · **Difficulty:** easy · **Topics:** probability

### Short answer
It models the conditional probability $p(y\\mid x) = \\sigma(w^\\top x)$ of the positive class with a sigmoid of a
linear score.

### Key points
- It models the probability of the positive class given the features
- The probability is a sigmoid of a linear function of the features
- It is trained by minimizing the log loss

### Explanation
The log loss is convex in the weights.

### Common mistakes
- Calling it a regression model for continuous targets

### Follow-ups
- How would you handle more than two classes?

### Learn more
- [Regularization](../guides/ml-basics.md#regularization)
"""


@pytest.fixture(scope="session")
def ui_corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ui") / "corpus"
    shutil.copytree(FIXTURE, d)
    (d / "README.md").write_text(README)
    (d / "chapters").mkdir(exist_ok=True)
    (d / "chapters" / "01-wide.md").write_text(CHAPTER)
    (d / "interview" / "logistic.md").write_text(INTERVIEW)
    return d


@pytest.fixture(scope="session")
def ui_server(ui_corpus, tmp_path_factory):
    need_browser()
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.api.app import create_app
    from mlnotes.assistant.interview.grader import Grader
    from mlnotes.assistant.interview.service import InterviewService
    from mlnotes.assistant.interview.store import Store
    from mlnotes.assistant.runner import DemoRunner
    from mlnotes.assistant.services import Services
    from mlnotes.assistant.settings import Settings
    from mlnotes.kb.index import Index
    from mlnotes.kb.interview import load_bank
    from tests.kb.fakes import HashingEmbedder

    index, _ = Index.build(ui_corpus, tmp_path_factory.mktemp("uii") / "index", embedder=HashingEmbedder())
    bank = load_bank(ui_corpus)
    answerer = Answerer(index, ui_corpus, bank=bank, abstain_threshold=0.05, interview_threshold=0.95)
    data = tmp_path_factory.mktemp("uid")
    interview = InterviewService(bank, Store(data), Grader(None), index=index, link=answerer.section_url)
    services = Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=1, timeout_s=120),
                        interview=interview)
    settings = Settings(corpus_dir=ui_corpus, index_dir=tmp_path_factory.mktemp("uix"), data_dir=data)
    app = create_app(settings, services=services, with_ui=True)
    with serve(app) as url:
        yield url, services
    interview.close()


@pytest.fixture(scope="module")  # not session: a sync Playwright left open would break later browser tests
def browser(ui_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    d = Path(os.environ.get("MLNOTES_SCREENSHOTS") or ROOT / "artifacts" / "browser")
    d.mkdir(parents=True, exist_ok=True)
    return d


# what a page logs when it is left while a Gradio event stream is open: the browser's abort of the stream body, Gradio's
# "Connection errored out", and the AbortError of the Gradio client's own close(), which its page calls on
# `beforeunload` and which aborts the stream's AbortController without a reason (gradio 6's client: `close()` ->
# `abort_controller.abort()`); seen once in about fifteen runs of test_every_tab on a loaded machine
NAVIGATION_ABORTS = ("BodyStreamBuffer was aborted", "Connection errored out", "signal is aborted without reason")


class Watched:
    """A page with the console errors and the outside requests seen so far."""

    def __init__(self, ctx, page):
        self.ctx, self.page = ctx, page
        self.errors: list[str] = []
        self.outside: list[str] = []

    def goto(self, url: str) -> None:
        """Leave the current page for ``url``.

        A Gradio event stream still open when a page unloads is aborted by the browser itself, which logs
        "AbortError: BodyStreamBuffer was aborted" and Gradio's "Connection errored out" (seen on a loaded
        machine, where the last event of an answer is still in flight), and the Gradio client's ``close()`` on
        ``beforeunload`` aborts its stream without a reason ("AbortError: signal is aborted without reason").
        Those lines (:data:`NAVIGATION_ABORTS`), logged while this navigation runs, are the navigation's doing and
        are dropped; every other error stays.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        try:  # give a finishing stream the chance to close on its own
            self.page.wait_for_load_state("networkidle", timeout=5_000)
        except PlaywrightTimeoutError:
            pass
        n = len(self.errors)
        self.page.goto(url)
        self.page.wait_for_timeout(200)  # console events of the old page arrive asynchronously
        self.errors[n:] = [e for e in self.errors[n:] if not any(m in e for m in NAVIGATION_ABORTS)]

    def check_clean(self):
        assert not self.outside, f"the UI requested non-local resources: {self.outside[:5]}"
        assert not self.errors, f"console errors: {self.errors[:5]}"


@pytest.fixture()
def open_page(browser):
    made: list[Watched] = []

    def make(width: int, height: int, theme: str) -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
        page = ctx.new_page()
        w = Watched(ctx, page)

        def route(r):
            if r.request.url.startswith(LOCAL):
                return r.continue_()
            w.outside.append(r.request.url)
            return r.abort()

        ctx.route("**/*", route)
        page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(str(e)))
        page.set_default_timeout(60_000)
        made.append(w)
        return w

    yield make
    for w in made:
        w.ctx.close()
