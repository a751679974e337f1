"""One user's tasks as the chat tools see them — without holding a database connection.

A chat turn may wait seconds on the AI provider between tool calls, so a tool never gets a
session or a transaction: each method here checks a connection out of the pool for ONE statement
(autocommit: the statement is its own transaction) and gives it back at once. Changes are
therefore applied exactly when the tool runs, once; the turn's messages are stored afterwards.

The demo assistant reads the user's tasks in the turn's single read (`read_turn`) and hands them
in as `tasks`, so resolving "buy milk" and changing it costs one statement, not two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, bindparam, cast, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from pakaura_api import repository
from pakaura_api.models import Task, TaskCreate, TaskUpdate, utcnow
from pakaura_api.repository.conversations import valid_id
from pakaura_api.terms import TaskStatus

Record = dict[str, Any]

# The fields tools report (`task_summary`); every statement returns exactly these.
_FIELDS = ("id", "title", "description", "priority", "due_date", "completed")
_RETURNED = [
    cast(col(Task.priority), String).label(name) if name == "priority" else getattr(Task, name)
    for name in _FIELDS
]
# Parameter names differ from column names (SQLAlchemy reserves those in INSERT/UPDATE).
_MINE = (col(Task.id) == bindparam("task")) & (col(Task.user_id) == bindparam("owner"))
_ONE = select(*_RETURNED).where(_MINE)
_CREATE = insert(Task).returning(*_RETURNED)
_DELETE = delete(Task).where(_MINE).returning(*_RETURNED)


def _record(row: Any) -> Record:
    return dict(zip(_FIELDS, row, strict=True))


class TaskAccess:
    """The tasks of `user_id`, one statement per call on a connection held only for it."""

    def __init__(
        self, engine: AsyncEngine, user_id: int, tasks: list[Record] | None = None
    ) -> None:
        self.engine = engine  # autocommit
        self.user_id = user_id
        self._tasks = tasks  # the user's tasks read with the turn, until something changes

    async def all(self) -> list[Record]:
        """The user's tasks, newest first."""
        if self._tasks is None:
            self._tasks = await self.list(TaskStatus.all)
        return self._tasks

    async def list(self, status: TaskStatus) -> list[Record]:
        if self._tasks is not None:
            if status is TaskStatus.all:
                return list(self._tasks)
            done = status is TaskStatus.completed
            return [task for task in self._tasks if task["completed"] is done]
        async with self.engine.connect() as connection:
            records = await repository.list_task_records(connection, self.user_id, status)
        return [{name: record[name] for name in _FIELDS} for record in records]

    async def get(self, task_id: int) -> Record | None:
        if not valid_id(task_id):
            return None
        if self._tasks is not None:
            return next((task for task in self._tasks if task["id"] == task_id), None)
        async with self.engine.connect() as connection:
            row = (await connection.execute(_ONE, self._params(task_id))).first()
        return _record(row) if row else None

    async def create(self, data: TaskCreate) -> Record:
        now = utcnow()
        values = {
            **data.model_dump(),
            "user_id": self.user_id,
            "completed": False,
            "created_at": now,
            "updated_at": now,
        }
        created = await self._write(_CREATE.values(values), {})
        if created is None:  # pragma: no cover (an INSERT … RETURNING returns its row)
            raise RuntimeError("the new task was not returned")
        return created

    async def update(self, task_id: int, changes: TaskUpdate) -> Record | None:
        """Apply only the fields set in `changes`; `completed_at` follows `completed`."""
        values: dict[str, Any] = changes.model_dump(exclude_unset=True)
        now = utcnow()
        values["updated_at"] = now
        if "completed" in values:
            values["completed_at"] = now if values["completed"] else None
        statement = update(Task).where(_MINE).values(values).returning(*_RETURNED)
        return await self._write(statement, self._params(task_id))

    async def delete(self, task_id: int) -> Record | None:
        return await self._write(_DELETE, self._params(task_id))

    async def _write(self, statement: Any, params: Mapping[str, Any]) -> Record | None:
        self._tasks = None  # what was read before no longer describes the list
        async with self.engine.connect() as connection:
            row = (await connection.execute(statement, dict(params))).first()
        return _record(row) if row else None

    def _params(self, task_id: int) -> dict[str, Any]:
        return {"task": task_id, "owner": self.user_id}
