"""The FastAPI application: REST API under ``/api``, OpenAPI at ``/docs``, the Gradio UI mounted at ``/``.

``create_app()`` builds the services in the lifespan with :func:`assistant.services.build_services` (index loaded
or built, interview bank, generator, demo runner); tests pass ready-made services with ``create_app(services=...)``
or override dependencies. All exception handlers are installed here, in one place.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from algorithms.registry import ParamError, UnknownAlgorithmError
from assistant.answer import NoGeneratorError
from assistant.api.deps import require_api_key
from assistant.api.routers import algorithms, ask, corpus, health, search
from assistant.corpus import CorpusPathError
from assistant.runner import RunFailed, RunnerBusy
from assistant.services import Services, build_services
from assistant.settings import Settings, get_settings
from kb.index import IndexUnavailableError, QueryError

__all__ = ["Services", "build_services", "create_app", "install_error_handlers", "install_services"]

log = logging.getLogger("mlnotes")


def _message_for(err: dict[str, Any]) -> str:
    loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
    typ = err.get("type", "")
    if typ == "json_invalid":
        return "the request body is not valid JSON; send a JSON object such as {\"question\": \"...\"}"
    if typ == "missing":
        return f"'{loc}' is required"
    if typ == "extra_forbidden":
        return f"unknown field '{loc}'; remove it"
    msg = err.get("msg", "invalid value")
    return f"'{loc}': {msg}" if loc else msg


def install_error_handlers(app: FastAPI) -> None:
    def err(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        msgs = "; ".join(_message_for(e) for e in errors[:5])
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]
        return err(422, f"invalid request: {msgs}", detail=detail)

    @app.exception_handler(QueryError)
    async def _query(request: Request, exc: QueryError):
        return err(400, str(exc))

    @app.exception_handler(CorpusPathError)
    async def _corpus(request: Request, exc: CorpusPathError):
        return err(exc.status, str(exc))

    @app.exception_handler(UnknownAlgorithmError)
    async def _unknown(request: Request, exc: UnknownAlgorithmError):
        return err(404, str(exc))

    @app.exception_handler(ParamError)
    async def _param(request: Request, exc: ParamError):
        return err(422, str(exc))

    @app.exception_handler(RunnerBusy)
    async def _busy(request: Request, exc: RunnerBusy):
        return JSONResponse({"error": str(exc)}, status_code=429, headers={"Retry-After": "5"})

    @app.exception_handler(RunFailed)
    async def _failed(request: Request, exc: RunFailed):
        return err(422 if exc.reason in ("timeout", "memory") else 500, str(exc), reason=exc.reason)

    @app.exception_handler(NoGeneratorError)
    async def _no_generator(request: Request, exc: NoGeneratorError):
        return err(422, str(exc))

    @app.exception_handler(IndexUnavailableError)
    async def _index(request: Request, exc: IndexUnavailableError):
        return err(503, f"the index is not available: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return err(500, "internal error; the server logged the details")


def install_services(app: FastAPI, svc: Services) -> None:
    """Put the services where the dependencies (``assistant.api.deps``) and the UI find them."""
    app.state.services = svc
    app.state.index = svc.index
    app.state.answerer = svc.answerer
    app.state.runner = svc.runner
    app.state.generator_name = svc.generator_name
    app.state.interview = svc.interview or getattr(app.state, "interview", None)


def create_app(settings: Settings | None = None, services: Services | None = None, with_ui: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if services is None:  # a served app: load every model before reporting ready
            from assistant.services import warm_up

            built = build_services(settings)
            warm_up(built)
            install_services(app, built)
        else:
            install_services(app, services)
        yield
        if getattr(app.state, "interview", None) is not None:
            app.state.interview.close()

    app = FastAPI(
        title="ML/AI Notes",
        version="0.1.0",
        description="Search, cited answers, the corpus and runnable algorithm demos, offline.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    if services is not None:  # available at once, also without running the lifespan
        install_services(app, services)
    install_error_handlers(app)
    deps = [Depends(require_api_key)]
    for r in (health.router, search.router, ask.router, corpus.router, algorithms.router):
        app.include_router(r, prefix="/api", dependencies=deps)
    from assistant.interview.api import router as interview_router

    app.include_router(interview_router, prefix="/api", dependencies=deps)
    if with_ui:
        from assistant.ui import mount_ui

        app = mount_ui(app)
    return app
