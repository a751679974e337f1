"""The signed-in user's tasks. Storage (and the per-user scoping) lives in `repository.py`."""

from __future__ import annotations

from typing import Any

import pydantic_core
from fastapi import APIRouter, HTTPException, Request, Response, status

from pakaura_api import repository
from pakaura_api.deps import CurrentUserId, ReadSessionDep, SessionDep, read_connection
from pakaura_api.models import Task, TaskCreate, TaskPublic, TaskUpdate
from pakaura_api.terms import TaskStatus

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
    request: Request, user_id: CurrentUserId, status: TaskStatus = TaskStatus.all
) -> Response:
    """The user's tasks, newest first, optionally only pending or completed ones."""
    # The busiest request: rows already shaped like TaskPublic (typed by their columns) go
    # straight to JSON bytes; validating them again through `response_model` doubled the CPU.
    # `response_model` still documents the shape in OpenAPI.
    async with read_connection(request) as connection:
        records = await repository.list_task_records(connection, user_id, status)
    return Response(pydantic_core.to_json(records), media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_task(body: TaskCreate, session: SessionDep, user_id: CurrentUserId) -> TaskPublic:
    """Add a task."""
    task = await repository.create_task(session, user_id, body)
    await session.commit()  # the request is the transaction (repository functions only flush)
    return TaskPublic.model_validate(task)


@router.get("/{task_id}", responses=NOT_FOUND)
async def get_task(task_id: int, session: ReadSessionDep, user_id: CurrentUserId) -> TaskPublic:
    """One task."""
    return TaskPublic.model_validate(await _own_task(session, user_id, task_id))


@router.patch("/{task_id}", responses=NOT_FOUND)
async def update_task(
    task_id: int, body: TaskUpdate, session: SessionDep, user_id: CurrentUserId
) -> TaskPublic:
    """Change some fields of a task (send `completed` to complete or reopen it)."""
    task = await repository.update_task(session, await _own_task(session, user_id, task_id), body)
    await session.commit()
    return TaskPublic.model_validate(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_task(task_id: int, session: SessionDep, user_id: CurrentUserId) -> Response:
    """Delete a task."""
    await repository.delete_task(session, await _own_task(session, user_id, task_id))
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
