from __future__ import annotations

import ast

from fastapi import APIRouter

from algorithms import registry
from assistant.api.deps import AnswererDep, RunnerDep
from assistant.api.schemas import AlgorithmDetail, AlgorithmOut, RunOut, RunRequest

router = APIRouter(prefix="/algorithms", tags=["algorithms"])


@router.get("", response_model=list[AlgorithmOut], summary="Every registered algorithm")
def list_algorithms() -> list[dict]:
    return [s.to_dict() for s in registry.all_specs()]


@router.get("/{name}", response_model=AlgorithmDetail, summary="One algorithm: parameters and docstring")
def describe(name: str, answerer: AnswererDep) -> dict:
    spec = registry.get(name)
    path = registry.REPO_ROOT / spec.path
    doc = ""
    if path.exists():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return {**spec.to_dict(), "docstring": doc, "taught_in": taught_in(answerer, spec.path)}


def taught_in(answerer, path: str) -> list[dict]:
    """Corpus sections whose text links to this implementation (the corpus is the source of that mapping)."""
    out, seen = [], set()
    for c in answerer.index.chunks:
        if path in c.algorithms and (c.doc_id, c.section_id) not in seen:
            seen.add((c.doc_id, c.section_id))
            out.append({"doc_id": c.doc_id, "section_id": c.section_id, "breadcrumbs": c.breadcrumbs,
                        "path": c.path, "line_start": c.line_start, "line_end": c.line_end,
                        "url": answerer.section_url(c.path, c.section_id)})
    return out


@router.post("/{name}/run", response_model=RunOut, summary="Run the demo in a sandboxed process")
def run(name: str, req: RunRequest, runner: RunnerDep) -> dict:
    return runner.run(name, req.params).to_dict()
