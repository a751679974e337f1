"""Count the database statements one request costs, from PostgreSQL's own log.

`counted_client` (conftest) is an app on a private server with `log_statement=all`:

    async with counted_client.count() as statements:
        await counted_client.http.get("/api/v1/tasks", headers=...)
    assert len(statements) == 1

Deterministic (the log records what the server executed: driver BEGIN/COMMIT/ROLLBACK and
DEALLOCATE included), so the counts are asserted; timings never are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from .pgserver import PrivatePostgres


@dataclass
class CountedClient:
    http: httpx.AsyncClient
    server: PrivatePostgres

    @asynccontextmanager
    async def count(self) -> AsyncIterator[list[str]]:
        start = self.server.log_position()
        found: list[str] = []
        yield found
        await asyncio.sleep(0.05)  # backends write log lines unbuffered; let the last one land
        found.extend(self.server.statements(start))
