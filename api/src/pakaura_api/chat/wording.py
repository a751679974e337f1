"""Small pieces of the assistant's sentences, shared by the tools' descriptions of their changes
and by `replies.py` (kept apart from both so neither imports the other)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pakaura_api.models import Priority


def format_date(value: date, today: date) -> str:
    text = f"{value:%a} {value.day} {value:%b}"
    return text if value.year == today.year else f"{text} {value.year}"


def due(task: dict[str, Any], today: date) -> str | None:
    raw = task.get("due_date")
    return format_date(date.fromisoformat(raw), today) if raw else None


def task_details(task: dict[str, Any], today: date) -> str:
    """ " (high priority, due Fri 4 Dec)": what is notable about a task, or nothing."""
    parts = []
    if task.get("priority") in (Priority.high, Priority.low):
        parts.append(f"{task['priority']} priority")
    when = due(task, today)
    if when:
        parts.append(f"due {when}")
    return f" ({', '.join(parts)})" if parts else ""


def quoted_title(result: dict[str, Any]) -> str:
    task: dict[str, Any] = result.get("task") or {}
    return f'"{task.get("title", "the task")}"'


def either(options: list[str], conjunction: str = "or") -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + f" {conjunction} " + options[-1]
