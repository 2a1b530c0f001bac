from __future__ import annotations

import ast

from fastapi import APIRouter

from mlnotes.algorithms import registry
from mlnotes.assistant.api.deps import AnswererDep, RunnerDep
from mlnotes.assistant.api.schemas import AlgorithmDetail, AlgorithmOut, RunOut, RunRequest
from mlnotes.assistant.corpus import taught_in

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
    return {**spec.to_dict(), "docstring": doc,
            "taught_in": taught_in(answerer.index.iter_chunks(), spec.path, answerer.link_base)}


@router.post("/{name}/run", response_model=RunOut, summary="Run the demo in a sandboxed process")
def run(name: str, req: RunRequest, runner: RunnerDep) -> dict:
    return runner.run(name, req.params).to_dict()
