"""Database engines and sessions (async; Alembic uses the sync driver, see `migrate.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.config import Settings


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores ON DELETE CASCADE and foreign keys unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """The app's engine. `pooled=False` gives a fresh connection each time (readiness probe)."""
    url = settings.database()
    kwargs: dict[str, Any] = {}
    if settings.is_sqlite:
        settings.pakaura_data_dir.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 5}
    else:
        # libpq's connect_timeout is whole seconds, at least 2.
        kwargs["connect_args"] = {
            "connect_timeout": max(2, int(settings.db_connect_timeout_seconds)),
            "application_name": "pakaura-api",
        }
        if pooled:
            # Pre-ping (default on): after a database restart, a dead pooled connection is found
            # at checkout and replaced, so no request fails; without it the first query on it
            # fails (503) and SQLAlchemy then renews the whole pool.
            kwargs.update(
                pool_pre_ping=settings.db_pool_pre_ping,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_pool_max_overflow,
                pool_timeout=10,
                pool_recycle=1800,
            )
    if not pooled:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: returned objects stay readable after commit without a reload query.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
