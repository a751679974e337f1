"""list_tasks: the current user's tasks (all, pending or completed), newest first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import Tool, ToolInput, ToolResult, record_summary

# Enough for any chat answer; a longer list belongs in the task page, not in a model prompt.
LIST_LIMIT = 50


class ListTasksInput(ToolInput):
    status: Literal["all", "pending", "completed"] = Field(
        default="all", description="Which tasks: all, pending (not done yet) or completed."
    )


async def run(session: AsyncSession, user_id: int, args: ListTasksInput) -> ToolResult:
    # Read-only: plain rows, not ORM objects (the list is the most common chat request).
    tasks = await repository.list_task_records(
        await session.connection(), user_id, repository.StatusFilter(args.status)
    )
    return {
        "ok": True,
        "status": args.status,
        "count": len(tasks),
        "tasks": [record_summary(task) for task in tasks[:LIST_LIMIT]],
    }


TOOL = Tool(
    name="list_tasks",
    description="List the current user's tasks with their ids, priority, due date and status.",
    input_model=ListTasksInput,
    run=run,
    changes_tasks=False,
)
