"""Every API error is an RFC 9457 problem details object, served as ``application/problem+json``.

The standard members: ``type`` (``about:blank``: the status code says it all), ``title`` (the status code's
phrase), ``status`` and ``detail`` (what went wrong and what to do). Extension members carry the rest: ``error``
repeats ``detail`` (the field clients of earlier versions read), ``errors`` lists the fields of a validation
failure, ``field``/``value``/``valid`` name a bad filter value, ``reason`` classifies a failed demo run.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_MEDIA_TYPE = "application/problem+json"


def title_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem object for ``status`` with the message ``detail`` (extension members in ``extra``)."""
    reserved = {"type", "title", "status", "detail"}
    return {"type": "about:blank", "title": title_of(status), "status": status, "detail": detail,
            "error": detail, **{k: v for k, v in extra.items() if k not in reserved}}


def problem_bytes(status: int, detail: str, **extra: Any) -> bytes:
    """The problem object as the bytes of a response body (for the raw ASGI and socket layers)."""
    return json.dumps(problem_body(status, detail, **extra)).encode()


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> ProblemResponse:
    """A problem details response."""
    return ProblemResponse(problem_body(status, detail, **extra), status_code=status, headers=headers)


# the schema of the problem object, for the OpenAPI document (assistant/api/openapi.py)
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the problem type; about:blank = see the status"},
        "title": {"type": "string", "description": "the status code's phrase"},
        "status": {"type": "integer", "description": "the HTTP status code"},
        "detail": {"type": "string", "description": "what went wrong and what to do"},
        "error": {"type": "string", "description": "the same as detail (kept for clients of earlier versions)"},
        "errors": {"type": "array", "items": {"type": "object"}, "description": "validation errors, one per field"},
        "reason": {"type": "string", "description": "demo runs: timeout, memory, input or error"},
        "field": {"type": "string", "description": "a bad filter: its name"},
        "value": {"type": "string", "description": "a bad filter: the value sent (cut to 200 characters)"},
        "valid": {"type": "array", "items": {"type": "string"}, "description": "a bad filter: the valid values"},
    },
}
