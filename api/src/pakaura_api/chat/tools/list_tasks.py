"""list_tasks: the current user's tasks (all, pending or completed), newest first."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field

from pakaura_api.chat.demo.text import NOCASE
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import DemoCall, Tool, ToolInput, ToolResult, task_summary
from pakaura_api.chat.wording import task_details
from pakaura_api.models import ActionEffect, TaskStatus

# Enough for any chat answer; a longer list belongs in the task page, not in a model prompt.
LIST_LIMIT = 50
# Lines a reply shows (the model gets LIST_LIMIT tasks and chooses itself).
LIST_SHOWN = 20


class ListTasksInput(ToolInput):
    status: TaskStatus = Field(
        default=TaskStatus.all, description="Which tasks: all, pending (not done yet) or completed."
    )


async def run(access: TaskAccess, args: ListTasksInput) -> ToolResult:
    tasks = await access.list(args.status)
    return {
        "ok": True,
        "status": args.status.value,
        "count": len(tasks),
        "tasks": [task_summary(task) for task in tasks[:LIST_LIMIT]],
    }


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    tasks: list[dict[str, Any]] = result.get("tasks", [])
    status = result.get("status", TaskStatus.all)
    if not tasks:
        return {
            TaskStatus.pending: "Nothing pending — you're all caught up!",
            TaskStatus.completed: "No completed tasks yet.",
        }.get(status, 'You have no tasks yet. Try "Add a task to buy milk".')
    label = "" if status == TaskStatus.all else f"{status} "
    count = result.get("count", len(tasks))
    noun = "task" if count == 1 else "tasks"
    lines = [f"You have {count} {label}{noun}:"]
    for task in tasks[:LIST_SHOWN]:
        tick = "✓ " if task.get("completed") and status == TaskStatus.all else ""
        lines.append(f"• {tick}{task['title']}{task_details(task, today)}")
    if count > LIST_SHOWN:
        lines.append(f"…and {count - LIST_SHOWN} more.")
    return "\n".join(lines)


# --- demo phrasings ----------------------------------------------------------------------------

_LIST = [
    re.compile(
        r"^(?:show|list|display|see|view|give|tell|read|get|print|check)\b.*"
        r"\b(?:tasks?|todos?|to-?dos?|list|items|pending|completed|done|finished|open)\b",
        NOCASE,
    ),
    re.compile(
        r"^(?:what|which|anything|do\s+i\s+have|how\s+many)\b.*"
        r"\b(?:pending|left|remaining|open|outstanding|to\s*-?do|on\s+my\s+(?:list|plate)|"
        r"done|completed?|finish(?:ed)?|tasks?|agenda|due)\b",
        NOCASE,
    ),
    re.compile(
        r"^(?:my\s+)?(?:(?:pending|open|completed|done|finished|all)\s+)?"
        r"(?:tasks|todos|to-?do\s+list|todo\s+list|list|tasks\s+list)$",
        NOCASE,
    ),
    re.compile(r"^(?:pending|completed|done|finished|open)(?:\s+(?:ones|tasks))?$", NOCASE),
]
# Checked in order: "not done yet" is pending although it says "done".
_STATUS_WORDS = (
    (
        re.compile(
            r"\b(?:not\s+(?:yet\s+)?(?:done|completed?|finished)|unfinished|incomplete|undone|"
            r"(?:still|left|have|need|got)\s+to\s+do|"
            r"(?:aren't|isn't|haven't)\b.*\b(?:done|finished|completed?))\b",
            NOCASE,
        ),
        TaskStatus.pending,
    ),
    (
        re.compile(r"\b(?:done|completed?|finish(?:ed)?|closed|checked\s+off)\b", NOCASE),
        TaskStatus.completed,
    ),
    (
        re.compile(
            r"\b(?:pending|left|remaining|open|outstanding|still|active|upcoming|due)\b", NOCASE
        ),
        TaskStatus.pending,
    ),
)


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    if not any(pattern.match(text) for pattern in _LIST):
        return None
    status = next(
        (status for pattern, status in _STATUS_WORDS if pattern.search(text)), TaskStatus.all
    )
    return [DemoCall("list_tasks", {"status": status.value})]


TOOL = Tool(
    name="list_tasks",
    description="List the current user's tasks with their ids, priority, due date and status.",
    input_model=ListTasksInput,
    run=run,
    effect=ActionEffect.none,
    can="list",
    examples=("Show my tasks", "What's still pending?", "What's done?"),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=50,
)
