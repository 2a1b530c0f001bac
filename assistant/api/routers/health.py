"""``GET /api/health``: liveness for everyone, details for key holders.

The route is ``async`` and only reads what is already in memory, so it answers on the event loop even when every
worker thread is busy. With ``MLNOTES_API_KEY`` set and no (or a wrong) bearer key it says ``{"status": "ok"}`` and
nothing else; with the key, or when no key is set, it adds what is loaded and the index version served.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from mlnotes.assistant.api.auth import bearer_ok
from mlnotes.assistant.api.reload import index_version

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness (open); what is loaded and the index version (with the key, when set)")
async def health(request: Request) -> dict:
    st = request.app.state
    settings = getattr(st, "settings", None)
    key = settings.api_key if settings is not None else None
    if key and not bearer_ok(key, request.headers.get("authorization", "").encode("latin-1") or None):
        return {"status": "ok"}
    index = getattr(st, "index", None)
    info = index.describe() if index is not None else {}
    reloader = getattr(st, "reloader", None)
    return {
        "status": "ok",
        "backend": info.get("backend"),
        "chunks": info.get("chunks", 0),
        "files": info.get("files", 0),
        "model": info.get("model"),
        "index_version": info.get("version") or index_version(index),
        "reloading": bool(reloader is not None and reloader.busy),
        "last_reload": reloader.last if reloader is not None else None,
        "generator": getattr(st, "generator_name", "extractive"),
        "interview_questions": len(getattr(st.answerer, "bank", []) or []) if hasattr(st, "answerer") else 0,
    }
