"""The demo assistant: turns a parsed message into ONE tool call and a short reply.

Deterministic and offline. It runs the very same tools (and reference resolution) as the AI
path, so "ambiguous → ask, never guess" and "only the caller's tasks" hold in both modes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pakaura_api.chat import replies
from pakaura_api.chat.demo.intents import Parsed, SmallTalk, Unknown, parse
from pakaura_api.chat.schemas import ChatReply, Turn, TurnCancelled, TurnEvents
from pakaura_api.chat.tools import TOOLS, DemoCall, TaskAccess, action, execute, is_change
from pakaura_api.chat.tools.base import TaskReference
from pakaura_api.chat.tools.resolve import match
from pakaura_api.models import Mode, Role

_SMALL_TALK = {"greeting": replies.GREETING, "thanks": replies.THANKS, "help": replies.HELP}


def needs_tasks(parsed: Parsed) -> bool:
    """Whether answering looks at the user's existing tasks (read them with the turn, then)."""
    if isinstance(parsed, SmallTalk):
        return parsed.kind == "yes"  # confirming a deletion
    return isinstance(parsed, list) and any(TOOLS[call.tool].reads_tasks for call in parsed)


def last_touched_task_id(history: Sequence[Turn]) -> int | None:
    """What "it"/"that" refers to: the task the last answer asked about, else the task the most
    recent assistant action touched."""
    pending = replies.pending_delete(history)
    if pending is not None:
        return pending
    for message in reversed(history):
        if message.role != Role.assistant:
            continue
        for done in reversed(message.actions or []):
            task = (done.get("result") or {}).get("task") or {}
            if isinstance(task.get("id"), int):
                return int(task["id"])
    return None


async def demo_respond(
    access: TaskAccess,
    message: str,
    history: Sequence[Turn],
    today: date | None = None,
    parsed: Parsed | None = None,
    events: TurnEvents | None = None,
) -> ChatReply:
    """Answer with at most one tool call; with `events`, its change is reported once applied
    (and a cancelled turn stops before the call: `TurnCancelled`)."""
    today = today or date.today()
    if parsed is None:
        parsed = parse(message, today)
    if isinstance(parsed, Unknown):
        return _say(replies.UNKNOWN)
    if isinstance(parsed, SmallTalk):
        pending = replies.pending_delete(history)
        if parsed.kind == "yes":
            if pending is None:
                return _say(replies.NOTHING_TO_CONFIRM)
            parsed = [DemoCall("delete_task", reference=None)]  # "it": the pending task
        elif parsed.kind == "no":
            return _say(replies.KEPT if pending is not None else replies.THANKS)
        else:
            return _say(_SMALL_TALK[parsed.kind])
    call = await _choose(access, parsed)
    arguments = _arguments(call, history)
    if arguments is None:
        return _say(replies.WHICH_TASK)
    if events is not None and events.cancelled:
        raise TurnCancelled
    arguments, result = await execute(access, call.tool, arguments)
    if not result.get("ok"):
        return _say(replies.describe_failure(result))
    reply = TOOLS[call.tool].describe(arguments, result, today)
    actions = [action(call.tool, arguments, result)] if is_change(call.tool, result) else []
    if events is not None:
        for done in actions:
            await events.action(done)
    return ChatReply(reply=reply, mode=Mode.demo, actions=actions)


def _say(text: str) -> ChatReply:
    return ChatReply(reply=text, mode=Mode.demo, actions=[])


def _arguments(call: DemoCall, history: Sequence[Turn]) -> dict[str, Any] | None:
    """The call's arguments, naming its task when the tool acts on one ("it" → the task id)."""
    if not issubclass(TOOLS[call.tool].input_model, TaskReference):
        return call.arguments
    if call.reference is not None:
        return {"title": call.reference, **call.arguments}
    task_id = last_touched_task_id(history)
    return None if task_id is None else {"task_id": task_id, **call.arguments}


async def _choose(access: TaskAccess, calls: list[DemoCall]) -> DemoCall:
    """One reading of the message. "Rename talk to mom to call mom" has several: prefer the one
    whose reference names a task exactly (the longest), then one that resolves confidently;
    otherwise the first (its error is reported)."""
    if len(calls) == 1:
        return calls[0]
    tasks = await access.all()
    titles = {task["title"].casefold() for task in tasks}
    exact = [call for call in calls if (call.reference or "").casefold() in titles]
    if exact:
        return max(exact, key=lambda call: len(call.reference or ""))
    for call in calls:
        if call.reference is not None and match(call.reference, tasks).task is not None:
            return call
    return calls[0]
