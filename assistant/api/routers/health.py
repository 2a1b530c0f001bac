from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and what is loaded")
def health(request: Request) -> dict:
    st = request.app.state
    index = getattr(st, "index", None)
    info = index.describe() if index is not None else {}
    return {
        "status": "ok",
        "backend": info.get("backend"),
        "chunks": info.get("chunks", 0),
        "files": info.get("files", 0),
        "model": info.get("model"),
        "generator": getattr(st, "generator_name", "extractive"),
        "interview_questions": len(getattr(st.answerer, "bank", []) or []) if hasattr(st, "answerer") else 0,
    }
