"""Browser test: Playwright drives Debian's Chromium against a served instance on loopback.

Ask a question, see an answer with citations, click a citation and land on the section, run an algorithm and see
its figure. Screenshots go to ``artifacts/screenshots/``. In CI (``CI`` set) a missing browser fails the test;
elsewhere it is skipped with the command that installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, need_browser, serve

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server(services, tmp_path_factory, corpus_dir):
    need_browser()
    from mlnotes.assistant.api.app import create_app
    from mlnotes.assistant.settings import Settings

    settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path_factory.mktemp("x"),
                        data_dir=tmp_path_factory.mktemp("d"))
    app = create_app(settings, services=services, with_ui=True)
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        # the UI must work offline: fail on any request that leaves loopback
        outside: list[str] = []
        ctx.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                  if not route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")) else route.continue_())
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        pg.outside_requests = outside
        yield pg
        browser.close()


def test_ask_cite_click_and_run(server, page):
    page.goto(server + "/")
    page.get_by_placeholder("Ask about ML").fill("What does ridge regression do to the coefficients?")
    page.locator("#ask-button").click()
    page.get_by_text("Sources").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    answer = page.locator("#chatbot").inner_text()
    assert "[1]" in answer and "ml-basics.md" in answer

    # click the first citation: it opens the Browse tab on the cited section
    link = page.locator("#chatbot a[href*='?doc=']").first
    href = link.get_attribute("href")
    assert "section=" in href
    with page.context.expect_page() if link.get_attribute("target") == "_blank" else _same_page(page) as info:
        link.click()
    target = info.value
    target.wait_for_load_state()
    target.locator("#doc-view").get_by_text("Ridge regression adds an L2 penalty").wait_for()
    target.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)
    # landed on the cited section itself (its line span), not just the document
    where = target.locator("#where")
    where.get_by_text("guides/ml-basics.md:").wait_for()
    assert "section=" in where.inner_text() and "-" in where.inner_text().split("ml-basics.md:")[1]

    # run an algorithm from the Algorithms tab and see its figure
    page.goto(server + "/")
    page.get_by_role("tab", name="Algorithms").click()
    page.locator("#alg-select input").fill("ridge")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#alg-params textarea").wait_for()
    page.locator("#alg-run").click()
    page.locator("#alg-figure img").wait_for(timeout=90_000)
    page.locator("#alg-status").get_by_text("Ran").wait_for()
    assert page.locator("#alg-metrics").get_by_text("from scratch").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "algorithms.png"), full_page=True)
    assert not page.outside_requests, f"the UI requested non-local resources: {page.outside_requests[:5]}"


class _same_page:
    """Context manager mirroring ``expect_page`` when a link navigates the current page."""

    def __init__(self, page):
        self.page = page

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def value(self):
        return self.page
