"""add_task: create a task for the current user."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field

from pakaura_api.chat.demo.dates import find_date
from pakaura_api.chat.demo.text import NOCASE, PRIO, PRIORITY_WORDS, clean_title
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import DemoCall, Tool, ToolInput, ToolResult, error, ok
from pakaura_api.chat.wording import quoted_title, task_details
from pakaura_api.models import DESCRIPTION_MAX, TITLE_MAX, ActionEffect, Priority, TaskCreate
from pakaura_api.repository import TaskLimitReached


class AddTaskInput(ToolInput):
    title: str = Field(
        min_length=1,
        max_length=TITLE_MAX,
        description="Short task title without dates or priority words, e.g. 'Call mom'.",
    )
    description: str = Field(
        default="", max_length=DESCRIPTION_MAX, description="Optional longer notes."
    )
    priority: Priority = Field(
        default=Priority.medium,
        description="low, medium or high ('urgent'/'important' mean high).",
    )
    due_date: date | None = Field(
        default=None, description="Due date as YYYY-MM-DD, resolved from phrases like 'tomorrow'."
    )


async def run(access: TaskAccess, args: AddTaskInput) -> ToolResult:
    data = TaskCreate(
        title=args.title,
        description=args.description,
        priority=args.priority,
        due_date=args.due_date,
    )
    try:
        return ok(await access.create(data))
    except TaskLimitReached as limit:
        return error(f"You already have the most tasks allowed ({limit.limit}); delete some first.")


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    return f"Added {quoted_title(result)}{task_details(result['task'], today)}."


# --- demo phrasings ----------------------------------------------------------------------------

_ADD = [
    re.compile(
        r"^(?:add|create|make|new|put|set\s+up|schedule|insert|note|jot\s+down|write\s+down)\b"
        r"[\s:]*(?P<rest>.*)$",
        NOCASE,
    ),
    re.compile(
        r"^(?:remind\s+me(?:\s+to)?|don't\s+let\s+me\s+forget(?:\s+to)?|don't\s+forget(?:\s+to)?|"
        r"i\s+(?:need|have|want|ought)\s+to|i\s+(?:must|should|gotta)|i've\s+got\s+to|"
        r"i\s+have\s+got\s+to|need\s+to|have\s+to|must|to-?do|to\s+do)\b[\s:]+(?P<rest>.+)$",
        NOCASE,
    ),
]
_PREAMBLE = re.compile(
    r"^(?:(?:a|an|the|one|another)\s+)?(?:new\s+)?"
    rf"(?:(?P<prio>{PRIO})[\s-]+(?:priority\s+)?)?"
    r"(?:task|todo|to-do|item|reminder|entry)s?\b"
    r"(?:\s*[:\-\u2013]\s*|\s+(?:to|called|named|titled|that\s+says|saying|for|about)\s+|\s+)?",
    NOCASE,
)
_TO_LIST = re.compile(
    r"\s+(?:to|on|in)\s+(?:my\s+|the\s+)?(?:list|tasks|todo\s+list|to-do\s+list|todos?)$", NOCASE
)
_PRIORITY_PHRASE = re.compile(
    rf"(?:^|(?<![\s,(])[\s,(]+)(?:with\s+)?(?:a\s+)?(?:(?P<p1>{PRIO})[\s-]+priority|"
    rf"priority[:\s]+(?P<p2>{PRIO}))\)?(?=$|[\s,.;!])",
    NOCASE,
)
_URGENT_SUFFIX = re.compile(r"(?<![\s,(\-])[\s,(\-]+(?P<p>urgent|asap|important|!{2,})\)?$", NOCASE)


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    for pattern in _ADD:
        found = pattern.match(text)
        if found:
            break
    else:
        return None
    rest = found["rest"]
    priority = Priority.medium
    preamble = _PREAMBLE.match(rest)
    if preamble:
        if preamble["prio"]:
            priority = PRIORITY_WORDS[preamble["prio"].lower()]
        rest = rest[preamble.end() :]
    rest = _TO_LIST.sub("", rest)

    when = find_date(rest, today)
    if when:
        rest = rest[: when.start] + " " + rest[when.end :]
    phrase = _PRIORITY_PHRASE.search(rest)
    if phrase:
        priority = PRIORITY_WORDS[(phrase["p1"] or phrase["p2"]).lower()]
        rest = rest[: phrase.start()] + " " + rest[phrase.end() :]
    suffix = _URGENT_SUFFIX.search(rest)
    if suffix:
        priority = Priority.high
        rest = rest[: suffix.start()]

    title = clean_title(rest)
    if not title:
        return None  # "Add task": nothing to add
    arguments: dict[str, Any] = {"title": title, "priority": priority.value}
    if when:
        arguments["due_date"] = when.value.isoformat()
    return [DemoCall("add_task", arguments)]


TOOL = Tool(
    name="add_task",
    description="Create a task for the current user.",
    input_model=AddTaskInput,
    run=run,
    effect=ActionEffect.upsert,
    can="add",
    examples=("Add a task to buy milk tomorrow", "Remind me to call mom on Friday"),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=60,  # last: "add"/"make"/"new" lead many sentences that other tools claim first
    reads_tasks=False,
)
