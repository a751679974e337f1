"""Task storage scoped to one user: the only place that reads or writes tasks.

Both the HTTP routes and the chat tools go through these functions, so "a user only ever sees and
changes their own tasks" is enforced once, here, by always filtering on `user_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.models import ID_MAX, Task, TaskCreate, TaskUpdate, utcnow


class StatusFilter(StrEnum):
    all = "all"
    pending = "pending"
    completed = "completed"


async def list_tasks(
    session: AsyncSession, user_id: int, status: StatusFilter = StatusFilter.all
) -> Sequence[Task]:
    """The user's tasks, newest first."""
    query = select(Task).where(Task.user_id == user_id)
    if status is StatusFilter.pending:
        query = query.where(Task.completed == False)  # noqa: E712 (SQL expression)
    elif status is StatusFilter.completed:
        query = query.where(Task.completed == True)  # noqa: E712
    query = query.order_by(col(Task.created_at).desc(), col(Task.id).desc())
    return (await session.exec(query)).all()


async def get_task(session: AsyncSession, user_id: int, task_id: int) -> Task | None:
    """The task if it exists AND belongs to the user; None otherwise (callers answer 404)."""
    if not 0 < task_id <= ID_MAX:  # cannot exist, and out of range for the INTEGER column
        return None
    query = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    return (await session.exec(query)).first()


async def create_task(session: AsyncSession, user_id: int, data: TaskCreate) -> Task:
    task = Task.model_validate(data, update={"user_id": user_id})
    session.add(task)
    await session.commit()
    await session.refresh(task)
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
    await session.commit()
    await session.refresh(task)
    return task


async def delete_task(session: AsyncSession, task: Task) -> None:
    await session.delete(task)
    await session.commit()
