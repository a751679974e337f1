"""The worker's PostgreSQL pool (`pg_pool.py`): psycopg_pool, shared by SQLAlchemy and the
prebuilt statements. What it must keep from SQLAlchemy's own pool: one budget of connections
(`test_tasks.test_pool_exhaustion_is_503_with_retry_after` holds SQLAlchemy's connection and the
list, on the pool's, gets 503), the same errors, nothing left open after disposal, a
fast 503 while the database is unreachable and a prompt recovery, and no state growing on a
connection used many times."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from pakaura_api import db
from pakaura_api.db import Link
from pakaura_api.main import create_app
from pakaura_api.pg_pool import WorkerPool
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import MakeClient, _settings_for
from .proxy import TcpProxy

SELECT_ONE = text("SELECT 1")
TASKS = "/api/v1/tasks"


def _pool(engine: AsyncEngine) -> WorkerPool:
    pool = db.worker_pool(engine)
    assert pool is not None
    return pool


async def test_prebuilt_statements_fail_as_through_sqlalchemy(make_client: MakeClient) -> None:
    async with make_client() as client:
        engine = client.app.state.autocommit_engine  # type: ignore[attr-defined]
        duplicate = text("INSERT INTO ids VALUES (:id)")

        async def twice(connection: db.Connection) -> None:
            assert isinstance(connection, Link)  # straight from the pool, no SQLAlchemy
            await db.fetch(connection, text("CREATE TEMPORARY TABLE ids (id int PRIMARY KEY)"), {})
            await db.fetch(connection, duplicate, {"id": 1})
            await db.fetch(connection, duplicate, {"id": 1})

        with pytest.raises(IntegrityError) as raised:
            await db.run_prebuilt(engine, twice, read_only=False)
        assert not raised.value.connection_invalidated


async def test_a_link_the_server_closed_is_invalidated(make_client: MakeClient) -> None:
    async with make_client() as client:
        engine = client.app.state.autocommit_engine  # type: ignore[attr-defined]
        pool = _pool(engine)
        victim = await pool.getconn()
        try:
            link = Link(victim, engine.dialect)
            pid = (await db.fetch(link, text("SELECT pg_backend_pid()"), {}))[0][0]
            async with engine.connect() as killer:
                await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(OperationalError) as raised:
                await db.fetch(link, SELECT_ONE, {})
            assert raised.value.connection_invalidated
        finally:
            await pool.putconn(victim)

        async def read(connection: db.Connection) -> object:
            return await db.fetch(connection, SELECT_ONE, {})

        # The dead one is gone: the next statement runs on a live connection.
        assert list(await db.run_prebuilt(engine, read, read_only=True)) == [(1,)]


async def test_the_most_recently_returned_connection_is_handed_out_first(
    make_client: MakeClient,
) -> None:
    """LIFO (`LifoConnectionPool`): the connections a worker's load needs stay hot, the rest
    idle until they are closed. psycopg_pool's own order would give `first` back next."""
    async with make_client(db_pool_size=3) as client:
        pool = _pool(client.app.state.autocommit_engine)  # type: ignore[attr-defined]
        first, second, third = [await pool.getconn() for _ in range(3)]
        for connection in (first, second, third):
            await pool.putconn(connection)
        again = await pool.getconn()
        then = await pool.getconn()
        assert (again, then) == (third, second)
        for connection in (again, then):
            await pool.putconn(connection)
        assert (await pool.pool()).get_stats()["pool_available"] == 3


async def test_a_session_gives_its_connection_back_in_autocommit(make_client: MakeClient) -> None:
    """Sessions run transactions (`db.TRANSACTION`) on the pool's connections; the prebuilt
    statements rely on autocommit (a write in a transaction nobody commits would be lost)."""
    async with make_client(db_pool_size=1) as client:  # one connection: both use it
        app = client.app  # type: ignore[attr-defined]
        async with app.state.sessionmaker() as session:
            connection = await session.connection(execution_options=db.TRANSACTION)
            assert not (await connection.get_raw_connection()).driver_connection.autocommit
            await connection.execute(SELECT_ONE)

        async def autocommit(connection: db.Connection) -> bool:
            assert isinstance(connection, Link)
            return connection.driver.autocommit

        assert await db.run_prebuilt(app.state.autocommit_engine, autocommit, read_only=True)


