"""Database engines and sessions (async; Alembic uses the sync driver, see `migrate.py`).

PostgreSQL: one pool per worker process, `DB_POOL_SIZE` (+ `DB_POOL_MAX_OVERFLOW`) connections,
LIFO so a quiet period lets the surplus idle out instead of keeping every connection warm, no
pre-ping by default (reads that meet a dead connection are retried once: `deps.run_statement`).

SQLite (the local default, for one person or a small team): WAL, so readers never wait for the
writer; `busy_timeout`, so a writer waits for the lock instead of failing; and every transaction
that SQLAlchemy begins is `BEGIN IMMEDIATE`, taking the write lock up front (a deferred
transaction that reads and then writes can fail at once with SQLITE_BUSY, whatever the timeout).
Statements on the autocommit engine need no BEGIN at all: each is its own transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
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
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: returned objects stay readable after commit without a reload query.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
