"""Abuse limits: request body size (413) and login throttling (429), the latter in the database.

Login throttling follows OWASP ASVS 2.2.1 (anti-automation without lock-out). Failed logins are
counted per client address and per (client address, email), in the `login_throttle` table, so
every worker and replica shares one count. Up to the free failures nothing happens; after that
each further failure doubles the wait before the next attempt (base delay, 2x, 4x ... up to the
maximum), and a quiet window resets the count. There is deliberately no per-email limit across
clients: anyone could then lock the owner out. The owner, from an address that is not itself
over its limit, always signs in with the correct password. While a key waits, even the correct
password is refused (429), so an attacker never learns when a guess was right.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pakaura_api import db
from pakaura_api.config import Settings
from pakaura_api.models import LoginThrottle, utcnow


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


def _key(*parts: str) -> str:
    # Hashed: bounded length, and no addresses or emails in clear text in the table.
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


_table = LoginThrottle.metadata.tables["login_throttle"]
_READ = select(
    col(LoginThrottle.key), col(LoginThrottle.failures), col(LoginThrottle.last_failure_at)
).where(col(LoginThrottle.key).in_(bindparam("keys", expanding=True)))
_FORGET = _table.delete().where(col(LoginThrottle.key) == bindparam("key"))
_PURGE = _table.delete().where(col(LoginThrottle.last_failure_at) < bindparam("cutoff"))


def _count_failure(dialect: Any) -> Any:
    """INSERT … ON CONFLICT DO UPDATE: one atomic statement per key, whichever worker runs it."""
    statement = dialect.insert(_table).values(
        key=bindparam("key"), failures=1, last_failure_at=bindparam("now")
    )
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            # A failure after a quiet window starts a new count.
            "failures": case(
                (_table.c.last_failure_at < bindparam("window_start"), 1),
                else_=_table.c.failures + 1,
            ),
            "last_failure_at": statement.excluded.last_failure_at,
        },
    )


_COUNT_FAILURE = {"postgresql": _count_failure(postgresql), "sqlite": _count_failure(sqlite)}


class LoginThrottler:
    """The login limits of one app; state in the database (see the module docstring)."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine  # an autocommit engine: each statement stands alone
        self.free = {
            "client": settings.login_attempts_per_client,
            "pair": settings.login_attempts_per_email,
        }
        self.base = settings.login_base_delay_seconds
        self.max = settings.login_max_delay_seconds
        self.window = timedelta(seconds=settings.login_window_seconds)
        self.clock = clock

    def _keys(self, client: str, email: str) -> dict[str, str]:
        return {"client": _key("client", client), "pair": _key("pair", client, email)}

    def delay(self, kind: str, failures: int) -> float:
        """Seconds to wait after `failures` failed logins on one key of this kind."""
        over = failures - self.free[kind]
        return 0.0 if over < 0 else min(self.max, self.base * 2.0 ** min(over, 64))

    async def retry_after(self, client: str, email: str) -> int | None:
        """Seconds to wait before this client may try this email again, or None."""
        keys = self._keys(client, email)
        kinds = {key: kind for kind, key in keys.items()}
        now = self.clock()

        async def read(connection: AsyncConnection) -> list[Any]:
            return list((await connection.execute(_READ, {"keys": list(keys.values())})).all())

        rows = await db.run(self.engine, read, read_only=True)
        waits = []
        for key, failures, last in rows:
            last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)  # SQLite: UTC, naive
            if now - last >= self.window:
                continue
            until = last + timedelta(seconds=self.delay(kinds[key], failures))
            if until > now:
                waits.append(math.ceil((until - now).total_seconds()))
        return max(waits) if waits else None

    async def record_failure(self, client: str, email: str) -> None:
        now = self.clock()

        async def count(connection: AsyncConnection) -> None:
            statement = _COUNT_FAILURE[connection.dialect.name]
            for key in self._keys(client, email).values():
                params = {"key": key, "now": now, "window_start": now - self.window}
                await connection.execute(statement, params)

        await db.run(self.engine, count, read_only=False)

    async def record_success(self, client: str, email: str) -> None:
        """A correct password clears its (client, email) count, never the client's own."""
        key = self._keys(client, email)["pair"]

        async def forget(connection: AsyncConnection) -> None:
            await connection.execute(_FORGET, {"key": key})

        await db.run(self.engine, forget, read_only=False)

    async def purge(self, connection: Any) -> int:
        """Forget counts that can no longer delay anyone (housekeeping)."""
        horizon = self.window + timedelta(seconds=self.max)
        result = await connection.execute(_PURGE, {"cutoff": self.clock() - horizon})
        return int(result.rowcount)
