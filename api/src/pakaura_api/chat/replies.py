"""Short, friendly sentences about tool results; used by the demo assistant and by the AI path
when it has to summarise changes itself (provider failure mid-turn, round cap)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pakaura_api.chat.schemas import ChatAction

LIST_SHOWN = 20

HELP = (
    "I can manage your tasks. Try:\n"
    '• "Add a task to buy milk tomorrow" or "Remind me to call mom on Friday"\n'
    '• "Show my tasks", "What\'s still pending?", "What\'s done?"\n'
    '• "Mark buy milk as done", "Reopen buy milk"\n'
    '• "Rename buy milk to buy oat milk", "Change the priority of buy milk to high"\n'
    '• "Move buy milk to next Friday", "Delete buy milk"'
)
GREETING = (
    'Hi! I\'m your task assistant. Try "Add a task to buy milk tomorrow" or '
    '"What\'s still pending?" — say "help" for more.'
)
THANKS = "You're welcome! Anything else on your list?"
UNKNOWN = (
    "Sorry, I didn't catch that. I can add, list, complete, reopen, rename, reprioritise, "
    'reschedule and delete tasks — try "Add a task to buy milk tomorrow" or "help".'
)
WHICH_TASK = "Which task do you mean? Tell me its name."


def format_date(value: date, today: date) -> str:
    text = f"{value:%a} {value.day} {value:%b}"
    return text if value.year == today.year else f"{text} {value.year}"


def _due(task: dict[str, Any], today: date) -> str | None:
    raw = task.get("due_date")
    return format_date(date.fromisoformat(raw), today) if raw else None


def task_details(task: dict[str, Any], today: date) -> str:
    parts = []
    if task.get("priority") == "high":
        parts.append("high priority")
    elif task.get("priority") == "low":
        parts.append("low priority")
    due = _due(task, today)
    if due:
        parts.append(f"due {due}")
    return f" ({', '.join(parts)})" if parts else ""


def describe_list(result: dict[str, Any], today: date) -> str:
    tasks: list[dict[str, Any]] = result.get("tasks", [])
    status = result.get("status", "all")
    label = {"pending": "pending ", "completed": "completed "}.get(status, "")
    if not tasks:
        return {
            "pending": "Nothing pending — you're all caught up!",
            "completed": "No completed tasks yet.",
        }.get(status, 'You have no tasks yet. Try "Add a task to buy milk".')
    count = result.get("count", len(tasks))
    noun = "task" if count == 1 else "tasks"
    lines = [f"You have {count} {label}{noun}:"]
    for task in tasks[:LIST_SHOWN]:
        tick = "✓ " if task.get("completed") and status == "all" else ""
        lines.append(f"• {tick}{task['title']}{task_details(task, today)}")
    if count > LIST_SHOWN:
        lines.append(f"…and {count - LIST_SHOWN} more.")
    return "\n".join(lines)


def describe_failure(result: dict[str, Any]) -> str:
    """An error result as a question or an explanation; candidates are listed, never guessed."""
    message = str(result.get("error", "That didn't work."))
    candidates = result.get("candidates") or []
    if not candidates:
        return message
    names = [f'"{task["title"]}"' for task in candidates]
    options = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"{message} Which one do you mean: {options}?"


def describe_change(
    tool: str, arguments: dict[str, Any], result: dict[str, Any], today: date
) -> str:
    """One sentence for a successful tool result, naming the task."""
    task: dict[str, Any] = result.get("task", {})
    title = f'"{task.get("title", "the task")}"'
    if tool == "add_task":
        return f"Added {title}{task_details(task, today)}."
    if tool == "complete_task":
        if result.get("changed") is False:
            return f"{title} is already done."
        return f'Marked {title} as done. Say "undo" to reopen it.'
    if tool == "reopen_task":
        if result.get("changed") is False:
            return f"{title} isn't completed, so there is nothing to reopen."
        return f"Reopened {title}."
    if tool == "delete_task":
        return f"Deleted {title}."
    if tool == "update_task":
        return _describe_update(task, arguments, result, today)
    if tool == "list_tasks":
        return describe_list(result, today)
    return "Done."


def _describe_update(
    task: dict[str, Any], arguments: dict[str, Any], result: dict[str, Any], today: date
) -> str:
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
        sentences.append(f"{title} is now due {_due(task, today)}.")
    if arguments.get("description") is not None:
        sentences.append(f"Updated the description of {title}.")
    return " ".join(sentences) or f"Updated {title}."


def summarise(actions: Sequence[ChatAction], today: date) -> str:
    return " ".join(
        describe_change(action.tool, action.arguments, action.result, today) for action in actions
    )
