"""Database engines and sessions (async; Alembic uses the sync driver, see `migrate.py`).

PostgreSQL: one psycopg pool per worker process (`pg_pool.py`: at most `DB_POOL_SIZE` +
`DB_POOL_MAX_OVERFLOW` connections, idle ones closed after 10 minutes), shared by SQLAlchemy and
the prebuilt statements (`run_prebuilt`, `fetch`). No pre-ping round trip by default: handing
out a connection polls its socket instead (one the server closed is replaced before use), and a
statement that still meets a dead connection is retried once when that is safe (`run`).

SQLite (the local default, for one person or a small team): WAL, so readers never wait for the
writer; `busy_timeout`, so a writer waits for the lock instead of failing; and every transaction
that SQLAlchemy begins is `BEGIN IMMEDIATE`, taking the write lock up front (a deferred
transaction that reads and then writes can fail at once with SQLITE_BUSY, whatever the timeout).
Statements on the autocommit engine need no BEGIN at all: each is its own transaction.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import psycopg
import pydantic_core
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import await_, greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.config import Settings
from pakaura_api.pg_pool import PooledConnection, WorkerPool, connection_kwargs


def _sqlite_connection_setup(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not BEGIN on its own: SQLAlchemy's "begin" event emits BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # persistent in the file; cheap to repeat
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a process crash loses nothing
    cursor.execute("PRAGMA foreign_keys=ON")  # off unless asked, per connection
    cursor.close()


def _sqlite_begin(connection: SyncConnection) -> None:
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


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """The app's engine. `pooled=False` gives a fresh connection each time (readiness probe).
    PostgreSQL's pooled engine borrows from the worker's psycopg pool (`pg_pool.py`)."""
    url = settings.database()
    if settings.is_sqlite:
        return _sqlite_engine(settings, url, pooled=pooled)
    kwargs = connection_kwargs(url, settings.db_connect_timeout_seconds, json_loads)
    if not pooled:
        return create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={k: v for k, v in kwargs.items() if k not in ("autocommit", "context")},
            json_deserializer=json_loads,
        )
    pool = WorkerPool(
        url,
        kwargs,
        max_size=settings.db_pool_size + settings.db_pool_max_overflow,
        timeout=settings.db_pool_timeout_seconds,
        pre_ping=settings.db_pool_pre_ping,
    )
    engine = create_async_engine(
        url,
        poolclass=NullPool,
        async_creator=pool.getconn,
        # In autocommit from the start: nearly every statement runs on its own, and switching
        # each checkout into autocommit and back (`execution_options`) cost 0.18 M instructions
        # per statement (7 % of a task list). Sessions ask for a transaction
        # (`deps.session_in_transaction`).
        isolation_level="AUTOCOMMIT",
        # No rollback when a connection goes back: in autocommit there is nothing to roll back,
        # and a session's Connection rolls its own transaction back before it returns.
        pool_reset_on_return=None,
        json_deserializer=json_loads,
    )
    _POOLS[engine.sync_engine] = pool
    # `await engine.dispose()` closes the pool too (the listener runs inside SQLAlchemy's
    # greenlet, where `await_` may wait on a coroutine).
    event.listen(engine.sync_engine, "engine_disposed", lambda _: await_(pool.close()))
    return engine


def _sqlite_engine(settings: Settings, url: URL, *, pooled: bool) -> AsyncEngine:
    settings.pakaura_data_dir.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": settings.db_busy_timeout_seconds},
        "json_deserializer": json_loads,
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
    event.listen(engine.sync_engine, "connect", _sqlite_connection_setup)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


_POOLS: WeakKeyDictionary[Engine, WorkerPool] = WeakKeyDictionary()


def worker_pool(engine: AsyncEngine) -> WorkerPool | None:
    """The psycopg pool behind a pooled PostgreSQL engine; None for SQLite or the probe."""
    return _POOLS.get(engine.sync_engine)


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
    return await _retrying(lambda: _on_connection(engine, work), read_only, worker_pool(engine))


async def run_prebuilt(
    engine: AsyncEngine, work: Callable[[Connection], Awaitable[T]], *, read_only: bool
) -> T:
    """`run` for work made only of prebuilt statements (`fetch`): on PostgreSQL it gets a
    connection straight from the worker's pool (`Link`), without SQLAlchemy's connection and
    checkout machinery (~80 us of CPU per request, see `pg_pool.py`). Same retry rule."""
    pool = worker_pool(engine)
    if pool is None:
        return await run(engine, work, read_only=read_only)
    return await _retrying(lambda: _on_link(pool, engine.dialect, work), read_only, pool)


async def _retrying(
    attempt: Callable[[], Awaitable[T]], read_only: bool, pool: WorkerPool | None
) -> T:
    try:
        return await attempt()
    except DBAPIError as error:
        if error.connection_invalidated and pool is not None:
            pool.suspect()  # the next connection is handed out only if the server answers
        if not (error.connection_invalidated and (read_only or never_ran(error))):
            raise
    # The dead connection is gone, and the pool's check replaces any other the server closed.
    return await attempt()


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


@dataclass(frozen=True, slots=True)
class Link:
    """A connection of the worker's PostgreSQL pool, held for one `run_prebuilt`."""

    driver: PooledConnection
    dialect: Dialect


