"""reopen_task: mark a completed task as not done again — the undo of complete_task."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pakaura_api.chat.demo.text import NOCASE, NOT_A_QUESTION, reference
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import DemoCall, TaskReference, Tool, ToolResult
from pakaura_api.chat.tools.complete_task import set_completed
from pakaura_api.chat.wording import quoted_title
from pakaura_api.models import ActionEffect


class ReopenTaskInput(TaskReference):
    pass


async def run(access: TaskAccess, args: ReopenTaskInput) -> ToolResult:
    return await set_completed(access, args, False, "The task was not completed.")


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    if result.get("changed") is False:
        return f"{quoted_title(result)} isn't completed, so there is nothing to reopen."
    return f"Reopened {quoted_title(result)}."


# --- demo phrasings ----------------------------------------------------------------------------

_UNDO = re.compile(r"^undo(?:\s+(?P<ref>.+))?$", NOCASE)
_REOPEN = [
    re.compile(
        r"^(?:re-?open|un-?complete|un-?check|un-?tick|un-?mark|restore|reactivate)\s+(?P<ref>.+)$",
        NOCASE,
    ),
    re.compile(
        r"^(?:mark|set|flag)\s+(?P<ref>.+?)\s+(?:as\s+)?(?:not\s+(?:yet\s+)?(?:done|completed?|"
        r"finished)|undone|incomplete|unfinished|pending|open|to\s*-?do|active)$",
        NOCASE,
    ),
    re.compile(
        rf"^{NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|was)\s*(?:n't|\s+not)\s+(?:really\s+)?"
        r"(?:done|completed?|finished)(?:\s+yet)?$",
        NOCASE,
    ),
]


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    undo = _UNDO.match(text)
    if undo:
        return [DemoCall("reopen_task", reference=reference(undo["ref"]) if undo["ref"] else None)]
    for pattern in _REOPEN:
        found = pattern.match(text)
        if found:
            return [DemoCall("reopen_task", reference=reference(found["ref"]))]
    return None


TOOL = Tool(
    name="reopen_task",
    description="Mark a completed task as not done again (undo a completion).",
    input_model=ReopenTaskInput,
    run=run,
    effect=ActionEffect.upsert,
    can="reopen (undo a completion)",
    examples=("Reopen buy milk", "Undo"),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=10,
)
