"""The application factory: `create_app(settings)` wires settings, database, middleware, routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from pakaura_api import __version__
from pakaura_api.chat import ChatConfig, limiter_for
from pakaura_api.config import Settings
from pakaura_api.db import create_engine, create_sessionmaker
from pakaura_api.limits import BodySizeLimitMiddleware, FailedLoginLimiter
from pakaura_api.logging import RequestContextMiddleware
from pakaura_api.revisions import head_revision
from pakaura_api.routes import auth, chat, health, tasks

API_PREFIX = "/api/v1"
log = structlog.get_logger("pakaura_api")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep the garbage collector
        # from re-scanning it on every full collection (shorter pauses under load).
        gc.freeze()
        log.info("api.started", version=__version__, chat_mode=app.state.chat_mode)
        yield
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()
        log.info("api.stopped")

    app = FastAPI(
        title="Pakaura API",
        version=__version__,
        description="Tasks, conversations and a chat assistant that manages tasks.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = create_engine(settings)
    app.state.probe_engine = create_engine(settings, pooled=False)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    # Same pool; its connections run in autocommit while checked out through it (single reads).
    app.state.read_engine = app.state.engine.execution_options(isolation_level="AUTOCOMMIT")
    app.state.schema_head = head_revision()
    app.state.login_limiter = FailedLoginLimiter(
        settings.login_attempts_per_email,
        settings.login_attempts_per_client,
        settings.login_window_seconds,
    )
    app.state.chat_config = ChatConfig.from_settings(settings)
    app.state.chat_mode = "ai" if app.state.chat_config.api_key else "demo"
    app.state.chat_limiter = limiter_for(
        settings.chat_max_concurrent_per_user,
        settings.chat_max_concurrent,
        ai_mode=app.state.chat_mode == "ai",
    )

    for router in (health.router, auth.router, tasks.router, chat.router):
        app.include_router(router, prefix=API_PREFIX)

    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]

    # Added innermost first: the request id wraps everything, so even a 413 is logged with one.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.frontend_url],
        allow_methods=["*"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    """422 with one readable sentence (never echoing the input: it may hold a password)."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "body")
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return JSONResponse({"detail": "; ".join(problems) or "Invalid request"}, status_code=422)


async def _data_error(_request: Request, _error: DataError) -> JSONResponse:
    # Input the validators let through but the database refuses is still bad input, not a 500.
    return JSONResponse({"detail": "A value is out of range or invalid"}, status_code=422)


async def _database_error(_request: Request, error: DBAPIError) -> JSONResponse:
    if isinstance(error, IntegrityError):
        # e.g. a valid token whose user no longer exists (database reset) creating a task.
        return JSONResponse({"detail": "Conflicts with the stored data"}, status_code=409)
    if error.connection_invalidated or isinstance(error, OperationalError):
        # Database down or a pooled connection lost (the pool renews itself): retry later.
        log.warning("database.unavailable", error=type(error.orig).__name__)
        return JSONResponse({"detail": "Database temporarily unavailable"}, status_code=503)
    raise error
