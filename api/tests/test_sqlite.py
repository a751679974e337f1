"""The same app in-process on SQLite (the local default): migrations, requests, foreign keys."""

from __future__ import annotations

import httpx
from pakaura_api.config import load_settings
from pakaura_api.main import create_app
from pakaura_api.migrate import run_migrations
from sqlalchemy import text


async def test_app_on_sqlite(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sqlite") as client:
            assert (await client.get("/api/v1/health/ready")).status_code == 200
            signup = await client.post(
                "/api/v1/auth/signup",
                json={"email": "lite@example.com", "password": "tawny-otter-lantern"},
            )
            headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
            task = await client.post("/api/v1/tasks", json={"title": "lite"}, headers=headers)
            assert task.status_code == 201
            assert task.json()["created_at"].endswith(("Z", "+00:00"))  # UTC even on SQLite
            listed = (await client.get("/api/v1/tasks", headers=headers)).json()
            assert [t["title"] for t in listed] == ["lite"]
        async with app.state.engine.connect() as conn:
            # Foreign keys are enforced (SQLite needs the pragma on every connection).
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()


async def test_64_concurrent_writers_on_sqlite_get_no_503(tmp_path) -> None:
    """Before: rollback journal + deferred transactions + 5 s busy wait → 503s at 48-64 writers.
    Now: WAL, busy_timeout, one statement per write. Every acknowledged write is stored."""
    import asyncio
    import collections
    import time

    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    statuses: collections.Counter[int] = collections.Counter()
    acknowledged: list[int] = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sqlite") as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={"email": "crowd@example.com", "password": "tawny-otter-lantern"},
            )
            headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
            deadline = time.monotonic() + 3

            async def writer(n: int) -> None:
                for i in range(200):  # bounded in count and in time
                    if time.monotonic() > deadline:
                        return
                    response = await client.post(
                        "/api/v1/tasks", json={"title": f"w{n}-{i}"}, headers=headers
                    )
                    statuses[response.status_code] += 1
                    if response.status_code == 201:
                        acknowledged.append(response.json()["id"])

            await asyncio.gather(*(writer(n) for n in range(64)))
            stored = await client.get("/api/v1/tasks", params={"limit": 500}, headers=headers)
        async with app.state.engine.connect() as conn:
            assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
            count = await conn.scalar(text("SELECT count(*) FROM tasks"))
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()
    print(f"sqlite, 64 writers for 3 s: {dict(statuses)}, {len(acknowledged)} acknowledged")
    assert set(statuses) == {201}, statuses
    assert count == len(acknowledged)
    assert stored.status_code == 200
