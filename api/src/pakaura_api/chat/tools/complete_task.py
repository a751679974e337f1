"""complete_task: mark one of the user's tasks as done (undo with reopen_task)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import TaskReference, Tool, ToolResult, error, ok
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.models import TaskUpdate


class CompleteTaskInput(TaskReference):
    pass


async def run(session: AsyncSession, user_id: int, args: CompleteTaskInput) -> ToolResult:
    found = await resolve(
        session, user_id, args.task_id, args.title, prefer=lambda task: not task.completed
    )
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    if found.task.completed:
        return ok(found.task, changed=False, note="The task was already completed.")
    task = await repository.update_task(session, found.task, TaskUpdate(completed=True))
    return ok(task, changed=True)


TOOL = Tool(
    name="complete_task",
    description=(
        "Mark one task as done. If the result lists candidates, ask the user which one they mean."
    ),
    input_model=CompleteTaskInput,
    run=run,
)
