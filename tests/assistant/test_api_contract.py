"""The API answers every /api request itself: a body over the limit is a 413, an unknown path a 404 and a known
path with another method a 405, each in the API's error shape (issue #18, item 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mlnotes.assistant.api.app import MAX_BODY_BYTES, create_app


def test_oversized_bodies_are_refused_before_parsing(settings, services):
    with TestClient(create_app(settings, services=services, with_ui=False), raise_server_exceptions=False) as c:
        big = "x" * (MAX_BODY_BYTES + 10)
        r = c.post("/api/ask", content=f'{{"question": "{big}"}}', headers={"content-type": "application/json"})
        assert r.status_code == 413 and "request body is over" in r.json()["error"]

        def chunks():  # no Content-Length: the body is streamed and counted
            for _ in range(12):
                yield b"y" * 100_000

        r = c.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        ok = c.post("/api/ask", json={"question": "What is ridge regression?"})
        assert ok.status_code == 200


def test_unknown_api_paths_and_methods_get_the_api_error_shape(settings, services):
    with TestClient(create_app(settings, services=services, with_ui=True), raise_server_exceptions=False) as c:
        r = c.get("/api/no-such-route")
        assert r.status_code == 404 and "no API route /api/no-such-route" in r.json()["error"]
        r = c.get("/api/ask")  # ask is POST only
        assert r.status_code == 405 and "POST" in r.headers["allow"] and "use POST" in r.json()["error"]
        assert c.get("/api/health").status_code == 200
