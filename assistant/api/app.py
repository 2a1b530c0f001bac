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
from kb.filters import FilterError
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

    @app.exception_handler(FilterError)
    async def _filter(request: Request, exc: FilterError):
        return err(422, str(exc), field=exc.field, value=exc.value, valid=exc.valid)

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


MAX_BODY_BYTES = 1_000_000  # the largest request body the API reads (an interview answer is at most 100k chars)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is refused with 413 before it is parsed, whether the
    client announces its length or streams it."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        seen = 0
        refused = False
        sent_413 = False

        async def counted():
            nonlocal seen, refused
            if refused:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # stop reading: the app sees the body end here, its answer is replaced
                    refused = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message):
            nonlocal sent_413
            if not refused:
                return await send(message)
            if not sent_413:
                sent_413 = True
                await self._refuse(send)

        return await self.app(scope, counted, guarded_send)

    async def _refuse(self, send) -> None:
        body = (f'{{"error": "the request body is over {self.max_bytes} bytes; send less"}}').encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _add_api_fallback(app: FastAPI) -> None:
    """Unknown ``/api/...`` paths get the API's own 404, and a known path with another method its 405, instead of
    falling through to the UI mounted at ``/``."""
    from starlette.routing import Match, Mount

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False)
    async def _api_fallback(request: Request, rest: str):
        methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
        allowed = sorted({m for r in app.router.routes
                          if getattr(r, "endpoint", None) is not _api_fallback and not isinstance(r, Mount)
                          for m in methods if r.matches({**request.scope, "method": m})[0] == Match.FULL})
        if allowed:
            return JSONResponse({"error": f"{request.method} is not allowed on /api/{rest}; use {', '.join(allowed)}"},
                                status_code=405, headers={"Allow": ", ".join(allowed)})
        return JSONResponse({"error": f"no API route /api/{rest}; see /docs for the routes"}, status_code=404)


def create_app(settings: Settings | None = None, services: Services | None = None, with_ui: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if services is None:  # a served app: load every model before reporting ready
            from assistant.services import warm_up

            built = build_services(settings)
            warm_up(built, settings=settings)
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
    _add_api_fallback(app)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    if with_ui:
        from assistant.ui import mount_ui

        app = mount_ui(app)
    return app
