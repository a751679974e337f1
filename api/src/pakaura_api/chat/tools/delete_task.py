"""delete_task: delete one of the user's tasks (soft: restorable within the undo window) — only
on an exact reference, else ask first."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pakaura_api.chat.demo.text import NOCASE, reference
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import (
    GONE,
    DemoCall,
    TaskReference,
    Tool,
    ToolResult,
    error,
    ok,
    task_summary,
)
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.chat.wording import quoted_title
from pakaura_api.models import ActionEffect


class DeleteTaskInput(TaskReference):
    pass


async def run(access: TaskAccess, args: DeleteTaskInput) -> ToolResult:
    found = await resolve(access, args.task_id, args.title)
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    if not found.exact:
        # "delete report" must not delete "Write report" on a guess: name it and ask.
        return {
            "ok": False,
            "confirm": True,
            "error": f'No task is called exactly "{args.title}". Did you mean '
            f'"{found.task["title"]}"? Ask the user; delete it by task_id once they agree.',
            "task": task_summary(found.task),
        }
    if not await access.delete(found.task["id"]):
        return error(GONE)
    return ok(found.task, deleted=True)


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    return f"Deleted {quoted_title(result)}."


# --- demo phrasings ----------------------------------------------------------------------------

_DELETE = re.compile(
    r"^(?:delete|remove|erase|drop|trash|discard|get\s+rid\s+of|cancel|scrap)\s+(?P<ref>.+?)"
    r"(?:\s+from\s+(?:my\s+|the\s+)?(?:list|tasks|todos?))?$",
    NOCASE,
)


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    found = _DELETE.match(text)
    return [DemoCall("delete_task", reference=reference(found["ref"]))] if found else None


TOOL = Tool(
    name="delete_task",
    description=(
        "Delete one task. Only when the user clearly asks to delete it; if the result lists "
        "candidates or asks to confirm, ask the user first."
    ),
    input_model=DeleteTaskInput,
    run=run,
    effect=ActionEffect.delete,
    can="delete",
    examples=("Delete buy milk",),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=40,  # after update: "remove the due date from X" is not a deletion
    destructive=True,
)
