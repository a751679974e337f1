"""delete_task: permanently delete one of the user's tasks."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import TaskReference, Tool, ToolResult, error, ok
from pakaura_api.chat.tools.resolve import resolve


class DeleteTaskInput(TaskReference):
    pass


async def run(session: AsyncSession, user_id: int, args: DeleteTaskInput) -> ToolResult:
    found = await resolve(session, user_id, args.task_id, args.title)
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    result = ok(found.task, deleted=True)  # summarise before the row is gone
    await repository.delete_task(session, found.task)
    return result


TOOL = Tool(
    name="delete_task",
    description=(
        "Delete one task. Only when the user clearly asks to delete it; if the result lists "
        "candidates, ask which one."
    ),
    input_model=DeleteTaskInput,
    run=run,
    destructive=True,
)
