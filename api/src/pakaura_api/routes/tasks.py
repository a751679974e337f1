"""The signed-in user's tasks. Storage (and the per-user scoping) lives in `repository.py`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from pakaura_api import repository
from pakaura_api.deps import CurrentUserId, ReadSessionDep, SessionDep
from pakaura_api.models import Task, TaskCreate, TaskPublic, TaskUpdate
from pakaura_api.repository import StatusFilter

router = APIRouter(
    prefix="/tasks",
    tags=["tasks"],
    responses={401: {"description": "Missing or invalid token"}},
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such task for this user"}}


async def _own_task(session: SessionDep, user_id: int, task_id: int) -> Task:
    task = await repository.get_task(session, user_id, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    return task


@router.get("", response_model=list[TaskPublic])
async def list_tasks(
    session: ReadSessionDep, user_id: CurrentUserId, status: StatusFilter = StatusFilter.all
) -> Sequence[Task]:
    """The user's tasks, newest first, optionally only pending or completed ones."""
    # Returned as rows: FastAPI validates and serialises them once, through `response_model`.
    return await repository.list_tasks(session, user_id, status)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_task(body: TaskCreate, session: SessionDep, user_id: CurrentUserId) -> TaskPublic:
    """Add a task."""
    return TaskPublic.model_validate(await repository.create_task(session, user_id, body))


@router.get("/{task_id}", responses=NOT_FOUND)
async def get_task(task_id: int, session: ReadSessionDep, user_id: CurrentUserId) -> TaskPublic:
    """One task."""
    return TaskPublic.model_validate(await _own_task(session, user_id, task_id))


@router.patch("/{task_id}", responses=NOT_FOUND)
async def update_task(
    task_id: int, body: TaskUpdate, session: SessionDep, user_id: CurrentUserId
) -> TaskPublic:
    """Change some fields of a task (send `completed` to complete or reopen it)."""
    task = await _own_task(session, user_id, task_id)
    return TaskPublic.model_validate(await repository.update_task(session, task, body))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_task(task_id: int, session: SessionDep, user_id: CurrentUserId) -> Response:
    """Delete a task."""
    await repository.delete_task(session, await _own_task(session, user_id, task_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