Connection = AsyncConnection | Link  # what `fetch` runs on


async def _on_link(pool: WorkerPool, dialect: Dialect, work: Callable[[Link], Awaitable[T]]) -> T:
    try:
        driver = await pool.getconn()
    except psycopg.Error as error:  # as SQLAlchemy wraps them: the app's handlers answer 503
        raise _wrapped(error, None, None, dialect, invalidated=False) from error
    try:
        return await work(Link(driver, dialect))
    finally:
        await pool.putconn(driver)


def _wrapped(
    error: psycopg.Error, sql: str | None, values: Any, dialect: Dialect, *, invalidated: bool
) -> DBAPIError:
    wrapped = DBAPIError.instance(
        sql, values, error, psycopg.Error, connection_invalidated=invalidated, dialect=dialect
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped


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


async def fetch(
    connection: Connection, statement: ClauseElement, params: dict[str, Any]
) -> Sequence[Sequence[Any]]:
    """Every row of a prebuilt `statement` (tuples, in its column order; [] without rows).

    On PostgreSQL the statement, compiled once, goes straight to psycopg's connection with
    binary results: SQLAlchemy's per-execution work (compiled-cache lookup, execution context,
    result objects, a greenlet hop per driver call) was ~45 % of a 50-task list's CPU
    (measured: 0.59 ms of 1.25 ms in-process; the raw statement 0.21 ms). A driver error is
    wrapped as SQLAlchemy would: the same exception classes (`IntegrityError`, ...), and
    `connection_invalidated` when the connection died (see `run`).
    Other databases: `connection.execute`."""
    driver: Any
    if isinstance(connection, Link):
        driver, dialect = connection.driver, connection.dialect
    elif connection.dialect.name == "postgresql":
        sync = connection.sync_connection
        assert sync is not None
        driver, dialect = sync.connection.driver_connection, connection.dialect
    else:
        return (await connection.execute(statement, params)).all()  # type: ignore[call-overload,no-any-return]
    prebuilt = _driver_statement(statement, dialect)
    if prebuilt is None:  # needs SQLAlchemy at run time
        assert isinstance(connection, AsyncConnection), "a Link runs prebuilt statements only"
        return (await connection.execute(statement, params)).all()  # type: ignore[call-overload,no-any-return]
    values = {**prebuilt.defaults, **params}
    for name, process in prebuilt.processors:
        if name in values:
            values[name] = process(values[name])
    try:
        # A pool's connection keeps its cursor; another (an engine made elsewhere) gets one.
        cursor = (
            driver.statements()
            if isinstance(driver, PooledConnection)
            else driver.cursor(binary=True)
        )
        await cursor.execute(prebuilt.sql, values)
        if cursor.pgresult is None or cursor.pgresult.status != _ROWS:
            return []
        rows: list[tuple[Any, ...]] = await cursor.fetchall()
        return rows
    except psycopg.Error as error:
        if isinstance(connection, Link):
            dead = bool(driver.closed or driver.broken)
            raise _wrapped(error, prebuilt.sql, values, dialect, invalidated=dead) from error
        await _sqlalchemy_handles(connection, error, prebuilt.sql, values)
        raise  # pragma: no cover (the handler always raises)
    except BaseException as error:  # e.g. a cancellation: SQLAlchemy decides about the connection
        if isinstance(connection, AsyncConnection):
            await _sqlalchemy_handles(connection, error, prebuilt.sql, values)
        raise


async def _sqlalchemy_handles(
    connection: AsyncConnection, error: BaseException, sql: str, values: Any
) -> None:
    """As SQLAlchemy would: wrap the driver's error, invalidate the connection when it died."""
    sync = connection.sync_connection
    assert sync is not None
    await greenlet_spawn(sync._handle_dbapi_exception, error, sql, values, None, None)
