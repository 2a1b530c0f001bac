"""The web app in Chromium at laptop (1280x800) and phone (390x844) width, light and dark theme.

Each combination drives all four tabs: a chat answer (its start is in view afterwards; Run controls only with a
linked implementation), Browse (landing view, a section with its raw lines and their numbers, the collapsible
solution, wide tables scrolling inside their box), an algorithm run, and an interview answer whose feedback holds
rendered math. At phone width no tab hides in an overflow menu and the page never scrolls sideways. No console
errors, no request off loopback. A screenshot of each tab per combination is saved.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

COMBOS = [(1280, 800, "light"), (1280, 800, "dark"), (390, 844, "light"), (390, 844, "dark")]
TABS = ["Chat", "Browse", "Algorithms", "Interview"]


def _no_page_overflow(page):
    sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sw <= cw, f"the page scrolls sideways: {sw} px of content in {cw} px"


BOTS = "#chatbot .bot-row"


def _ask(page, question):
    before = page.locator(BOTS).count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")  # Enter sends
    # done = one more answer in the chat and the final status line (not the previous answer's)
    page.wait_for_function(
        """n => document.querySelectorAll('#chatbot .bot-row').length > n &&
               /source\\(s\\) in|No supported/.test(document.querySelector('#chat-status').innerText)""",
        arg=before)


@pytest.mark.parametrize("width,height,theme", COMBOS, ids=[f"{w}-{t}" for w, _, t in COMBOS])
def test_every_tab(ui_server, open_page, shots, width, height, theme):
    base, services = ui_server
    w = open_page(width, height, theme)
    page = w.page
    page.goto(f"{base}/?__theme={theme}")
    page.locator("#question textarea").wait_for()
    assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    page.locator("#ready-note").get_by_text("Index ready").wait_for()
    # every tab is a visible button (none hidden behind an overflow menu)
    for name in TABS:
        assert page.get_by_role("tab", name=name).is_visible(), f"tab {name} is not visible at {width} px"

    # ---- the theme button flips the theme (and back)
    page.locator("#theme-toggle").click()
    assert page.evaluate("document.body.classList.contains('dark')") == (theme != "dark")
    page.locator("#theme-toggle").click()
    assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")

    # ---- Chat: focus order question -> retrieval -> Ask; Shift+Enter is a new line, not a send
    box = page.locator("#question textarea")
    box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#mode') !== null")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask-button"
    box.fill("first line")
    box.press("Shift+Enter")
    box.type("second")
    assert box.input_value() == "first line\nsecond"
    assert page.locator("#chatbot").get_by_text("first line").count() == 0
    questions = ["What is the bias-variance trade-off?", "What does ridge regression do to the coefficients?"]
    seen_panel = set()
    for q in questions:
        expected = bool(services.answerer.answer(q).algorithms)  # the API's own list of linked implementations
        _ask(page, q)
        page.wait_for_timeout(300)
        last = page.locator("#chatbot [data-testid='bot']").last
        top = last.bounding_box()["y"]
        chat = page.locator("#chatbot").bounding_box()
        # the answer's start is in view, in the chat box and in the window (not scrolled to the source list)
        assert chat["y"] - 2 <= top <= chat["y"] + chat["height"] - 20, (top, chat)
        assert 0 <= top <= height - 20, top
        assert page.locator("#chat-run").is_visible() == expected, q
        seen_panel.add(expected)
        if not expected:
            assert not page.get_by_text("Choose an algorithm first").is_visible()
    assert seen_panel == {True, False}, "the two questions should differ in linked implementations"
    # a follow-up is read against the previous question, and the answer says how
    _ask(page, "and why does that matter?")
    page.locator("#chatbot [data-testid='bot']").last.get_by_text(
        "Read as: why does ridge regression matter?").wait_for()
    status = page.locator("#chat-status").inner_text()
    assert " ms" not in status and " s." in status
    page.locator("#chatbot").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"chat-{width}-{theme}.png"))
    if width < 600:
        _no_page_overflow(page)

    # ---- Browse: landing view, then a section with its raw lines
    page.get_by_role("tab", name="Browse").click()
    view = page.locator("#doc-view")
    view.get_by_text("Learning paths").first.wait_for()
    view.get_by_text("Corpus map").wait_for()
    assert page.locator("#doc-select input").input_value() == "", "no document is preselected on the start page"
    assert view.locator("a[href*='?doc=guides/ml-basics.md']").count() >= 1
    page.screenshot(path=str(shots / f"browse-landing-{width}-{theme}.png"))
    w.goto(f"{base}/?doc=chapters/01-wide.md&__theme={theme}")
    view.get_by_text("A chapter with a wide table").first.wait_for()
    # a wide table scrolls inside its box; the page itself does not
    table = view.locator("table").first
    sw, cw = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    if width < 600:
        assert sw > cw, "the wide table should scroll sideways at phone width"
        _no_page_overflow(page)
    assert view.locator(".katex").count() >= 1, "math not rendered in Browse"
    details = view.locator("details")
    assert details.count() == 1
    assert not details.get_by_text("sigmoid maps").is_visible()
    details.locator("summary").click()
    details.get_by_text("sigmoid maps").wait_for()
    page.screenshot(path=str(shots / f"browse-{width}-{theme}.png"), full_page=True)
    w.goto(f"{base}/?doc=guides/ml-basics.md&section=regularization&__theme={theme}")
    page.locator("#where").get_by_text("guides/ml-basics.md:").wait_for()
    where = page.locator("#where").inner_text()
    start, end = (int(x) for x in where.split("ml-basics.md:")[1].split()[0].split("-"))
    page.get_by_role("tab", name="Raw").click()
    numbers = page.locator("#raw-view .ln").all_inner_texts()
    assert [int(n) for n in numbers] == list(range(start, end + 1))
    assert "## Regularization" in page.locator("#raw-view").inner_text()
    page.screenshot(path=str(shots / f"browse-raw-{width}-{theme}.png"))

    # ---- Algorithms: run one, see the metrics beside the reference and the figure
    w.goto(f"{base}/?__theme={theme}")
    page.locator("#ready-note").get_by_text("Index ready").wait_for()
    page.get_by_role("tab", name="Algorithms").click()
    page.locator("#alg-select input").fill("ridge")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#alg-params textarea").wait_for()
    page.locator("#alg-info table").wait_for()
    page.locator("#alg-run").click()
    page.locator("#alg-figure img").wait_for(timeout=120_000)
    page.locator("#alg-status").get_by_text("Ran").wait_for()
    metrics = page.locator("#alg-metrics table")
    assert metrics.get_by_text("from scratch").count() >= 1 and metrics.locator("tbody tr").count() >= 1
    page.screenshot(path=str(shots / f"algorithms-{width}-{theme}.png"), full_page=True)
    if width < 600:
        _no_page_overflow(page)
    # every header of the parameter and metrics tables is on one line (not broken one letter per line)
    lines = page.evaluate("""() => [...document.querySelectorAll('#alg-info th, #alg-metrics th')].map(th => {
        const r = document.createRange(); r.selectNodeContents(th);
        return [th.innerText, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })""")
    assert lines and all(n == 1 for _, n in lines), lines

    # ---- Interview: start, answer, feedback with rendered math, marks as text
    page.get_by_role("tab", name="Interview").click()
    page.locator("#iv-topics input").click()
    page.locator("#iv-topics input").fill("probab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("#iv-start").click()
    page.locator("#iv-question").get_by_text("What does logistic regression model?").wait_for()
    ans = page.locator("#iv-answer textarea")
    ans.fill("It models the probability of the positive class given the features.")
    ans.press("Enter")  # Enter submits the answer
    fb = page.locator("#iv-feedback")
    fb.get_by_text("Feedback on question 1 of").wait_for()
    assert fb.locator(".katex").count() >= 1, "the model answer's LaTeX is not rendered"
    assert "\\sigma" not in fb.inner_text() and "$p(y" not in fb.inner_text()
    assert fb.locator(".mark-ok, .mark-miss").count() >= 1
    # the feedback is above the next question's heading (or the session summary), not under it
    assert fb.bounding_box()["y"] < page.locator("#iv-question").bounding_box()["y"]
    if width < 600:
        _no_page_overflow(page)
    page.screenshot(path=str(shots / f"interview-{width}-{theme}.png"), full_page=True)
    w.check_clean()
