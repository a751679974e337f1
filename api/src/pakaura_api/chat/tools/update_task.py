"""update_task: rename a task or change its priority, due date or description."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat.tools.base import (
    PriorityName,
    TaskReference,
    Tool,
    ToolResult,
    error,
    ok,
)
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.models import DESCRIPTION_MAX, TITLE_MAX, Priority, TaskUpdate


class UpdateTaskInput(TaskReference):
    new_title: str | None = Field(
        default=None, min_length=1, max_length=TITLE_MAX, description="New title (rename)."
    )
    priority: PriorityName | None = Field(default=None, description="New priority.")
    due_date: date | None = Field(default=None, description="New due date as YYYY-MM-DD.")
    clear_due_date: bool = Field(default=False, description="True to remove the due date.")
    description: str | None = Field(
        default=None, max_length=DESCRIPTION_MAX, description="New description (replaces it)."
    )

    @model_validator(mode="after")
    def _needs_a_change(self) -> UpdateTaskInput:
        if not self.changes():
            raise ValueError("give at least one change")
        if self.clear_due_date and self.due_date is not None:
            raise ValueError("give due_date or clear_due_date, not both")
        return self

    def changes(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.new_title is not None:
            values["title"] = self.new_title
        if self.priority is not None:
            values["priority"] = Priority(self.priority)
        if self.due_date is not None or self.clear_due_date:
            values["due_date"] = self.due_date
        if self.description is not None:
            values["description"] = self.description
        return values


async def run(session: AsyncSession, user_id: int, args: UpdateTaskInput) -> ToolResult:
    found = await resolve(session, user_id, args.task_id, args.title)
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    previous_title = found.task.title
    changes = args.changes()
    task = await repository.update_task(session, found.task, TaskUpdate(**changes))
    return ok(task, changed=True, previous_title=previous_title, fields=sorted(changes))


TOOL = Tool(
    name="update_task",
    description="Change one task: rename it, or set its priority, due date or description.",
    input_model=UpdateTaskInput,
    run=run,
)
