"""Liveness never touches the database; readiness follows it, bounded by 2 s, and recovers."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from pakaura_api import __version__
from pakaura_api.migrate import run_migrations
from pakaura_api.revisions import head_revision, known_revisions

from .conftest import PASSWORD
from .proxy import TcpProxy


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


async def test_readiness_when_migrated(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "schema": head_revision()}


async def test_readiness_refuses_an_unmigrated_database(make_client, create_database) -> None:
    async with make_client(database_url=create_database()) as client:
        response = await client.get("/api/v1/health/ready")
    assert response.status_code == 503
    assert "not migrated" in response.json()["detail"]


def _stamp(url: str, revision: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(32) primary key)"
        )
        conn.execute("DELETE FROM alembic_version")
        conn.execute("INSERT INTO alembic_version VALUES (%s)", (revision,))


async def test_readiness_refuses_a_schema_behind_this_version(make_client, create_database) -> None:
    behind = sorted(known_revisions() - {head_revision()})[-1]  # a revision this version knows
    url = create_database()
    _stamp(url, behind)
    async with make_client(database_url=url) as client:
        response = await client.get("/api/v1/health/ready")
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert f"schema at {behind}, expected {head_revision()}" in detail
    assert "pakaura-api migrate" in detail


async def test_readiness_accepts_a_schema_ahead_of_this_version(
    make_client, create_database
) -> None:
    """After `invoke rollback` to an older image the database carries a newer version's revision:
    the older code still serves (expand/contract migrations), so it is ready and says why."""
    url = create_database()
    async with make_client(database_url=url) as client:
        run_migrations(client.app.state.settings, wait_seconds=10)  # type: ignore[attr-defined]
        _stamp(url, "9f3e1c0a7b2d")
        response = await client.get("/api/v1/health/ready")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready"
        assert body["schema"] == "9f3e1c0a7b2d"
        assert f"ahead of this version (head {head_revision()})" in body["detail"]
        # and it serves: an account and a task against the newer schema
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"email": "ahead@example.com", "password": PASSWORD, "name": "Ahead"},
        )
        assert signup.status_code == 201, signup.text
        token = signup.json()["access_token"]
        created = await client.post(
            "/api/v1/tasks",
            json={"title": "served by the older code"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text


@pytest.mark.parametrize("outage", ["blackhole", "refuse"])
async def test_readiness_follows_the_database_and_recovers(
    outage: str, make_client, proxied_database: tuple[TcpProxy, str], auth_headers: dict[str, str]
) -> None:
    proxy, url = proxied_database
    async with make_client(database_url=url) as client:
        assert (await client.get("/api/v1/health/ready")).status_code == 200
        assert (await client.get("/api/v1/tasks", headers=auth_headers)).status_code == 200

        proxy.set_mode(outage)
        started = time.monotonic()
        ready = await client.get("/api/v1/health/ready")
        elapsed = time.monotonic() - started
        assert ready.status_code == 503
        assert "detail" in ready.json()
        assert elapsed < 2.0, f"readiness took {elapsed:.2f}s"
        live = await client.get("/api/v1/health")
        assert live.status_code == 200

        proxy.set_mode("forward")
        deadline = time.monotonic() + 5
        while (await client.get("/api/v1/health/ready")).status_code != 200:
            assert time.monotonic() < deadline, "not ready 5 s after the database came back"
            await asyncio.sleep(0.2)
        # The pool recovers too, without restarting the app: a request that meets a dead
        # pooled connection is answered 503 (never 500), and the pool is renewed.
        statuses = []
        while not statuses or statuses[-1] != 200:
            assert time.monotonic() < deadline + 5, statuses
            statuses.append((await client.get("/api/v1/tasks", headers=auth_headers)).status_code)
        assert set(statuses) <= {200, 503}
        assert len(statuses) <= 2, statuses


async def test_database_down_is_503_not_500(make_client, auth_headers) -> None:
    async with make_client(database_url="postgresql://pakaura:x@127.0.0.1:1/none") as client:
        assert (await client.get("/api/v1/health")).status_code == 200
        response = await client.get("/api/v1/tasks", headers=auth_headers)
    assert response.status_code == 503
    assert response.json() == {"detail": "Database temporarily unavailable"}
