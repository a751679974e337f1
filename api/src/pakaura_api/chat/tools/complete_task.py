"""complete_task: mark one of the user's tasks as done (undo with reopen_task)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pakaura_api.chat.demo.text import NOCASE, NOT_A_QUESTION, reference
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import GONE, DemoCall, TaskReference, Tool, ToolResult, error, ok
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.chat.wording import quoted_title
from pakaura_api.models import ActionEffect, TaskUpdate


class CompleteTaskInput(TaskReference):
    pass


async def set_completed(
    access: TaskAccess, args: TaskReference, completed: bool, unchanged: str
) -> ToolResult:
    """Mark the referenced task done (`completed`) or not done; `unchanged` is the note when it
    already was. Shared with reopen_task, its undo: a tie prefers the task it would change."""
    found = await resolve(
        access, args.task_id, args.title, prefer=lambda task: task["completed"] != completed
    )
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    if found.task["completed"] == completed:
        return ok(found.task, changed=False, note=unchanged)
    task = await access.update(found.task["id"], TaskUpdate(completed=completed))
    return ok(task, changed=True) if task else error(GONE)


async def run(access: TaskAccess, args: CompleteTaskInput) -> ToolResult:
    return await set_completed(access, args, True, "The task was already completed.")


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    if result.get("changed") is False:
        return f"{quoted_title(result)} is already done."
    return f'Marked {quoted_title(result)} as done. Say "undo" to reopen it.'


# --- demo phrasings ----------------------------------------------------------------------------

_COMPLETE = [
    re.compile(
        r"^(?:mark|set|flag|tick|check)\s+(?P<ref>.+?)\s+(?:as\s+)?"
        r"(?:done|complete|completed|finished|off)$",
        NOCASE,
    ),
    re.compile(
        r"^(?:complete|finish|finished|close|check\s+off|tick\s+off|cross\s+off|done\s+with|"
        r"i(?:'ve|\s+have)?\s+(?:done|finished|completed)|i\s+did|"
        r"i(?:'m|\s+am)\s+(?:done|finished)\s+with|i\s+just\s+(?:finished|completed|did))"
        r"\s+(?P<ref>.+)$",
        NOCASE,
    ),
    re.compile(r"^done\s*[:\-]\s*(?P<ref>.+)$", NOCASE),
    re.compile(
        rf"^{NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|are|was)\s+(?:now\s+|all\s+)?"
        r"(?:done|complete|completed|finished)$",
        NOCASE,
    ),
]


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    for pattern in _COMPLETE:
        found = pattern.match(text)
        if found and found["ref"].strip():
            return [DemoCall("complete_task", reference=reference(found["ref"]))]
    return None


TOOL = Tool(
    name="complete_task",
    description=(
        "Mark one task as done. If the result lists candidates, ask the user which one they mean."
    ),
    input_model=CompleteTaskInput,
    run=run,
    effect=ActionEffect.upsert,
    can="complete",
    examples=("Mark buy milk as done",),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=20,  # after reopen: "mark X as not done" is a reopen
)
