"""The OpenAPI schema says what the API really does: every error status each operation can answer, in the
API's error shape (``{"error": "...", ...}``), and bearer auth only when ``MLNOTES_API_KEY`` is set (never on the
open liveness route)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "what went wrong and what to do"},
        "detail": {"type": "array", "items": {"type": "object"}, "description": "validation errors, one per field"},
        "reason": {"type": "string", "description": "demo runs: timeout, memory, input or error"},
    },
}

COMMON = {
    "400": "the query is invalid (empty, too long, unknown mode)",
    "404": "no such document, section, algorithm, session or route",
    "405": "the method is not allowed on this path",
    "413": "the request body is over 1 MB",
    "422": "a field is missing, of the wrong type or out of range",
    "500": "an internal error (a bug); the server logged it",
    "503": "the index is not available",
}
BY_PATH = {  # statuses only some operations answer
    "/api/algorithms/{name}/run": {"408": "the demo exceeded its time limit and was stopped",
                                   "429": "the demo slots are all busy; retry after the Retry-After seconds"},
}
BY_PREFIX = {
    "/api/corpus/": {"403": "the path leads outside the corpus", "415": "only Markdown (.md) files can be read"},
    "/api/interview/": {"401": "missing or wrong X-Interview-Token (or API key)",
                        "409": "the session is finished or the request conflicts with its state"},
}
AUTH = {"401": "missing or wrong API key"}
OPEN_PATHS = {"/api/health"}


def _response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def install_openapi(app: FastAPI, key_set: bool) -> None:
    def schema() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path, ops in spec.get("paths", {}).items():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                extra = {**COMMON, **BY_PATH.get(path, {})}
                for prefix, codes in BY_PREFIX.items():
                    if path.startswith(prefix):
                        extra.update(codes)
                if key_set and path not in OPEN_PATHS:
                    extra.update(AUTH)
                for status, text in extra.items():
                    if status not in responses or status == "422":  # 422: ours, not FastAPI's {"detail"} shape
                        responses[status] = _response(text)
                if not key_set or path in OPEN_PATHS:
                    op.pop("security", None)
        if not key_set:
            spec["components"].pop("securitySchemes", None)
        app.openapi_schema = spec
        return spec

    app.openapi = schema  # type: ignore[method-assign]
