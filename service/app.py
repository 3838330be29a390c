"""FastAPI application factory: the engine is built once in the lifespan and shared by the routes.

API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, Swagger UI at ``/api/v1/docs`` and ReDoc at
``/api/v1/redoc``, both served with their assets by this app: :mod:`service.docs`); web pages at ``/``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from matching import Engine, Settings, __version__
from service.batching import SearchBatcher
from service.deps import COOKIE
from service.docs import add_docs
from service.errors import error_body, install_error_handlers
from service.key_limit import KeyLimiter, KeysLocked
from service.observability import ObservabilityMiddleware, setup_logging
from service.routes import catalogue, events, health, imports, search
from service.security import SecurityMiddleware
from service.settings import ServiceSettings
from service.web import router as web_router

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
log = logging.getLogger("service")

DESCRIPTION = """Buyers search IKMs (Indonesian woven-craft makers) in English or Indonesian and get ranked
matches with the reasons why; organisers import catalogues, plan business-matching events, re-schedule
them on the day and record meeting outcomes.

Send an API key as `X-API-Key: ikm_...` (or `Authorization: Bearer ikm_...`); keys are made with
`matching keys create`. Errors are JSON: `{"error": {"status", "code", "message", "details", "request_id"}}`.
"""


def _warm(engine: Engine) -> None:
    try:
        engine.searcher()
        log.info("ready: catalogue revision %d, model %s", engine.searcher_revision, engine.ranker_version)
    except Exception:  # /ready stays 503 and the first search tries again
        log.exception("loading the search index failed")


def _watch(engine: Engine, every: float, stop: threading.Event) -> None:
    """Every ``every`` seconds, load a catalogue change or index version another process made (in the
    background: searches go on meanwhile with the searcher in hand)."""
    while not stop.wait(every):
        try:
            if engine.index_outdated():
                engine.refresh(background=True)
        except Exception:  # a database hiccup: the next turn tries again
            log.exception("checking the catalogue for changes failed")


def create_app(
    settings: Settings | None = None,
    service_settings: ServiceSettings | None = None,
    *,
    engine: Engine | None = None,
) -> FastAPI:
    """Build the app; settings default to the environment (``MATCHING_*``). ``engine`` is for tests."""
    service_settings = service_settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging(service_settings.log_level)
        own = engine is None
        app.state.engine = engine or Engine(settings or Settings())
        app.state.service_settings = service_settings
        app.state.batcher = SearchBatcher(
            app.state.engine,
            max_batch=service_settings.search_batch,
            workers=service_settings.search_workers,
        )
        threading.Thread(target=_warm, args=(app.state.engine,), name="matching-warm", daemon=True).start()
        stop_watch = threading.Event()
        if service_settings.refresh_every:
            watch_args = (app.state.engine, service_settings.refresh_every, stop_watch)
            threading.Thread(target=_watch, args=watch_args, name="matching-watch", daemon=True).start()
        # participants' e-mails: sent in the background when a mail server is configured
        mail = app.state.engine.start_mail_sender() if app.state.engine.mailer.configured else None
        try:
            yield
        finally:
            stop_watch.set()
            if mail is not None:
                app.state.engine.stop_mail_sender(mail)
            app.state.batcher.close()
            if own:
                app.state.engine.close()

    app = FastAPI(
        title="IKM matching",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # add_docs serves both pages without a CDN
        redoc_url=None,
    )
    add_docs(app, API_PREFIX)
    install_error_handlers(app)
    app.state.key_limiter = KeyLimiter(
        max_failures=service_settings.key_failures, lockout=service_settings.key_lockout_s
    )

    @app.exception_handler(KeysLocked)
    async def keys_locked(request: Request, exc: KeysLocked) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        if request.url.path.startswith(API_PREFIX):
            body = error_body(request, 429, "too_many_requests", str(exc), [])
            return JSONResponse(body, 429, headers=headers)
        return PlainTextResponse(f"429 Too Many Requests: {exc}.\n", 429, headers=headers)

    for module in (search, catalogue, imports, events, health):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(search.stats_router, prefix=API_PREFIX)
    app.include_router(web_router)
    if service_settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=service_settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(
        SecurityMiddleware,
        cookie=COOKIE,
        docs_prefix=(f"{API_PREFIX}/docs", f"{API_PREFIX}/redoc"),
        api_prefix=API_PREFIX,
        trusted_origins=service_settings.trusted_origins,
    )
    app.add_middleware(ObservabilityMiddleware, max_bytes=int(service_settings.max_upload_mb * 2**20))
    return app
