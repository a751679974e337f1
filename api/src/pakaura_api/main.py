"""The application factory: `create_app(settings)` wires settings, database, middleware, routes,
error handling and housekeeping. `pakaura-api serve` imports `pakaura_api.main:app_factory`
(uvicorn's `--factory`), so every worker process builds its own app, pools and tasks.

Errors: a request that cannot reach the database (down, pool exhausted, SQLite locked) is a 503
with `Retry-After`, never a 500; a 422 has FastAPI's documented shape without `input`/`ctx`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pakaura_api import __version__, repository
from pakaura_api.chat import ChatConfig, limiter_for
from pakaura_api.config import Settings, load_settings
from pakaura_api.db import autocommit, create_engine, create_sessionmaker
from pakaura_api.deps import INVALID_TOKEN
from pakaura_api.headers import SecurityHeadersMiddleware
from pakaura_api.hot_paths import HotPaths
from pakaura_api.limits import BodySizeLimitMiddleware, LoginThrottler
from pakaura_api.logging import RequestContextMiddleware
from pakaura_api.models import utcnow
from pakaura_api.repository import TaskLimitReached, TokenNoLongerValid, tokens
from pakaura_api.revisions import head_revision
from pakaura_api.routes import auth, chat, docs, health, tasks

API_PREFIX = "/api/v1"
RETRY_AFTER_SECONDS = 2  # a database blip or a full pool: try again shortly
log = structlog.get_logger("pakaura_api")
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Database unavailable, locked or its pool exhausted; retry later",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}


def app_factory() -> FastAPI:
    """For `uvicorn --factory` (each worker process): settings from the environment."""
    from pakaura_api.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


async def housekeeping(app: FastAPI) -> None:
    """Purge what nobody can use any more: soft-deleted tasks past the undo window, expired
    revoked tokens, stale login counts. Every worker runs it (idempotent, indexed deletes);
    the jitter spreads the workers out."""
    settings: Settings = app.state.settings
    while True:
        await asyncio.sleep(settings.purge_interval_seconds * random.uniform(0.5, 1.5))  # noqa: S311
        try:
            async with app.state.autocommit_engine.connect() as connection:
                now = utcnow()
                cutoff = now - timedelta(seconds=settings.undo_window_seconds)
                purged = await repository.purge_deleted(connection, cutoff)
                purged += await tokens.purge_expired(connection, now)
                purged += await app.state.login_throttle.purge(connection)
            if purged:
                log.info("housekeeping.purged", rows=purged)
        except Exception as error:  # never let housekeeping take the worker down
            log.warning("housekeeping.failed", error=type(error).__name__)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep the garbage collector
        # from re-scanning it on every full collection (shorter pauses under load).
        gc.freeze()
        cleaner = app.state.housekeeping = asyncio.create_task(housekeeping(app))
        log.info("api.started", version=__version__, chat_mode=app.state.chat_mode)
        yield
        cleaner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await cleaner
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()
        log.info("api.stopped")

    app = FastAPI(
        title="Pakaura API",
        version=__version__,
        description="Tasks, conversations and a chat assistant that manages tasks.",
        docs_url=None,  # served offline by routes/docs.py
        redoc_url=None,
        openapi_url=docs.OPENAPI,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = create_engine(settings)
    app.state.probe_engine = create_engine(settings, pooled=False)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    # Same pool, in autocommit: one statement is one transaction (no BEGIN/COMMIT round trips,
    # and reads never end in ROLLBACK). Sessions begin real transactions
    # (`deps.session_in_transaction`).
    app.state.autocommit_engine = autocommit(app.state.engine)
    app.state.schema_head = head_revision()
    app.state.login_throttle = LoginThrottler(app.state.autocommit_engine, settings)
    app.state.chat_config = ChatConfig.from_settings(settings)
    app.state.chat_mode = "ai" if app.state.chat_config.api_key else "demo"
    app.state.chat_limiter = limiter_for(
        settings.chat_max_concurrent_per_user,
        settings.chat_max_concurrent,
        ai_mode=app.state.chat_mode == "ai",
    )

    app.include_router(health.router, prefix=API_PREFIX)
    for router in (auth.router, tasks.router, chat.router):  # each of these uses the database
        app.include_router(router, prefix=API_PREFIX, responses=UNAVAILABLE)
    docs.mount(app)

    handlers = {
        StarletteHTTPException: _http_error,
        RequestValidationError: _validation_error,
        TokenNoLongerValid: _token_no_longer_valid,
        TaskLimitReached: _task_limit,
        DataError: _data_error,
        DBAPIError: _database_error,
        PoolTimeoutError: _unavailable,
    }
    for error_class, handler in handlers.items():
        app.add_exception_handler(error_class, handler)  # type: ignore[arg-type]

    # Added innermost first. Outermost: the request id (even a 413 is logged with one), then
    # the client address (trusted proxies only), then the security headers on everything.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.frontend_url],
        allow_methods=["*"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "X-Next-Offset", "X-Next-Before", "Retry-After"],
    )
    # The plainest list and chat requests skip FastAPI's routing and dependency solving
    # (hot_paths.py); inside the body limit, outside CORS (it serves no cross-origin request).
    app.add_middleware(HotPaths, api=app, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, no_store_prefix=f"{API_PREFIX}/auth/")
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(RequestContextMiddleware)
    return app


def _problem(item: dict[str, object]) -> dict[str, object]:
    message = str(item["msg"]).removeprefix("Value error, ")
    return {"loc": list(item["loc"]), "msg": message, "type": item["type"]}  # type: ignore[call-overload]


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 shape, as the OpenAPI document declares it, minus `input` and `ctx`: the
    input may be a password, and is never echoed."""
    return JSONResponse({"detail": [_problem(item) for item in error.errors()]}, status_code=422)


# FastAPI's answer to a body it cannot decode (not UTF-8): a 400 no operation declares.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, error: StarletteHTTPException) -> Any:
    if error.status_code == 400 and error.detail == _UNPARSABLE_BODY:
        # The same answer as for malformed JSON: a documented 422.
        problem = {"loc": ["body"], "msg": "The body is not valid JSON", "type": "json_invalid"}
        return JSONResponse({"detail": [problem]}, status_code=422)
    return await http_exception_handler(request, error)


async def _token_no_longer_valid(_request: Request, _error: TokenNoLongerValid) -> JSONResponse:
    return JSONResponse(
        {"detail": INVALID_TOKEN}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


async def _task_limit(_request: Request, error: TaskLimitReached) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=409)


async def _data_error(_request: Request, _error: DataError) -> JSONResponse:
    # Input the validators let through but the database refuses is still bad input, not a 500.
    problem = {"loc": ["body"], "msg": "A value is out of range or invalid", "type": "value_error"}
    return JSONResponse({"detail": [problem]}, status_code=422)


async def _unavailable(_request: Request, error: Exception) -> JSONResponse:
    log.warning("database.unavailable", error=type(error).__name__)
    return JSONResponse(
        {"detail": "Database temporarily unavailable"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
    if isinstance(error, IntegrityError):
        return JSONResponse({"detail": "Conflicts with the stored data"}, status_code=409)
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        # Database down, a pooled connection lost (the pool renews itself), SQLite locked.
        return await _unavailable(request, error)
    raise error
