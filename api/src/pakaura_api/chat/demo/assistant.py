"""The demo assistant: turns a parsed intent into ONE tool call and a short reply.

Deterministic and offline. It runs the very same tools (and reference resolution) as the AI
path, so "ambiguous → ask, never guess" and "only the caller's tasks" hold in both modes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import repository
from pakaura_api.chat import replies
from pakaura_api.chat.demo.intents import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Intent,
    ListTasks,
    RenameTask,
    ReopenTask,
    SmallTalk,
    Unknown,
    parse,
)
from pakaura_api.chat.schemas import ChatAction, ChatReply, Turn
from pakaura_api.chat.tools import execute, is_change
from pakaura_api.chat.tools.resolve import match
from pakaura_api.models import Mode, Role

_SMALL_TALK = {"greeting": replies.GREETING, "thanks": replies.THANKS, "help": replies.HELP}


def last_touched_task_id(history: Sequence[Turn]) -> int | None:
    """The task the most recent assistant action touched: what "it"/"that" refers to."""
    for message in reversed(history):
        if message.role != Role.assistant:
            continue
        for action in reversed(message.actions or []):
            task = (action.get("result") or {}).get("task") or {}
            if isinstance(task.get("id"), int):
                return int(task["id"])
    return None


async def demo_respond(
    session: AsyncSession,
    user_id: int,
    message: str,
    history: Sequence[Turn],
    today: date | None = None,
) -> ChatReply:
    today = today or date.today()
    intent = parse(message, today)
    call = await _tool_call(session, user_id, intent, history)
    if isinstance(call, str):
        return ChatReply(reply=call, mode=Mode.demo, actions=[])
    name, arguments = call
    arguments, result = await execute(session, user_id, name, arguments)
    if not result.get("ok"):
        return ChatReply(reply=replies.describe_failure(result), mode=Mode.demo, actions=[])
    reply = replies.describe_change(name, arguments, result, today)
    actions = [ChatAction(tool=name, arguments=arguments, result=result)]
    return ChatReply(
        reply=reply, mode=Mode.demo, actions=actions if is_change(name, result) else []
    )


async def _tool_call(
    session: AsyncSession, user_id: int, intent: Intent, history: Sequence[Turn]
) -> tuple[str, dict[str, Any]] | str:
    """The tool call the intent asks for, or a reply when no tool is needed (or possible)."""
    if isinstance(intent, SmallTalk):
        return _SMALL_TALK[intent.kind]
    if isinstance(intent, Unknown):
        return replies.UNKNOWN
    if isinstance(intent, AddTask):
        arguments: dict[str, Any] = {"title": intent.title, "priority": intent.priority}
        if intent.due_date:
            arguments["due_date"] = intent.due_date.isoformat()
        return "add_task", arguments
    if isinstance(intent, ListTasks):
        return "list_tasks", {"status": intent.status}
    if isinstance(intent, RenameTask):
        ref, new_title = await _pick_rename(session, user_id, intent)
        reference = _reference(ref, history)
        return (
            reference
            if isinstance(reference, str)
            else (
                "update_task",
                {
                    **reference,
                    "new_title": new_title,
                },
            )
        )
    reference = _reference(intent.ref, history)
    if isinstance(reference, str):
        return reference
    if isinstance(intent, CompleteTask):
        return "complete_task", reference
    if isinstance(intent, ReopenTask):
        return "reopen_task", reference
    if isinstance(intent, DeleteTask):
        return "delete_task", reference
    changes: dict[str, Any] = {}
    if intent.priority:
        changes["priority"] = intent.priority
    if intent.due_date:
        changes["due_date"] = intent.due_date.isoformat()
    if intent.clear_due_date:
        changes["clear_due_date"] = True
    return "update_task", {**reference, **changes}


def _reference(ref: str | None, history: Sequence[Turn]) -> dict[str, Any] | str:
    """Tool arguments naming the task; "it" becomes the id of the task last acted on."""
    if ref is not None:
        return {"title": ref}
    task_id = last_touched_task_id(history)
    return replies.WHICH_TASK if task_id is None else {"task_id": task_id}


async def _pick_rename(
    session: AsyncSession, user_id: int, intent: RenameTask
) -> tuple[str | None, str]:
    """ "Rename talk to mom to call mom": prefer the split whose left side names a task exactly,
    then one that resolves confidently; otherwise the first split (its error is reported)."""
    if len(intent.options) == 1:
        return intent.options[0]
    tasks = await repository.list_tasks(session, user_id)
    titles = {task.title.casefold() for task in tasks}
    exact = [option for option in intent.options if (option[0] or "").casefold() in titles]
    if exact:  # the longest exact name: "talk to mom" over "talk"
        return max(exact, key=lambda option: len(option[0] or ""))
    for ref, new_title in intent.options:
        if ref is not None and match(ref, tasks).task is not None:
            return ref, new_title
    return intent.options[0]
