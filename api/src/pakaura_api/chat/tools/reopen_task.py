"""reopen_task: mark a completed task as not done again — the undo of complete_task."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import TaskReference, Tool, ToolResult, error, ok
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.models import TaskUpdate


class ReopenTaskInput(TaskReference):
    pass


async def run(session: AsyncSession, user_id: int, args: ReopenTaskInput) -> ToolResult:
    found = await resolve(
        session, user_id, args.task_id, args.title, prefer=lambda task: task.completed
    )
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    if not found.task.completed:
        return ok(found.task, changed=False, note="The task was not completed.")
    task = await repository.update_task(session, found.task, TaskUpdate(completed=False))
    return ok(task, changed=True)


TOOL = Tool(
    name="reopen_task",
    description="Mark a completed task as not done again (undo a completion).",
    input_model=ReopenTaskInput,
    run=run,
)
