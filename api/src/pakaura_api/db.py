"""Database engines and sessions (async; Alembic uses the sync driver, see `migrate.py`).

PostgreSQL: one pool per worker process, `DB_POOL_SIZE` (+ `DB_POOL_MAX_OVERFLOW`) connections,
LIFO so a quiet period lets the surplus idle out instead of keeping every connection warm, no
pre-ping round trip by default: a checkout polls the socket instead (a connection the server
closed is replaced before use), and a statement that still meets a dead connection is retried
once when that is safe (`run`).

SQLite (the local default, for one person or a small team): WAL, so readers never wait for the
writer; `busy_timeout`, so a writer waits for the lock instead of failing; and every transaction
that SQLAlchemy begins is `BEGIN IMMEDIATE`, taking the write lock up front (a deferred
transaction that reads and then writes can fail at once with SQLITE_BUSY, whatever the timeout).
Statements on the autocommit engine need no BEGIN at all: each is its own transaction.
"""

from __future__ import annotations

import select
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.config import Settings


def _sqlite_connection_setup(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not BEGIN on its own: SQLAlchemy's "begin" event emits BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # persistent in the file; cheap to repeat
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a process crash loses nothing
    cursor.execute("PRAGMA foreign_keys=ON")  # off unless asked, per connection
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _discard_if_hung_up(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, a pre-ping without a round trip: an idle PostgreSQL connection has nothing to
    read unless the server has ended the session (a shutdown's FATAL message, or EOF), so a
    readable socket means "dead". Raising DisconnectionError makes the pool replace it before
    any statement is sent, so a database restart costs no failed request even when the error
    would carry no SQLSTATE (a pod that went away). One poll() per checkout, ~1 µs."""
    try:
        socket = dbapi_connection.driver_connection.pgconn.socket
    except Exception:  # closed on the client side already
        raise DisconnectionError from None
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """The app's engine. `pooled=False` gives a fresh connection each time (readiness probe)."""
    url = settings.database()
    kwargs: dict[str, Any] = {}
    if settings.is_sqlite:
        settings.pakaura_data_dir.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": settings.db_busy_timeout_seconds}
    else:
        # libpq's connect_timeout is whole seconds, at least 2.
        kwargs["connect_args"] = {
            "connect_timeout": max(2, int(settings.db_connect_timeout_seconds)),
            "application_name": "pakaura-api",
        }
    if pooled:
        kwargs.update(
            pool_pre_ping=settings.db_pool_pre_ping,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            pool_recycle=1800,
            pool_use_lifo=True,
        )
    else:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_connection_setup)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    elif pooled:
        event.listen(engine.sync_engine, "checkout", _discard_if_hung_up)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: returned objects stay readable after commit without a reload query.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


T = TypeVar("T")

# The server ended the session on its own (shutdown, crash recovery, still starting) and said so
# before reading anything more: a statement sent on that connection was never executed.
_SESSION_ENDED_FIRST = frozenset({"57P01", "57P02", "57P03"})


def never_ran(error: DBAPIError) -> bool:
    """True when the failed statement cannot have been applied: the connection was closed before
    it was sent, or PostgreSQL had already terminated the session (admin/crash shutdown)."""
    cause = error.orig
    return getattr(cause, "sqlstate", None) in _SESSION_ENDED_FIRST or (
        "connection is closed" in str(cause)
    )


async def run(
    engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]], *, read_only: bool
) -> T:
    """Run `work` on a pooled connection of `engine`, retrying once on a fresh connection when
    the pooled one turned out dead (the database restarted since it was opened) and retrying
    cannot apply anything twice: always for reads, for writes only when the statement never ran.
    Pre-ping is off, so this is how a database restart stays invisible to users; any other
    failure (or a write that may have been applied) propagates (503 with Retry-After)."""
    try:
        async with engine.connect() as connection:
            return await work(connection)
    except DBAPIError as error:
        if not (error.connection_invalidated and (read_only or never_ran(error))):
            raise
    # The pool discarded every connection older than the failure; this one is new.
    async with engine.connect() as connection:
        return await work(connection)