async def test_sqlalchemy_adds_its_notice_logger_once(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLAlchemy adds a notice logger whenever its NullPool "connects": without the guard in
    `PooledConnection`, a connection checked out 20 times would log each notice 20 times."""
    notice = text("DO $$ BEGIN RAISE NOTICE 'pakaura notice'; END $$")
    async with make_client(db_pool_size=1) as client:
        engine = client.app.state.autocommit_engine  # type: ignore[attr-defined]
        for _ in range(20):
            async with engine.connect() as connection:
                await connection.execute(SELECT_ONE)
        with caplog.at_level(logging.INFO, logger="sqlalchemy.dialects.postgresql"):
            async with engine.connect() as connection:
                await connection.execute(notice)
    assert [r.getMessage() for r in caplog.records].count("NOTICE: pakaura notice") == 1


async def test_disposing_the_engine_closes_the_pool(database_url: str, tmp_path: Path) -> None:
    application = create_app(_settings_for(database_url, tmp_path, db_pool_size=3))
    engine: AsyncEngine = application.state.autocommit_engine
    pool = _pool(engine)

    async def read(connection: db.Connection) -> object:
        return await db.fetch(connection, SELECT_ONE, {})

    held = [await pool.getconn() for _ in range(3)]
    for connection in held:
        await pool.putconn(connection)
    assert not any(connection.closed for connection in held)
    await application.state.engine.dispose()
    await application.state.probe_engine.dispose()
    assert all(connection.closed for connection in held)
    # As with SQLAlchemy's engines, a disposed engine can be used again (a new pool).
    assert list(await db.run_prebuilt(engine, read, read_only=True)) == [(1,)]
    await application.state.engine.dispose()


async def test_an_outage_is_a_fast_503_and_the_pool_recovers_within_seconds(
    make_client: MakeClient,
    proxied_database: tuple[TcpProxy, str],
    auth_headers: dict[str, str],
) -> None:
    """While the database is unreachable a request answers 503 at once, not after the pool's
    timeout (30 s here); once it is back the pool serves again within seconds (psycopg_pool's
    default backoff would have grown to 8 s by then). The proxy cuts open connections and
    refuses new ones."""
    proxy, url = proxied_database
    async with make_client(database_url=url, db_pool_timeout_seconds=30) as client:
        assert (await client.get(TASKS, headers=auth_headers)).status_code == 200
        proxy.set_mode("refuse")
        outage = time.monotonic()
        while time.monotonic() - outage < 8:  # the default backoff would reach 8 s
            started = time.monotonic()
            response = await client.get(TASKS, headers=auth_headers)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "2"
            assert time.monotonic() - started < 2
            await asyncio.sleep(0.2)
        proxy.set_mode("forward")
        back = time.monotonic()
        statuses = [(await client.get(TASKS, headers=auth_headers)).status_code]
        while statuses[-1] != 200:
            assert time.monotonic() - back < 3, statuses
            await asyncio.sleep(0.1)
            statuses.append((await client.get(TASKS, headers=auth_headers)).status_code)
        assert set(statuses) <= {200, 503}


async def test_an_unreachable_database_at_start_is_a_fast_503(
    make_client: MakeClient, auth_headers: dict[str, str]
) -> None:
    async with make_client(
        database_url="postgresql://pakaura:x@127.0.0.1:1/none", db_pool_timeout_seconds=30
    ) as client:
        for _ in range(5):
            started = time.monotonic()
            response = await client.get(TASKS, headers=auth_headers)
            assert response.status_code == 503
            assert time.monotonic() - started < 2
            await asyncio.sleep(0.3)
