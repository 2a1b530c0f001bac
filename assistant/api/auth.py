"""The API key guard for everything outside ``/api``: the Gradio UI and its ``/gradio_api/*`` endpoints.

When ``MLNOTES_API_KEY`` is set, a request to the UI is let through only with

* ``Authorization: Bearer <key>`` (scripts, the Gradio Python client), or
* the session cookie set by the login page: ``<issued>.<hmac>``, where ``hmac`` is HMAC-SHA256 keyed with the API
  key over ``session:<issued>`` (the cookie never holds the key; changing the key ends every session). It is
  ``HttpOnly`` and ``SameSite=Strict`` and expires after :data:`SESSION_MAX_AGE_S`.

Every comparison is constant-time (:func:`hmac.compare_digest`). A browser page request without either gets the
login page (``GET /login`` shows it, ``POST /login`` with the form field ``key`` checks it); any other request a 401
in the API's error shape. ``/api`` routes keep their own bearer check (:func:`mlnotes.assistant.api.deps.require_api_key`);
``/docs`` and ``/openapi.json`` (the schema, no data) stay open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

COOKIE = "mlnotes_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600
OPEN_PATHS = {"/api", "/docs", "/docs/oauth2-redirect", "/openapi.json"}  # and everything under /api/


def session_token(key: str, issued: int | None = None) -> str:
    issued = int(time.time()) if issued is None else issued
    mac = hmac.new(key.encode(), f"session:{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac}"


def valid_session(key: str, token: str | None, now: float | None = None) -> bool:
    if not token or "." not in token:
        return False
    issued, _, _mac = token.partition(".")
    if not issued.isdigit() or len(issued) > 12:
        return False
    age = (time.time() if now is None else now) - int(issued)
    if not -60 <= age <= SESSION_MAX_AGE_S:
        return False
    return hmac.compare_digest(session_token(key, int(issued)).encode(), token.encode())


def bearer_ok(key: str, header: bytes | None) -> bool:
    if not header:
        return False
    scheme, _, value = header.decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), key.encode())


def _cookie(headers: dict[bytes, bytes]) -> str | None:
    raw = headers.get(b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed Cookie header is just no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ML/AI Notes: sign in</title>
<style>
body {{ font-family: ui-sans-serif, system-ui, sans-serif; display: flex; justify-content: center; margin: 0;
       padding-top: 12vh; background: #f7f7f8; color: #1f2328; }}
form {{ background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 24px; width: min(360px, 90vw); }}
h1 {{ font-size: 1.25rem; margin: 0 0 12px; }}
label {{ display: block; margin-bottom: 6px; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 1rem; margin-bottom: 12px; }}
button {{ padding: 8px 16px; font-size: 1rem; }}
.err {{ color: #b42318; }}
</style></head>
<body><form id="login" method="post" action="/login">
<h1>ML/AI Notes</h1>
<p>This server needs its API key (<code>MLNOTES_API_KEY</code>).</p>
{message}
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form></body></html>
"""


class UIGuard:
    """ASGI middleware: the API key guard for the UI (see the module docstring). Inactive without a key."""

    def __init__(self, app: Any, key: str) -> None:
        self.app, self.key = app, key

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if scope["type"] == "http" and path in ("/login", "/logout"):
            return await self._login(scope, receive, send)
        if path.startswith("/api/") or path in OPEN_PATHS:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if bearer_ok(self.key, headers.get(b"authorization")) or valid_session(self.key, _cookie(headers)):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        if scope.get("method") == "GET" and b"text/html" in headers.get(b"accept", b""):
            return await self._page(send, 401, "")
        return await self._json(send, 401, "missing or wrong API key; sign in at /login or send "
                                           "'Authorization: Bearer <key>'")

    async def _login(self, scope, receive, send) -> None:
        if scope["path"] == "/logout":
            return await self._redirect(send, "/login", f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
        if scope["method"] == "GET":
            return await self._page(send, 200, "")
        if scope["method"] != "POST":
            return await self._json(send, 405, f"{scope['method']} is not allowed on /login; use GET or POST")
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            body += message.get("body", b"")
            if len(body) > 10_000:
                return await self._json(send, 413, "the login form is over 10000 bytes; send only the key")
            if not message.get("more_body"):
                break
        fields = parse_qs(body.decode("utf-8", "replace"))
        given = (fields.get("key") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.key.encode()):
            return await self._page(send, 401, '<p class="err" role="alert">Wrong key; try again.</p>')
        cookie = (f"{COOKIE}={session_token(self.key)}; Path=/; Max-Age={SESSION_MAX_AGE_S}; HttpOnly; "
                  "SameSite=Strict")
        return await self._redirect(send, "/", cookie)

    @staticmethod
    async def _respond(send, status: int, body: bytes, ctype: bytes, extra: list | None = None) -> None:
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-store")] + (extra or [])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _page(self, send, status: int, message: str) -> None:
        await self._respond(send, status, LOGIN_PAGE.format(message=message).encode(), b"text/html; charset=utf-8")

    async def _json(self, send, status: int, error: str) -> None:
        extra = [(b"www-authenticate", b"Bearer")] if status == 401 else None
        await self._respond(send, status, json.dumps({"error": error}).encode(),
                            b"application/json", extra)

    async def _redirect(self, send, location: str, cookie: str) -> None:
        await self._respond(send, 303, b"", b"text/plain", [(b"location", location.encode()),
                                                           (b"set-cookie", cookie.encode())])
