"""A worker's PostgreSQL connections: one psycopg_pool pool, shared by SQLAlchemy and `db.fetch`.

SQLAlchemy borrows from it through `NullPool` + `async_creator` (psycopg_pool's documented
integration: `close_returns=True` makes SQLAlchemy's "close" a return to this pool). The
busiest statements (`db.run_prebuilt`) take a connection from it directly. Measured on a 50-task
list: SQLAlchemy's own async pool cost ~80 us of CPU per request (its checkout and return each
switch greenlets, and the switches slow the statement that follows), psycopg_pool's ~5 us; the
API's CPU per list fell from 0.36 to 0.29 ms.

Sizing (per worker): at most `DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW` connections, opened on demand;
one is kept warm, and one idle for 10 minutes is closed. Handed out last in, first out (see
`LifoConnectionPool`). A request that finds none free within
`DB_POOL_TIMEOUT_SECONDS` fails with `PoolTimeout` (a 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.conninfo import make_conninfo
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import URL

MAX_LIFETIME_SECONDS = 1800  # then replaced (e.g. to follow a DNS change of the server)
MAX_IDLE_SECONDS = 600
# Every statement is prepared once per connection and keyed by the user (or a primary key), so
# one plan fits every user. PostgreSQL's default re-plans each execution instead once its
# statistics show users with many tasks (ANALYZE): the list's custom plan (bitmap scan + sort) is
# estimated cheaper than the generic one (an index scan in order) and then planned every time.
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"
PROBE_INTERVAL_SECONDS = 0.5  # while the database is unreachable: one attempt per interval


class PooledConnection(psycopg.AsyncConnection[Any]):
    """A pool's connection, keeping one binary cursor for the prebuilt statements: a new cursor
    per statement cost ~30 of the 160 us a 50-row statement takes in psycopg."""

    _statements: psycopg.AsyncCursor[Any] | None = None
    _poller: select.poll | None = None

    def statements(self) -> psycopg.AsyncCursor[Any]:
        if self._statements is None:
            self._statements = self.cursor(binary=True)
        return self._statements

    def readable(self) -> bool:
        """Whether the server sent something (see `WorkerPool.getconn`); no round trip."""
        if self._poller is None:
            self._poller = select.poll()
            self._poller.register(self.pgconn.socket, select.POLLIN | select.POLLPRI)
        return bool(self._poller.poll(0))

    def add_notice_handler(self, callback: Callable[[psycopg.errors.Diagnostic], None]) -> None:
        # SQLAlchemy's dialect adds its notice logger whenever NullPool "connects", i.e. at every
        # checkout of a pooled connection: once is enough (the list would grow without end).
        with contextlib.suppress(ValueError):
            self.remove_notice_handler(callback)
        super().add_notice_handler(callback)


class LifoConnectionPool(AsyncConnectionPool[PooledConnection]):
    """psycopg_pool hands out the connection that has waited longest (FIFO), so every one of
    them is in use all the time. Last in, first out instead (SQLAlchemy's `pool_use_lifo`, as
    the SQLite pool has): the few connections a worker's load needs stay hot in their server
    processes' caches, and the rest idle until `MAX_IDLE_SECONDS` closes them. When the pool
    shrinks, it still closes the one that waited longest (`_shrink_pool` takes the other end).

    psycopg_pool has no option for it: this replaces its one method that takes a ready
    connection (psycopg-pool 3.3.3, pinned; `test_worker_pool` fails if that changes)."""

    async def _get_ready_connection(
        self,
        timeout: float | None,  # noqa: ASYNC109 (the base class's signature)
    ) -> PooledConnection | None:
        if timeout is not None and timeout <= 0.0:
            raise PoolTimeout()
        if not self._pool:
            # None ready: the base class's answer (None, and the request waits in line; or
            # TooManyRequests beyond `max_waiting`).
            return await super()._get_ready_connection(timeout)
        connection = self._pool.pop()  # the most recently returned
        self._nconns_min = min(self._nconns_min, len(self._pool))
        return connection


def connection_kwargs(
    url: URL, connect_timeout: float, json_loads: Callable[[Any], Any]
) -> dict[str, Any]:
    adapters = AdaptersMap(psycopg.adapters)
    set_json_loads(json_loads, adapters)
    return {
        "autocommit": True,  # a statement is its own transaction; sessions ask for one (db.py)
        "context": adapters,
        # libpq's connect_timeout is whole seconds, at least 2.
        "connect_timeout": max(2, int(connect_timeout)),
        "application_name": "pakaura-api",
        # Times come back in UTC, as the API answers them. In UTC psycopg builds them with
        # `timezone.utc`; in the server's zone (e.g. Etc/UTC) it converts each one with
        # `astimezone`: 13 % of a 50-task list's instructions (fetch 156 -> 112 us).
        "options": f"{url.query.get('options') or ''} -c TimeZone=UTC {GENERIC_PLANS}".strip(),
    }


class WorkerPool:
    """Opened at first use (in the worker's event loop), closed by `close` (engine disposal);
    a later use opens a new one, as SQLAlchemy's engines allow.

    Outages: psycopg_pool connects in the background, so a request during an outage would wait
    its whole `DB_POOL_TIMEOUT_SECONDS` for a connection that cannot come, and answer its 503
    seconds late (after the database is back, even). So once the server may have gone (at
    start, after a dead connection, after the pool gave up connecting), a request first checks
    that it can connect (`_probe`: one attempt at a time, closed at once, so the connection
    budget holds); while it cannot, requests get a 503 at once. And a failed attempt of the
    pool's own is retried once after ~1 s, then given up (`reconnect_timeout=0`): its default,
    a backoff growing for 5 minutes, could leave the pool idle for a minute after the database
    is back.
    """

    _unreachable = True  # the server may be gone: `_probe` before using the pool
    _failed_at = -PROBE_INTERVAL_SECONDS  # when the last probe failed (monotonic)
    _failure = ""  # and why

    def __init__(
        self,
        url: URL,
        kwargs: dict[str, Any],
        *,
        max_size: int,
        timeout: float,
        pre_ping: bool,
    ) -> None:
        # Other libpq parameters in the URL's query (sslmode, ...) apply as given; `options` is
        # in `kwargs`, with the time zone added. A repeated one: the last, as libpq reads it.
        query = {
            name: value if isinstance(value, str) else value[-1]
            for name, value in url.query.items()
            if name != "options"
        }
        self._conninfo = make_conninfo(
            "",
            host=url.host,
            port=url.port,
            dbname=url.database,
            user=url.username,
            password=url.password,
            **query,
        )
        self._kwargs = kwargs
        self._max_size = max_size
        self._timeout = timeout
        self._pre_ping = pre_ping
        self._pool: AsyncConnectionPool[PooledConnection] | None = None
        self._opening = asyncio.Lock()
        self._probing = asyncio.Lock()

    async def pool(self) -> AsyncConnectionPool[PooledConnection]:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    pool = LifoConnectionPool(
                        self._conninfo,
                        connection_class=PooledConnection,
                        kwargs=self._kwargs,
                        min_size=1,
                        max_size=self._max_size,
                        open=False,
                        name="pakaura-api",
                        close_returns=True,
                        timeout=self._timeout,
                        max_lifetime=MAX_LIFETIME_SECONDS,
                        max_idle=MAX_IDLE_SECONDS,
                        reconnect_timeout=0,  # see the class docstring
                        reconnect_failed=self._gave_up,
                        configure=self._connected,
                    )
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def getconn(self) -> PooledConnection:
        """A live connection (also SQLAlchemy's `async_creator`: its "close" returns it here).

        A pre-ping only when needed: an idle connection has nothing to read unless the server
        ended the session (a shutdown's FATAL message, or EOF), so a readable socket is the
        sign, and then an empty query decides. A dead one fails it and is dropped, and the next
        is tried at once (psycopg_pool's own `check` waits 1 s, then 2, ... between two), so a
        database restart costs no failed request and no wait. Otherwise ~1 us, no round trip.
        `DB_POOL_PRE_PING=true`: the empty query every time."""
        pool = self._pool or await self.pool()
        probed = False  # once per call: after a restart every pooled connection is dead
        for _ in range(self._max_size):
            if self._unreachable and not probed:
                await self._probe()
                probed = True
            connection = await pool.getconn()
            if not connection.autocommit:
                # SQLAlchemy hands a session's connection back in autocommit; if anything ever
                # did not, a prebuilt write would run in a transaction nobody commits.
                await connection.set_autocommit(True)
            if not (self._pre_ping or connection.readable()):
                return connection
            try:
                await pool.check_connection(connection)
            except psycopg.Error:
                await pool.putconn(connection)  # broken now: the pool closes it
                self._unreachable = True  # the server ended the session: is it still there?
                continue
            except BaseException:
                await pool.putconn(connection)
                raise
            return connection
        return await pool.getconn()  # every one was dead: this one is new

    async def _probe(self) -> None:
        """Raise at once while the server cannot be reached; else return (the pool is usable).

        One connection attempt at a time (refused at once, or `DB_CONNECT_TIMEOUT_SECONDS`),
        and its answer stands for `PROBE_INTERVAL_SECONDS`: requests meanwhile get it without
        another attempt."""
        async with self._probing:
            if not self._unreachable:  # another request's probe got through meanwhile
                return
            if time.monotonic() - self._failed_at < PROBE_INTERVAL_SECONDS:
                raise psycopg.OperationalError(self._failure)
            try:
                probe = await PooledConnection.connect(self._conninfo, **self._kwargs)
            except psycopg.Error as error:
                self._failed_at = time.monotonic()
                self._failure = f"the database cannot be reached: {error}"
                raise
            await probe.close()
            self._unreachable = False

    def suspect(self) -> None:
        """A statement met a dead connection: the server may be gone (`_probe` next time)."""
        self._unreachable = True

    async def _gave_up(self, _pool: object) -> None:
        self._unreachable = True

    async def _connected(self, _connection: PooledConnection) -> None:
        self._unreachable = False

    @staticmethod
    async def putconn(connection: PooledConnection) -> None:
        # `close_returns`: back to the pool it came from (which closes it if it was closed).
        await connection.close()

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
