from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and what is loaded")
def health(request: Request) -> dict:
    st = request.app.state
    index = getattr(st, "index", None)
    return {
        "status": "ok",
        "chunks": len(index.chunks) if index is not None else 0,
        "files": len(index.manifest.files) if index is not None else 0,
        "model": index.manifest.model_id if index is not None else None,
        "generator": getattr(st, "generator_name", "extractive"),
        "interview_questions": len(getattr(st.answerer, "bank", []) or []) if hasattr(st, "answerer") else 0,
    }
