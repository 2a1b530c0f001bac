"""FastAPI dependencies, as ``Annotated`` aliases. Services live on ``app.state`` (set in the lifespan);
tests swap them with ``app.dependency_overrides``."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.settings import Settings, get_settings
from mlnotes.kb.search import Retriever


def settings_dep(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def index_dep(request: Request) -> Retriever:
    return request.app.state.index


def answerer_dep(request: Request) -> Answerer:
    return request.app.state.answerer


def runner_dep(request: Request) -> DemoRunner:
    return request.app.state.runner


IndexDep = Annotated[Retriever, Depends(index_dep)]
AnswererDep = Annotated[Answerer, Depends(answerer_dep)]
RunnerDep = Annotated[DemoRunner, Depends(runner_dep)]

_bearer = HTTPBearer(auto_error=False)


def require_api_key(
    settings: SettingsDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """When ``MLNOTES_API_KEY`` is set, every /api route needs ``Authorization: Bearer <key>``."""
    key = settings.api_key
    if not key:
        return
    if creds is None or not secrets.compare_digest(creds.credentials.encode(), key.encode()):
        raise HTTPException(status_code=401, detail="missing or wrong API key; send 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
