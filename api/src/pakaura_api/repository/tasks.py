"""Task storage scoped to one user: the only place that reads or writes tasks.

Both the HTTP routes and the chat tools go through these functions, so "a user only ever sees and
changes their own tasks" is enforced once, here, by always filtering on `user_id`.

Writes are flushed, never committed: the caller owns the transaction. A route commits once per
request, and a chat turn commits once, so a task change and the messages that report it are
stored together (or not at all), with one COMMIT (one WAL flush) per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import Select, String, bindparam, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.models import ID_MAX, Task, TaskCreate, TaskPublic, TaskUpdate, utcnow
from pakaura_api.terms import TaskStatus

StatusFilter = TaskStatus  # the name this module used before the shared terms existed


async def list_tasks(session: AsyncSession, user_id: int) -> Sequence[Task]:
    """The user's tasks, newest first, as ORM objects (for the chat tools that resolve a task
    by name and then change it; read-only lists use `list_task_records`)."""
    query = (
        select(Task)
        .where(Task.user_id == user_id)
        .order_by(col(Task.created_at).desc(), col(Task.id).desc())
    )
    return (await session.exec(query)).all()


# The read path of the task list (the busiest request) skips the ORM: plain rows of exactly the
# public columns, from statements built once (no per-request SQL construction or cache-key work).
# ORM objects cost ~20 us each to build; a 50-task list was 1 ms of CPU before any serialising.
PUBLIC_COLUMNS = tuple(TaskPublic.model_fields)  # the response's field order
_DATETIME_COLUMNS = ("created_at", "updated_at", "completed_at")
_DATETIMES = tuple(i for i, name in enumerate(PUBLIC_COLUMNS) if name in _DATETIME_COLUMNS)
# The stored priority label is read as a plain string: turning it into `Priority` and back to a
# string for JSON cost more than the rest of the row (valid: `terms` checks name == value).


def _record_query(status: TaskStatus) -> Select[Any]:
    columns = [
        type_coerce(Task.priority, String).label(name)
        if name == "priority"
        else getattr(Task, name)
        for name in PUBLIC_COLUMNS
    ]
    query = select(*columns).where(col(Task.user_id) == bindparam("user_id"))
    if status is not TaskStatus.all:
        query = query.where(col(Task.completed) == (status is TaskStatus.completed))
    return query.order_by(col(Task.created_at).desc(), col(Task.id).desc())


_RECORD_QUERIES = {status: _record_query(status) for status in TaskStatus}


async def list_task_records(
    connection: AsyncConnection, user_id: int, status: TaskStatus = TaskStatus.all
) -> list[dict[str, Any]]:
    """The user's tasks, newest first, as plain dicts shaped like `TaskPublic` (read-only use)."""
    rows = await connection.execute(_RECORD_QUERIES[status], {"user_id": user_id})
    if connection.dialect.name != "sqlite":  # PostgreSQL's timestamptz keeps its UTC offset
        return [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in rows]
    records = []
    for row in rows:
        values = list(row)
        for i in _DATETIMES:  # SQLite drops the offset of stored (UTC) times: as `UtcDatetime`
            if values[i] is not None and values[i].tzinfo is None:
                values[i] = values[i].replace(tzinfo=UTC)
        records.append(dict(zip(PUBLIC_COLUMNS, values, strict=True)))
    return records


async def get_task(session: AsyncSession, user_id: int, task_id: int) -> Task | None:
    """The task if it exists AND belongs to the user; None otherwise (callers answer 404)."""
    if not 0 < task_id <= ID_MAX:  # cannot exist, and out of range for the INTEGER column
        return None
    query = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    return (await session.exec(query)).first()


async def create_task(session: AsyncSession, user_id: int, data: TaskCreate) -> Task:
    task = Task.model_validate(data, update={"user_id": user_id})
    session.add(task)
    await session.flush()  # assigns the id; every other value was set here, no reload needed
    return task


async def update_task(session: AsyncSession, task: Task, changes: TaskUpdate) -> Task:
    """Apply only the fields the caller sent; keep `completed_at` consistent with `completed`."""
    values = changes.model_dump(exclude_unset=True)
    if "completed" in values and values["completed"] != task.completed:
        task.completed_at = utcnow() if values["completed"] else None
    for field, value in values.items():
        setattr(task, field, value)
    task.updated_at = utcnow()
    session.add(task)
    await session.flush()
    return task


async def delete_task(session: AsyncSession, task: Task) -> None:
    await session.delete(task)
    await session.flush()
