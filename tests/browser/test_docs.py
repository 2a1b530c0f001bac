"""/docs (Swagger UI) and /redoc render in Chromium with every request off loopback aborted (the page would
stay blank if its JavaScript came from a CDN)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_offline(ui_server, open_page, shots):
    url, _ = ui_server
    w = open_page(1280, 800, "light")
    w.page.goto(f"{url}/docs")
    w.page.wait_for_selector(".swagger-ui .opblock-summary-path")  # operations drawn from /openapi.json
    paths = w.page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/ask" in paths and "/api/search" in paths
    w.page.screenshot(path=str(shots / "docs.png"))
    w.check_clean()


def test_redoc_renders_offline(ui_server, open_page, shots):
    url, _ = ui_server
    w = open_page(1280, 800, "light")
    w.page.goto(f"{url}/redoc")
    w.page.wait_for_selector("redoc h1")  # the API title, drawn by Redoc's script
    assert "ML/AI Notes" in w.page.locator("redoc h1").first.inner_text()
    w.page.get_by_text("/api/ask").first.wait_for()
    w.page.screenshot(path=str(shots / "redoc.png"))
    w.check_clean()
