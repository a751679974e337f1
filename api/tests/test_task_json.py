"""Task answers are written with orjson (`routes.tasks._json`), for speed; their bytes must stay
exactly what FastAPI's `response_model=list[TaskPublic]` would give: every ASCII character but
NUL, non-ASCII text, dates, and times with and without a fraction of a second."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from pakaura_api.models import TaskPublic
from pydantic import TypeAdapter
from sqlalchemy import text

from tests.conftest import MakeUser

TASKS = "/api/v1/tasks"
ODD_TEXTS = [
    "".join(chr(c) for c in range(1, 128)),
    'He said "hi" \\ back',
    "Café, naïve, 東京, 🚀, \u2028 \u2029 \ufeff end",
]
TASK_LIST = TypeAdapter(list[TaskPublic])


def _as_the_model(tasks: list[dict[str, object]]) -> bytes:
    """What FastAPI answers for these tasks with `response_model=list[TaskPublic]`."""
    return TASK_LIST.dump_json(TASK_LIST.validate_python(tasks))


async def test_task_answers_are_the_models_json_byte_for_byte(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    user = await make_user()
    made = []
    for i, title in enumerate(ODD_TEXTS):
        body = {"title": f"{i} {title}", "description": title, "due_date": "2030-02-28"}
        created = await client.post(TASKS, json=body, headers=user.headers)
        assert created.status_code == 201
        assert created.content == _as_the_model([created.json()])[1:-1]
        made.append(created.json()["id"])
    done = await client.patch(f"{TASKS}/{made[0]}", json={"completed": True}, headers=user.headers)
    assert done.content == _as_the_model([done.json()])[1:-1]
    # Times without a fraction of a second (written without one), and one at the fraction's edge.
    async with app.state.autocommit_engine.connect() as connection:
        await connection.execute(
            text("UPDATE tasks SET created_at = :at, completed_at = :at WHERE id = :id"),
            {"at": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "id": made[0]},
        )
        await connection.execute(
            text("UPDATE tasks SET updated_at = :at WHERE id = :id"),
            {"at": datetime(2030, 1, 2, 3, 4, 5, 1, tzinfo=UTC), "id": made[1]},
        )

    listed = await client.get(TASKS, headers=user.headers)
    tasks = listed.json()
    assert listed.content == _as_the_model(tasks)
    assert [t["description"] for t in sorted(tasks, key=lambda t: t["id"])] == ODD_TEXTS
    by_id = {t["id"]: t for t in tasks}
    assert by_id[made[0]]["created_at"] == by_id[made[0]]["completed_at"] == "2030-01-02T03:04:05Z"
    assert by_id[made[1]]["updated_at"] == "2030-01-02T03:04:05.000001Z"
