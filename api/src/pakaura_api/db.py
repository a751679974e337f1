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

import json
import select
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
import pydantic_core
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, PoolProxiedConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn
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


def json_loads(data: str | bytes) -> Any:
    """JSON columns as Python values: pydantic's parser (0.1 µs for `[]`, 1 µs for an action,
    against json.loads' 1.5 / 3.1 µs: a chat turn reads 20 such values), json.loads for what it
    refuses and json.loads accepts (an unpaired surrogate escape), so nothing reads differently."""
    try:
        return pydantic_core.from_json(data)
    except ValueError:
        return json.loads(data)


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
            # Times come back in UTC, as the API answers them. In UTC psycopg builds them with
            # `timezone.utc`; in the server's zone (e.g. Etc/UTC) it converts each one with
            # `astimezone`: 13 % of a 50-task list's instructions (fetch 156 -> 112 µs).
            "options": f"{url.query.get('options') or ''} -c TimeZone=UTC".strip(),
        }
    kwargs["json_deserializer"] = json_loads
    if pooled and not settings.is_sqlite:
        # In autocommit from the start: nearly every statement runs on its own, and switching
        # each checkout into autocommit and back (`execution_options`) cost 0.18 M instructions
        # per statement (7 % of a task list). Sessions ask for a transaction (`get_session`).
        kwargs["isolation_level"] = "AUTOCOMMIT"
        # No rollback when a connection goes back: in autocommit there is nothing to roll back,
        # and a session's Connection rolls its own transaction back before it returns (the
        # no-op rollback cost 0.05 M instructions per statement).
        kwargs["pool_reset_on_return"] = None
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


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The pool with each statement its own transaction (no BEGIN/COMMIT; reads never end in
    ROLLBACK): PostgreSQL's pool is created so, SQLite's is switched at each checkout."""
    if engine.dialect.name == "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


TRANSACTION = {"isolation_level": "READ COMMITTED"}  # PostgreSQL's default, for sessions


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
        return await _on_connection(engine, work)
    except DBAPIError as error:
        if not (error.connection_invalidated and (read_only or never_ran(error))):
            raise
    # The pool discarded every connection older than the failure; this one is new.
    return await _on_connection(engine, work)


async def _on_connection(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    if engine.dialect.name != "postgresql":
        async with engine.connect() as connection:
            return await work(connection)
    # `async with` closes in a task of its own, so that a cancellation cannot cut the close
    # short (0.045 M instructions per statement). PostgreSQL's pool does nothing on return
    # that could wait (no reset: `create_engine`), so a plain close cannot be cut short either.
    connection = await engine.connect()
    try:
        return await work(connection)
    finally:
        await connection.close()


# --- prebuilt statements straight to the driver (PostgreSQL) -----------------------------------


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    sql: str
    defaults: dict[str, Any]  # values of the statement's literals (anonymous bound parameters)
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]  # e.g. JSON -> psycopg Json()


_DRIVER_STATEMENTS: dict[tuple[ClauseElement, str], _DriverStatement | None] = {}


def _driver_statement(statement: ClauseElement, dialect: Dialect) -> _DriverStatement | None:
    """`statement` compiled once for `dialect`, or None when it needs SQLAlchemy at run time
    (expanding or literal-rendered parameters)."""
    key = (statement, dialect.name)
    if key not in _DRIVER_STATEMENTS:
        compiled: Any = statement.compile(dialect=dialect)
        plain = not (
            compiled.positional
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
        )
        defaults: dict[str, Any] = {}
        processors = []
        for name, bind in compiled.binds.items():
            if not bind.required:
                defaults[name] = bind.effective_value
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        _DRIVER_STATEMENTS[key] = (
            _DriverStatement(compiled.string, defaults, tuple(processors)) if plain else None
        )
    return _DRIVER_STATEMENTS[key]


_ROWS = psycopg.pq.ExecStatus.TUPLES_OK
_CURSOR = "pakaura.cursor"


def _cursor(pooled: PoolProxiedConnection) -> Any:
    """The connection's binary cursor, made once per connection and reused: a new cursor per
    statement (and `description` to see whether rows came back) cost ~30 µs of the 160 µs a
    50-row statement takes in psycopg (measured: 170 -> 140 µs)."""
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver:
        cursor = pooled.info[_CURSOR] = driver.cursor(binary=True)  # type: ignore[union-attr]
    return cursor


async def fetch(
    connection: AsyncConnection, statement: ClauseElement, params: dict[str, Any]
) -> Sequence[Sequence[Any]]:
    """Every row of a prebuilt `statement` (tuples, in its column order; [] without rows).

    On PostgreSQL the statement, compiled once, goes straight to psycopg's connection with
    binary results: SQLAlchemy's per-execution work (compiled-cache lookup, execution context,
    result objects, a greenlet hop per driver call) was ~45 % of a 50-task list's CPU
    (measured: 0.59 ms of 1.25 ms in-process; the raw statement 0.21 ms). A driver error still
    goes through SQLAlchemy's handling: the same exception classes (`IntegrityError`, ...),
    and a connection the server closed is invalidated (`connection_invalidated`, see `run`).
    Other databases: `connection.execute`."""
    driver = (
        _driver_statement(statement, connection.dialect)
        if connection.dialect.name == "postgresql"
        else None
    )
    if driver is None:
        return (await connection.execute(statement, params)).all()  # type: ignore[call-overload,no-any-return]
    values = {**driver.defaults, **params}
    for name, process in driver.processors:
        if name in values:
            values[name] = process(values[name])
    sync = connection.sync_connection
    assert sync is not None
    try:
        cursor = _cursor(sync.connection)
        await cursor.execute(driver.sql, values)
        if cursor.pgresult is None or cursor.pgresult.status != _ROWS:
            return []
        rows: list[tuple[Any, ...]] = await cursor.fetchall()
        return rows
    except BaseException as error:  # as SQLAlchemy would: wrap, and invalidate when disconnected
        await greenlet_spawn(sync._handle_dbapi_exception, error, driver.sql, values, None, None)
        raise  # pragma: no cover (the handler always raises)
