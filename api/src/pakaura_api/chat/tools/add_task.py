"""add_task: create a task for the current user."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import PriorityName, Tool, ToolInput, ToolResult, ok
from pakaura_api.models import DESCRIPTION_MAX, TITLE_MAX, Priority, TaskCreate


class AddTaskInput(ToolInput):
    title: str = Field(
        min_length=1,
        max_length=TITLE_MAX,
        description="Short task title without dates or priority words, e.g. 'Call mom'.",
    )
    description: str = Field(
        default="", max_length=DESCRIPTION_MAX, description="Optional longer notes."
    )
    priority: PriorityName = Field(
        default="medium", description="low, medium or high ('urgent'/'important' mean high)."
    )
    due_date: date | None = Field(
        default=None, description="Due date as YYYY-MM-DD, resolved from phrases like 'tomorrow'."
    )


async def run(session: AsyncSession, user_id: int, args: AddTaskInput) -> ToolResult:
    data = TaskCreate(
        title=args.title,
        description=args.description,
        priority=Priority(args.priority),
        due_date=args.due_date,
    )
    return ok(await repository.create_task(session, user_id, data))


TOOL = Tool(
    name="add_task",
    description="Create a task for the current user.",
    input_model=AddTaskInput,
    run=run,
)
