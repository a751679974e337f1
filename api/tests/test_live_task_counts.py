"""`users.live_tasks` (migration 0004: the per-user cap reads it instead of counting) equals the
user's tasks that are not deleted after every kind of write, on PostgreSQL and on SQLite, and
the migration fills it in for tasks written before it."""

from __future__ import annotations

import httpx
import psycopg
from pakaura_api.config import load_settings
from pakaura_api.main import create_app
from pakaura_api.migrate import run_migrations
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import TEST_JWT_SECRET, MakeUser, migrate_to

TASKS = "/api/v1/tasks"
COUNTS = text(
    "SELECT u.live_tasks, (SELECT count(*) FROM tasks t WHERE t.user_id = u.id"
    " AND t.deleted_at IS NULL) FROM users u WHERE u.id = :id"
)


async def _counts(engine: AsyncEngine, user_id: int) -> tuple[int, int]:
    """(the stored count, the tasks counted)."""
    async with engine.connect() as connection:
        kept, counted = (await connection.execute(COUNTS, {"id": user_id})).one()
    return kept, counted


async def _every_kind_of_write(
    client: httpx.AsyncClient, engine: AsyncEngine, user_id: int, headers: dict[str, str]
) -> list[int]:
    """Create, change, soft-delete, restore, remove for good, and a chat tool's create: the stored
    count after each (each also checked against counting the tasks)."""
    seen = []

    async def check() -> None:
        kept, counted = await _counts(engine, user_id)
        assert kept == counted
        seen.append(kept)

    ids = []
    for n in range(3):
        created = await client.post(TASKS, json={"title": f"t{n}"}, headers=headers)
        assert created.status_code == 201
        ids.append(created.json()["id"])
    await check()
    assert (
        await client.patch(f"{TASKS}/{ids[0]}", json={"completed": True}, headers=headers)
    ).status_code == 200
    await check()
    assert (await client.delete(f"{TASKS}/{ids[0]}", headers=headers)).status_code == 204
    assert (await client.delete(f"{TASKS}/{ids[1]}", headers=headers)).status_code == 204
    await check()
    assert (await client.post(f"{TASKS}/{ids[1]}/restore", headers=headers)).status_code == 200
    await check()
    # Removed for good (as the purge and a cascade do): a deleted task, and a live one.
    async with engine.connect() as connection:
        removed = text("DELETE FROM tasks WHERE id IN (:deleted, :live)")
        await connection.execute(removed, {"deleted": ids[0], "live": ids[2]})
        await connection.commit()
    await check()
    chat = await client.post(
        "/api/v1/chat", json={"message": "Add a task to count"}, headers=headers
    )
    assert chat.status_code == 200, chat.text
    await check()
    return seen


async def test_the_count_follows_every_write_on_postgresql(
    client, app, make_user: MakeUser
) -> None:
    user = await make_user()
    seen = await _every_kind_of_write(client, app.state.engine, user.id, user.headers)
    assert seen == [3, 3, 1, 2, 1, 2]


async def test_the_count_follows_every_write_on_sqlite(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sqlite"
        ) as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={"email": "count@example.com", "password": "tawny-otter-lantern"},
            )
            body = signup.json()
            headers = {"Authorization": f"Bearer {body['access_token']}"}
            seen = await _every_kind_of_write(client, app.state.engine, body["user"]["id"], headers)
        assert seen == [3, 3, 1, 2, 1, 2]
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()


def test_the_migration_counts_the_tasks_already_there(create_database, tmp_path) -> None:
    url = create_database()
    settings = load_settings(
        database_url=url, jwt_secret=TEST_JWT_SECRET, pakaura_data_dir=tmp_path
    )
    migrate_to(url, "0003")
    with psycopg.connect(url, autocommit=True) as conn:
        for email in ("a@example.com", "b@example.com", "c@example.com"):
            conn.execute(
                "INSERT INTO users (email, password_hash, created_at) VALUES (%s, 'x', now())",
                (email,),
            )
        conn.execute(
            "INSERT INTO tasks (user_id, title, description, priority, completed, created_at,"
            " updated_at, deleted_at) SELECT u.id, 't', '', 'medium', false, now(), now(),"
            " CASE WHEN n % 4 = 0 THEN now() END FROM users u, generate_series(1, 10) n"
            " WHERE u.email IN ('a@example.com', 'b@example.com')"
        )
    run_migrations(settings)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT email, live_tasks FROM users ORDER BY email").fetchall()
    assert rows == [("a@example.com", 8), ("b@example.com", 8), ("c@example.com", 0)]
