"""One user's tasks as the chat tools see them — without holding a database connection.

A chat turn may wait seconds on the AI provider between tool calls, so a tool never gets a
session or a transaction: each method here checks a connection out of the pool for ONE statement
of `repository.tasks` (autocommit: the statement is its own transaction, the token check folded
in) and gives it back at once. Changes are therefore applied exactly when the tool runs, once; the
turn's messages are stored afterwards.

The demo assistant reads the user's tasks in the turn's single read (`read_turn`) and hands them
in as `tasks`, so resolving "buy milk" and changing it costs one statement, not two.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from pakaura_api import db, repository
from pakaura_api.models import TaskCreate, TaskUpdate
from pakaura_api.security import Principal
from pakaura_api.terms import TaskStatus

Record = dict[str, Any]
T = TypeVar("T")


class TaskAccess:
    """The tasks of `principal`'s user, one statement per call on a connection held only for it.

    `cap`: MAX_TASKS_PER_USER (creating beyond it raises `repository.TaskLimitReached`)."""

    def __init__(
        self,
        engine: AsyncEngine,
        principal: Principal,
        cap: int,
        tasks: list[Record] | None = None,
    ) -> None:
        self.engine = engine  # autocommit
        self.principal = principal
        self.cap = cap
        self._tasks = tasks  # the user's tasks read with the turn, until something changes

    @property
    def user_id(self) -> int:
        return self.principal.user_id

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
        return await self._one(
            lambda connection: repository.list_task_records(connection, self.user_id, status),
            read_only=True,
        )

    async def get(self, task_id: int) -> Record | None:
        if self._tasks is not None:
            return next((task for task in self._tasks if task["id"] == task_id), None)
        return await self._one(
            lambda connection: repository.get_record(connection, self.principal, task_id),
            read_only=True,
        )

    async def create(self, data: TaskCreate) -> Record:
        self._tasks = None  # what was read before no longer describes the list
        return await self._one(
            lambda connection: repository.create_record(connection, self.principal, data, self.cap)
        )

    async def update(self, task_id: int, changes: TaskUpdate) -> Record | None:
        """Apply only the fields set in `changes` (`completed_at` follows `completed`)."""
        self._tasks = None
        return await self._one(
            lambda connection: repository.update_record(
                connection, self.principal, task_id, changes
            )
        )

    async def delete(self, task_id: int) -> bool:
        """Soft delete: restorable within the undo window, like `DELETE /tasks/{id}`."""
        self._tasks = None
        return await self._one(
            lambda connection: repository.soft_delete_record(connection, self.principal, task_id)
        )

    async def _one(
        self, work: Callable[[db.Connection], Awaitable[T]], *, read_only: bool = False
    ) -> T:
        return await db.run_prebuilt(self.engine, work, read_only=read_only)
