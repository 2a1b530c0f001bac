"""The FastAPI application: REST API under ``/api``, OpenAPI at ``/docs``, the Gradio UI mounted at ``/``.

``create_app()`` builds the services in the lifespan with :func:`mlnotes.assistant.services.build_services` (index loaded
or built, interview bank, generator, demo runner); tests pass ready-made services with ``create_app(services=...)``
or override dependencies. All exception handlers are installed here, in one place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlnotes.algorithms.registry import ParamError, UnknownAlgorithmError
from mlnotes.assistant.answer import NoGeneratorError
from mlnotes.assistant.api.deps import require_api_key
from mlnotes.assistant.api.problems import PROBLEM_MEDIA_TYPE, problem, problem_bytes
from mlnotes.assistant.api.reload import Reloader, install_sighup, stale_index
from mlnotes.assistant.api.routers import admin, algorithms, ask, corpus, health, search
from mlnotes.assistant.corpus import CorpusPathError
from mlnotes.assistant.runner import STATUS as RUN_STATUS
from mlnotes.assistant.runner import RunFailed, RunnerBusy
from mlnotes.assistant.services import Services, build_services
from mlnotes.assistant.settings import Settings, get_settings
from mlnotes.kb.filters import FilterError
from mlnotes.kb.index import IndexUnavailableError, QueryError

__all__ = ["Services", "build_services", "create_app", "install_error_handlers", "install_services"]

log = logging.getLogger("mlnotes")


ECHO_LIMIT = 200  # characters of an offending value an error message repeats
MESSAGE_LIMIT = 1000  # characters of an error message
_QUOTED = re.compile(r"""(['"])([^'"\n]{""" + str(ECHO_LIMIT + 1) + r""",})\1""")


def clip(message: str) -> str:
    """An error message with every quoted value cut to :data:`ECHO_LIMIT` characters and the whole to
    :data:`MESSAGE_LIMIT`, so a huge field never comes back whole."""
    message = _QUOTED.sub(lambda m: f"{m[1]}{m[2][:ECHO_LIMIT]}…{m[1]} ({len(m[2])} characters)", message)
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + f"… ({len(message) - MESSAGE_LIMIT} more characters)"
    return message


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
    def err(status: int, message: str, headers: dict | None = None, **extra: Any) -> JSONResponse:
        return problem(status, clip(message), headers=headers, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        msgs = "; ".join(_message_for(e) for e in errors[:5])
        detail = [{"loc": [clip(str(x)) if isinstance(x, str) else x for x in e.get("loc", ())][:10],
                   "msg": clip(str(e.get("msg", ""))), "type": e.get("type", "")} for e in errors[:20]]
        return err(422, f"invalid request: {msgs}", errors=detail)

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
        return err(429, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(RunFailed)
    async def _failed(request: Request, exc: RunFailed):
        status = RUN_STATUS.get(exc.reason, 500)
        (log.error if status >= 500 else log.warning)("demo run on %s failed (%s): %s", request.url.path,
                                                       exc.reason, clip(str(exc)))
        return err(status, str(exc), reason=exc.reason)

    @app.exception_handler(NoGeneratorError)
    async def _no_generator(request: Request, exc: NoGeneratorError):
        return err(422, str(exc))

    @app.exception_handler(IndexUnavailableError)
    async def _index(request: Request, exc: IndexUnavailableError):
        return err(503, f"the index is not available: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return err(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return err(500, "internal error; the server logged the details")


def install_services(app: FastAPI, svc: Services) -> None:
    """Put the services where the dependencies (``mlnotes.assistant.api.deps``) and the UI find them."""
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
        body = problem_bytes(413, f"the request body is over {self.max_bytes} bytes; send less")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                                (b"content-length", str(len(body)).encode())]})
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
            return problem(405, clip(f"{request.method} is not allowed on /api/{rest}; use {', '.join(allowed)}"),
                           headers={"Allow": ", ".join(allowed)})
        return problem(404, clip(f"no API route /api/{rest}; see /docs for the routes"))


DOCS_ASSETS = "/docs-assets"


def _add_offline_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` from the files bundled in the ``fastapi-offline`` package (Swagger UI,
    Apache-2.0; Redoc, MIT; the package itself MIT), served under :data:`DOCS_ASSETS`: FastAPI's default pages load
    them from a CDN and stay blank offline."""
    from importlib.resources import files
    from pathlib import Path

    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import HTMLResponse, Response
    from fastapi.staticfiles import StaticFiles

    static = Path(str(files("fastapi_offline") / "static"))
    redoc_js: list[bytes] = []

    @app.get(f"{DOCS_ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_script() -> Response:
        # Redoc always draws its vendor's logo from cdn.redoc.ly: point that one image at the local favicon
        if not redoc_js:
            redoc_js.append((static / "redoc.standalone.js").read_bytes().replace(
                b"https://cdn.redoc.ly/redoc/logo-mini.svg", f"{DOCS_ASSETS}/favicon.png".encode()))
        return Response(redoc_js[0], media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.mount(DOCS_ASSETS, StaticFiles(directory=static), name="docs-assets")  # after the route above

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title}: API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title}: API",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


def _operation_id(route: Any) -> str:
    """OpenAPI operation ids from the route functions' names (``ask_stream``, not ``ask_stream_api_ask_stream_post``);
    a test checks that they are unique."""
    return route.name


def create_app(settings: Settings | None = None, services: Services | None = None, with_ui: bool = True,
               reload_build: Callable[[], Any] | None = None) -> FastAPI:
    """The app. ``reload_build`` makes the retriever a hot reload switches to (``POST /api/admin/reload``,
    SIGHUP); by default :func:`mlnotes.assistant.services.open_index` over the settings (rebuilt when the corpus changed)."""
    settings = settings or get_settings()

    def default_build():
        from mlnotes.assistant.services import open_index

        return open_index(settings, log=log.warning, progress=False)

    def bank():
        from mlnotes.assistant.services import load_bank_or_empty

        return load_bank_or_empty(settings, log.warning)

    def prepare(answerer) -> None:
        from mlnotes.assistant.services import precompute_sentences

        precompute_sentences(answerer, settings, log.warning)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        rebuild_now = False
        if services is None:  # a served app: load every model before reporting ready
            from mlnotes.assistant.services import configure_embeddings, warm_up

            configure_embeddings(settings)
            stale = stale_index(settings)  # out of date: serve it now, rebuild in the background
            built = build_services(settings, retriever=stale)
            warm_up(built, settings=settings)
            install_services(app, built)
            rebuild_now = stale is not None
        else:
            install_services(app, services)
        app.state.reloader = Reloader(app, reload_build or default_build,
                                      bank=bank if reload_build is None else None, prepare=prepare)
        if rebuild_now:
            app.state.reloader.start()
        undo_sighup = install_sighup(app.state.reloader)
        yield
        undo_sighup()
        if getattr(app.state, "interview", None) is not None:
            app.state.interview.close()

    app = FastAPI(
        title="ML/AI Notes",
        version="0.1.0",
        description="Search, cited answers, the corpus and runnable algorithm demos, offline.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # /docs and /redoc: _add_offline_docs, from local files
        redoc_url=None,
    )
    app.state.settings = settings
    if services is not None:  # available at once, also without running the lifespan
        install_services(app, services)
    install_error_handlers(app)
    _add_offline_docs(app)

    @app.get("/api/live", tags=["health"], summary="Liveness only: no API key, no data (container health checks)")
    def live() -> dict:
        return {"status": "ok"}

    deps = [Depends(require_api_key)]
    app.include_router(health.router, prefix="/api")  # open liveness; details only with the key (see the route)
    for r in (search.router, ask.router, corpus.router, algorithms.router):
        app.include_router(r, prefix="/api", dependencies=deps)
    from mlnotes.assistant.interview.api import router as interview_router

    app.include_router(interview_router, prefix="/api", dependencies=deps)
    app.include_router(admin.router, prefix="/api", dependencies=deps)
    _add_api_fallback(app)
    from mlnotes.assistant.api.openapi import install_openapi

    install_openapi(app, key_set=bool(settings.api_key))
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    if settings.api_key:  # the UI and /gradio_api/* need the key too (a login page sets a session cookie)
        from mlnotes.assistant.api.auth import UIGuard

        app.add_middleware(UIGuard, key=settings.api_key)
    if with_ui:
        from mlnotes.assistant.ui import mount_ui

        app = mount_ui(app)
    return app
