"""The API's statements keep one plan per connection (`pg_pool.GENERIC_PLANS`).

PostgreSQL's default plans a prepared statement again at each execution whenever its estimate
of that custom plan beats the generic one. Once ANALYZE has seen a user with thousands of tasks,
the list's custom plan (bitmap scan, then sort) does, so every list was planned anew: on the
2-core machine, PostgreSQL's CPU per list went from 0.14 ms to 0.28-0.30 ms after ANALYZE.
"""

from __future__ import annotations

from pakaura_api import db
from sqlalchemy import text

from .conftest import MakeClient, sign_up

TASKS = "/api/v1/tasks"
LISTS = 20


async def test_the_list_is_not_planned_again_after_analyze(make_client: MakeClient) -> None:
    async with make_client(db_pool_size=1) as client:  # every request on one connection
        engine = client.app.state.autocommit_engine  # type: ignore[attr-defined]
        reader, heavy = await sign_up(client), await sign_up(client)
        for n in range(50):
            response = await client.post(TASKS, json={"title": f"task {n}"}, headers=reader.headers)
            assert response.status_code == 201, response.text

        async def skew_and_analyze(connection: db.Connection) -> None:
            await db.fetch(
                connection,
                text(
                    "INSERT INTO tasks (user_id, title, description, priority, completed,"
                    " created_at, updated_at) SELECT :user_id, 'bulk ' || n, '', 'medium', false,"
                    " now(), now() FROM generate_series(1, 3000) AS n RETURNING id"
                ),
                {"user_id": heavy.id},
            )
            await db.fetch(connection, text("ANALYZE tasks"), {})

        await db.run_prebuilt(engine, skew_and_analyze, read_only=False)
        for _ in range(LISTS):
            response = await client.get(TASKS, headers=reader.headers)
            assert response.status_code == 200
            assert len(response.json()) == 50

        async def plans(connection: db.Connection) -> tuple[int, int, int]:
            assert isinstance(connection, db.Link)
            rows = await db.fetch(
                connection,
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%FROM tasks%ORDER BY tasks.created_at DESC%'"
                ),
                {},
            )
            [(generic, custom)] = rows  # the list's one prepared statement on this connection
            unprepared = connection.driver.prepare_threshold or 0  # run before psycopg prepares
            return int(generic), int(custom), unprepared

        # The generic plan at each execution once prepared, never a custom one.
        generic, custom, unprepared = await db.run_prebuilt(engine, plans, read_only=True)
        assert (generic, custom) == (LISTS - unprepared, 0)
