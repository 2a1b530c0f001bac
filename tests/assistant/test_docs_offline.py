"""/docs and /redoc load their JavaScript and CSS from this server, never a CDN (the browser test renders them)."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("page,assets", [("/docs", ["swagger-ui-bundle.js", "swagger-ui.css"]),
                                         ("/redoc", ["redoc.standalone.js"])])
def test_docs_pages_use_local_assets(client, page, assets):
    r = client.get(page)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    urls = re.findall(r'(?:src|href)="([^"]+)"', r.text) + re.findall(r"url: '([^']+)'", r.text)
    assert urls and all(u.startswith("/") for u in urls), urls  # same origin only
    for name in assets:
        assert f"/docs-assets/{name}" in urls
        asset = client.get(f"/docs-assets/{name}")
        assert asset.status_code == 200 and len(asset.content) > 10_000
    assert "fonts.googleapis" not in r.text and "cdn.jsdelivr" not in r.text


def test_redoc_script_draws_no_logo_from_its_cdn(client):
    js = client.get("/docs-assets/redoc.standalone.js").text
    assert "cdn.redoc.ly/redoc/logo-mini.svg" not in js and '"/docs-assets/favicon.png"' in js


def test_operation_ids_are_readable_and_unique(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and len(ids) >= 20
    assert not [i for i in ids if "_api_" in i or i.endswith(("_get", "_post")) and i not in ("search_get",
                                                                                             "search_post")]
    assert {"ask", "ask_stream", "search_post", "run", "health", "live"} <= set(ids)
