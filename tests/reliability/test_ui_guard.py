"""With MLNOTES_API_KEY set, the Gradio UI and every /gradio_api/* endpoint need the key (issue #18, item 1):
the bearer header or the session cookie set by the login page. /api/health stays open for liveness with no data."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.api.auth import COOKIE, session_token, valid_session

KEY = "s3cret-key"


@pytest.fixture()
def ui_client(settings, services):
    s = settings.model_copy(update={"api_key": KEY})
    with TestClient(create_app(s, services=services, with_ui=True), raise_server_exceptions=False,
                    follow_redirects=False) as c:
        yield c


def _run_endpoint(c, headers) -> str:
    """The run_algorithm endpoint of the Algorithms tab (its dropdown lists every demo; the chat's is empty)."""
    info = c.get("/gradio_api/info", headers=headers).json()["named_endpoints"]
    for name, spec in info.items():
        if name.startswith("/run_algorithm") and "ridge" in str(spec["parameters"][0]):
            return name.lstrip("/")
    raise AssertionError(f"no run_algorithm endpoint lists the ridge demo: {sorted(info)}")


def _call(c, name, data, headers=None):
    return c.post(f"/gradio_api/call/{name}", json={"data": data}, headers=headers or {})


def _result(c, name, event, headers=None):
    r = c.get(f"/gradio_api/call/{name}/{event}", headers=headers or {})
    return r.status_code, r.text


def test_gradio_endpoints_refused_without_the_key(ui_client):
    c = ui_client
    for path in ("/", "/config", "/gradio_api/info", "/theme.css", "/docsx", "/openapi.jsonx"):
        r = c.get(path)
        assert r.status_code == 401, path
    r = _call(c, "respond", ["What is ridge regression?", [], "hybrid"])
    assert r.status_code == 401 and "API key" in r.json()["error"]
    assert r.headers["www-authenticate"] == "Bearer"
    for name in ("run_algorithm", "run_algorithm_1"):
        assert _call(c, name, ["ridge", ""]).status_code == 401
    r = _call(c, "respond", ["x", [], "hybrid"], headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = c.post("/gradio_api/call/respond", json={"data": ["x", [], "hybrid"]},
               cookies={COOKIE: session_token("another-key")})
    assert r.status_code == 401
    # a browser asking for the page gets the login form instead of JSON
    r = c.get("/", headers={"accept": "text/html"})
    assert r.status_code == 401 and '<form id="login"' in r.text and KEY not in r.text


def test_gradio_endpoints_work_with_the_bearer_key(ui_client):
    c = ui_client
    auth = {"Authorization": f"Bearer {KEY}"}
    run_name = _run_endpoint(c, auth)
    r = _call(c, "respond", ["What is ridge regression?", [], "hybrid"], auth)
    assert r.status_code == 200, r.text
    status, text = _result(c, "respond", r.json()["event_id"], auth)
    assert status == 200 and "event: complete" in text and "ridge" in text.lower()
    r = _call(c, run_name, ["ridge", "alpha=1.0"], auth)
    assert r.status_code == 200, r.text
    status, text = _result(c, run_name, r.json()["event_id"], auth)
    assert status == 200 and "event: complete" in text


def test_login_sets_a_session_cookie_that_is_not_the_key(ui_client):
    c = ui_client
    assert c.get("/login").status_code == 200
    r = c.post("/login", data={"key": "wrong"})
    assert r.status_code == 401 and "Wrong key" in r.text and "set-cookie" not in r.headers
    r = c.post("/login", data={"key": KEY})
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and KEY not in cookie
    token = re.search(rf"{COOKIE}=([^;]+)", cookie).group(1)
    assert valid_session(KEY, token) and not valid_session("other", token)
    c.cookies.clear()
    c.cookies.set(COOKIE, token)
    r = _call(c, "respond", ["What is ridge regression?", [], "hybrid"])
    assert r.status_code == 200, r.text
    assert c.get("/").status_code == 200
    # a tampered or expired cookie is refused
    c.cookies.clear()
    c.cookies.set(COOKIE, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert _call(c, "respond", ["x", [], "hybrid"]).status_code == 401
    c.cookies.clear()
    c.cookies.set(COOKIE, session_token(KEY, issued=1))
    assert _call(c, "respond", ["x", [], "hybrid"]).status_code == 401
    # logout clears the cookie
    r = c.get("/logout")
    assert r.status_code == 303 and "Max-Age=0" in r.headers["set-cookie"]


def test_health_is_open_for_liveness_but_details_need_the_key(ui_client):
    c = ui_client
    r = c.get("/api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = c.get("/api/health", headers={"Authorization": "Bearer wrong"})
    assert r.json() == {"status": "ok"}
    r = c.get("/api/health", headers={"Authorization": f"Bearer {KEY}"})
    body = r.json()
    assert r.status_code == 200 and body["chunks"] > 0 and "index_version" in body
    # the other /api routes keep their bearer check; the cookie alone does not open them
    c.cookies.set(COOKIE, session_token(KEY))
    assert c.post("/api/search", json={"query": "ridge"}).status_code == 401


def test_docs_and_schema_stay_open(ui_client):
    assert ui_client.get("/docs").status_code == 200
    assert "/api/ask" in ui_client.get("/openapi.json").json()["paths"]


def test_no_key_means_no_guard(settings, services):
    with TestClient(create_app(settings, services=services, with_ui=True)) as c:
        assert c.get("/config").status_code == 200
        assert c.get("/api/health").json()["chunks"] > 0
