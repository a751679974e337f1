"""Housekeeping, as each worker runs it from the app's lifespan: expired soft deletes, revoked
tokens and login counts are purged; a failing database never stops the loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pakaura_api.main import create_app
from pakaura_api.models import utcnow
from sqlalchemy import text

from .conftest import _settings_for

TASKS = "/api/v1/tasks"


async def test_the_lifespan_purges_what_nobody_can_use(make_client, make_user, settings) -> None:
    user = await make_user()
    async with make_client() as client:
        task = (await client.post(TASKS, json={"title": "old"}, headers=user.headers)).json()
        await client.delete(f"{TASKS}/{task['id']}", headers=user.headers)
        await client.post("/api/v1/auth/logout", headers=user.headers)
    url = settings.database().render_as_string(hide_password=False)
    app = create_app(_settings_for(url, settings.pakaura_data_dir, purge_interval_seconds=0.05))
    async with app.state.autocommit_engine.connect() as connection:  # age the rows
        long_ago = utcnow() - timedelta(days=2)
        await connection.execute(
            text("UPDATE tasks SET deleted_at = :t WHERE id = :id"),
            {"t": long_ago, "id": task["id"]},
        )
        await connection.execute(text("UPDATE revoked_tokens SET expires_at = :t"), {"t": long_ago})
    try:
        async with app.router.lifespan_context(app):
            for _ in range(100):  # bounded: 5 s at most
                await asyncio.sleep(0.05)
                async with app.state.autocommit_engine.connect() as connection:
                    left = await connection.scalar(
                        text("SELECT count(*) FROM tasks WHERE id = :id"), {"id": task["id"]}
                    )
                    revoked = await connection.scalar(text("SELECT count(*) FROM revoked_tokens"))
                if left == 0 and revoked == 0:
                    break
        assert (left, revoked) == (0, 0)
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()


async def test_housekeeping_survives_a_database_outage(tmp_path) -> None:
    app = create_app(
        _settings_for(
            "postgresql://pakaura:x@127.0.0.1:1/none", tmp_path, purge_interval_seconds=0.02
        )
    )
    try:
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0.3)  # several failed rounds: logged, never raised
            assert not app.state.housekeeping.done()
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()
