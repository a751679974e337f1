"""update_task: rename a task or change its priority, due date or description."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field, model_validator

from pakaura_api.chat.demo.dates import parse_date
from pakaura_api.chat.demo.text import (
    NOCASE,
    NOT_A_QUESTION,
    PRIO,
    clean_title,
    priority_named,
    reference,
)
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import GONE, DemoCall, TaskReference, Tool, ToolResult, error, ok
from pakaura_api.chat.tools.resolve import resolve
from pakaura_api.chat.wording import due
from pakaura_api.models import DESCRIPTION_MAX, TITLE_MAX, ActionEffect, Priority, TaskUpdate


class UpdateTaskInput(TaskReference):
    new_title: str | None = Field(
        default=None, min_length=1, max_length=TITLE_MAX, description="New title (rename)."
    )
    priority: Priority | None = Field(default=None, description="New priority.")
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
            values["priority"] = self.priority
        if self.due_date is not None or self.clear_due_date:
            values["due_date"] = self.due_date
        if self.description is not None:
            values["description"] = self.description
        return values


async def run(access: TaskAccess, args: UpdateTaskInput) -> ToolResult:
    found = await resolve(access, args.task_id, args.title)
    if found.task is None:
        return error(found.error or "Task not found.", found.candidates)
    changes = args.changes()
    task = await access.update(found.task["id"], TaskUpdate(**changes))
    if task is None:
        return error(GONE)
    return ok(task, changed=True, previous_title=found.task["title"], fields=sorted(changes))


def describe(arguments: dict[str, Any], result: ToolResult, today: date) -> str:
    task: dict[str, Any] = result.get("task", {})
    title = f'"{task.get("title")}"'
    sentences = []
    previous = result.get("previous_title")
    if arguments.get("new_title") and previous and previous != task.get("title"):
        sentences.append(f'Renamed "{previous}" to {title}.')
    if arguments.get("priority"):
        sentences.append(f"{title} is now {task.get('priority')} priority.")
    if arguments.get("clear_due_date"):
        sentences.append(f"Removed the due date from {title}.")
    elif arguments.get("due_date"):
        sentences.append(f"{title} is now due {due(task, today)}.")
    if arguments.get("description") is not None:
        sentences.append(f"Updated the description of {title}.")
    return " ".join(sentences) or f"Updated {title}."


# --- demo phrasings: clear a due date, rename, reprioritise, reschedule (in this order) --------

_CLEAR_DUE = re.compile(
    r"^(?:remove|clear|drop|delete|unset)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
    r"(?:from|of|on|for)\s+(?P<ref>.+)$",
    NOCASE,
)
_RENAME = [
    re.compile(r"^(?:rename|retitle)\s+(?P<rest>.+)$", NOCASE),
    re.compile(
        r"^(?:change|update|set|edit)\s+(?:the\s+)?(?:title|name)\s+(?:of|for|on)\s+(?P<rest>.+)$",
        NOCASE,
    ),
]
_RENAME_SPLIT = re.compile(r"\s+(?:to|as|into)\s+", NOCASE)
# "rename a to b to c": at most this many ways to split are considered.
MAX_RENAME_SPLITS = 4
_PRIORITY = [
    re.compile(
        r"^(?:change|set|make|update|switch|put|bump|raise|lower)\s+(?:the\s+)?priority\s+"
        rf"(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<prio>{PRIO})(?:\s+priority)?$",
        NOCASE,
    ),
    re.compile(
        r"^(?:change|set|make|update|switch|mark|bump|raise|lower)\s+(?P<ref>.+?)(?:'s)?"
        rf"(?:\s+priority)?\s+(?:to|as)\s+(?:a\s+)?(?P<prio>{PRIO})(?:\s+priority)?$",
        NOCASE,
    ),
    re.compile(
        rf"^(?:make|mark|set|flag)\s+(?P<ref>.+?)\s+(?:a\s+)?(?P<prio>{PRIO})(?:\s+priority)?$",
        NOCASE,
    ),
    re.compile(
        rf"^{NOT_A_QUESTION}(?P<ref>.+?)\s+is\s+(?:very\s+|really\s+|super\s+|now\s+)?"
        r"(?P<prio>urgent|important|critical|high\s+priority|low\s+priority|not\s+urgent|"
        r"not\s+important)$",
        NOCASE,
    ),
]
_PRIORITISE = re.compile(r"^(?P<neg>de-?)?priori[tz]i[sz]e\s+(?P<ref>.+)$", NOCASE)
_DUE = [
    re.compile(
        r"^(?:move|reschedule|postpone|push(?:\s+back)?|defer|delay|shift|bump)\s+(?P<rest>.+)$",
        NOCASE,
    ),
    re.compile(
        r"^(?:change|set|update|move|make)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
        r"(?:of|for|on)\s+(?P<rest>.+)$",
        NOCASE,
    ),
    re.compile(r"^(?:set|make|have)\s+(?P<ref>.+?)\s+due\s+(?P<date>.+)$", NOCASE),
    re.compile(
        rf"^{NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|should\s+be)\s+(?:now\s+)?due\s+(?P<date>.+)$",
        NOCASE,
    ),
]
_DUE_SPLIT = re.compile(r"\s+(?:to|until|till|for|on|by|in)\s+", NOCASE)


def _call(ref: str, **arguments: Any) -> DemoCall:
    return DemoCall("update_task", arguments, reference(ref))


def _clear_due(text: str, today: date) -> list[DemoCall] | None:
    found = _CLEAR_DUE.match(text)
    return [_call(found["ref"], clear_due_date=True)] if found else None


def _rename(text: str, today: date) -> list[DemoCall] | None:
    """Every way to split "rename A to B" (titles may contain "to"); the demo assistant picks
    the one whose reference names an existing task."""
    for pattern in _RENAME:
        found = pattern.match(text)
        if not found:
            continue
        rest = found["rest"]
        options = []
        for split in list(_RENAME_SPLIT.finditer(rest))[:MAX_RENAME_SPLITS]:
            ref, new_title = rest[: split.start()], clean_title(rest[split.end() :])
            if ref.strip() and new_title:
                options.append(_call(ref, new_title=new_title))
        if options:
            return options
    return None


def _reprioritise(text: str, today: date) -> list[DemoCall] | None:
    found = _PRIORITISE.match(text)
    if found:
        priority = Priority.low if found["neg"] else Priority.high
        return [_call(found["ref"], priority=priority.value)]
    for pattern in _PRIORITY:
        found = pattern.match(text)
        if found:
            return [_call(found["ref"], priority=priority_named(found["prio"]).value)]
    return None


def _reschedule(text: str, today: date) -> list[DemoCall] | None:
    for pattern in _DUE:
        found = pattern.match(text)
        if not found:
            continue
        groups = found.groupdict()
        if groups.get("rest"):
            # Rightmost split first: "move talk to mom to Friday" → "talk to mom" / "Friday".
            for split in reversed(list(_DUE_SPLIT.finditer(groups["rest"]))):
                when = parse_date(groups["rest"][split.start() :].strip(), today)
                when = when or parse_date(groups["rest"][split.end() :], today)
                ref = groups["rest"][: split.start()]
                if when and ref.strip():
                    return [_call(ref, due_date=when.isoformat())]
        elif groups.get("date"):
            when = parse_date(groups["date"], today)
            if when:
                return [_call(groups["ref"], due_date=when.isoformat())]
    return None


def demo_parse(text: str, today: date) -> list[DemoCall] | None:
    for parser in (_clear_due, _rename, _reprioritise, _reschedule):
        calls = parser(text, today)
        if calls:
            return calls
    return None


TOOL = Tool(
    name="update_task",
    description="Change one task: rename it, or set its priority, due date or description.",
    input_model=UpdateTaskInput,
    run=run,
    effect=ActionEffect.upsert,
    can="change (rename, reprioritise, reschedule)",
    examples=(
        "Rename buy milk to buy oat milk",
        "Change the priority of buy milk to high",
        "Move buy milk to next Friday",
    ),
    describe=describe,
    demo_parse=demo_parse,
    demo_rank=30,  # after complete/reopen, before delete ("remove the due date from X")
)
