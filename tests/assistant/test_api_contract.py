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


def _is_problem(r, status: int) -> dict:
    """RFC 9457: the media type, the four standard members consistent with the response, ``error`` = ``detail``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    assert isinstance(body["detail"], str) and body["detail"] and body["error"] == body["detail"]
    return body


def test_every_error_is_a_problem_details_object(settings, services):
    from http import HTTPStatus

    with TestClient(create_app(settings, services=services, with_ui=True), raise_server_exceptions=False) as c:
        assert _is_problem(c.get("/api/no-such-route"), 404)["title"] == HTTPStatus(404).phrase
        _is_problem(c.get("/api/ask"), 405)
        _is_problem(c.post("/api/ask", content=b"x" * (MAX_BODY_BYTES + 10),
                           headers={"content-type": "application/json"}), 413)
        body = _is_problem(c.post("/api/ask", json={"question": 3}), 422)
        assert body["errors"] and body["errors"][0]["loc"]  # the field-level list, an extension member
        _is_problem(c.get("/api/search", params={"q": "   "}), 400)
        body = _is_problem(c.get("/api/search", params={"q": "ridge", "kind": "nope"}), 422)
        assert body["field"] == "kind" and "guide" in body["valid"]
        _is_problem(c.get("/api/algorithms/no-such-demo"), 404)
        _is_problem(c.get("/api/corpus/raw", params={"path": "../etc/passwd"}), 400)
    # the schema documents the same object for every error response
    spec = create_app(settings, services=services, with_ui=False).openapi()
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"type", "title", "status", "detail"}
    for path, ops in spec["paths"].items():
        for op in ops.values():
            for status, resp in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(resp["content"]) == ["application/problem+json"], (path, status)
