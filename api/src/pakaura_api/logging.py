"""Structured JSON-line logs on stdout, with a request id on every line logged during a request.

`LOG_FORMAT=console` renders the same events as plain aligned text for a person at a terminal
(`invoke dev` sets it); anything else, and the default, is JSON lines (the cluster's format).

Never logged: Authorization headers, tokens, passwords, the Cohere key, the DB password (settings
are logged through `Settings.masked()` only; request lines carry method, path, status, duration).
Text received from elsewhere (a provider's error body) is logged only through `excerpt()`:
shortened, with known secrets, bearer tokens, JWTs and key-like strings redacted.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# An incoming id is reused (to follow a request through the proxy) only if it looks harmless.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

log = structlog.get_logger("pakaura_api")

REDACTED = "[redacted]"
EXCERPT_MAX = 200
# What a secret looks like when we do not know its value: an Authorization header's value, a
# JWT, or a long unbroken run of key characters (API keys, hex/base64 secrets).
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)(authorization|api[-_]?key|x-api-key|token|secret|password)"
        r"(\W{1,4})([^\s\"',;}]+)"
    ),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
    re.compile(r"[A-Za-z0-9_-]{32,}"),
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every known secret value and anything shaped like a credential replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    for pattern in _SECRET_PATTERNS[1:]:
        text = pattern.sub(REDACTED, text)
    return text


def excerpt(text: str, secrets: tuple[str, ...] = (), limit: int = EXCERPT_MAX) -> str:
    """What may be logged of text from elsewhere: redacted first, then cut to `limit` chars."""
    cleaned = redact(text, secrets)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class _CurrentStdout:
    """Whatever `sys.stdout` is at the moment of writing, not at configuration time: a stream
    captured once goes stale when the process swaps stdout (a test runner's capture, a
    redirect), and writing to it then raises "I/O operation on closed file"."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def configure_logging(level: str = "INFO", log_format: str | None = None) -> None:
    """Route structlog and the standard library (uvicorn, alembic) to one stream: JSON lines, or
    human-readable text with `log_format`/`LOG_FORMAT` = "console"."""
    console = (log_format or os.environ.get("LOG_FORMAT", "json")).lower() == "console"
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer()
    )
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            *(() if console else (structlog.processors.format_exc_info,)),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(_CurrentStdout()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *(() if console else (structlog.processors.format_exc_info,)),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    # uvicorn's access log is replaced by ours (it has the request id); keep its error log.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


class RequestContextMiddleware:
    """Give each request an id (reply header `X-Request-ID`) and log one line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_REQUEST_ID.match(text) else None
    return None
