"""Abuse limits: request body size (413) and failed-login throttling (429).

In memory and per process: enough for one API process per pod; a shared store would be needed
to make the login limit exact across replicas.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413, declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                await self._too_large(send)
                return
            # The HTTP server enforces Content-Length framing: the body cannot be longer.
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked upload): buffer up to the limit, then replay it to the app.
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"detail": f"Request body larger than {self.max_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class FailedLoginLimiter:
    """Fixed-window counters of failed logins, per email and per client address.

    Only failures count, so a user who signs in often is never locked out; an attacker guessing
    passwords for one account, or spraying many accounts from one client, is.
    """

    def __init__(
        self,
        per_email: int,
        per_client: int,
        window_seconds: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"email": per_email, "client": per_client}
        self.window = window_seconds
        self.clock = clock
        self._counters: dict[tuple[str, str], tuple[float, int]] = {}

    def retry_after(self, email: str, client: str) -> int | None:
        """Seconds to wait if either key is over its limit, else None."""
        now = self.clock()
        waits = []
        for kind, key in (("email", email), ("client", client)):
            started, count = self._counters.get((kind, key), (now, 0))
            if now - started < self.window and count >= self.limits[kind]:
                waits.append(math.ceil(self.window - (now - started)))
        return max(waits) if waits else None

    def record_failure(self, email: str, client: str) -> None:
        now = self.clock()
        if len(self._counters) > 100_000:  # bound memory under a spray of distinct keys
            self._forget_expired(now)
        for kind, key in (("email", email), ("client", client)):
            started, count = self._counters.get((kind, key), (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            self._counters[(kind, key)] = (started, count + 1)

    def _forget_expired(self, now: float) -> None:
        self._counters = {
            key: value for key, value in self._counters.items() if now - value[0] < self.window
        }
