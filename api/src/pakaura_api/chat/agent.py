"""The AI turn: Cohere v2 multi-step tool use, bounded in rounds and in time.

Loop (as Cohere documents it): send system + history + user message with the tool schemas; when
the answer carries `tool_calls`, append that assistant message (tool_plan + tool_calls), run each
call and append one `tool` message per call (same `tool_call_id`, the result as a document), then
ask again. Stop at the first answer without tool calls, or after `max_rounds` rounds.

Every task change is appended to the caller's `actions` list the moment it happens, so if the
provider fails half-way the caller still knows exactly what was done (nothing lost, nothing redone).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from pakaura_api.chat import replies
from pakaura_api.chat.cohere_client import CohereClient, CohereMalformedResponseError, ToolCall
from pakaura_api.chat.schemas import ChatAction, ChatConfig, Turn, TurnCancelled, TurnEvents
from pakaura_api.chat.tools import (
    ABILITIES,
    COHERE_TOOLS,
    TaskAccess,
    action,
    execute,
    is_change,
)
from pakaura_api.models import Role

HISTORY_LIMIT = 20

SYSTEM_PROMPT = (
    "You are Pakaura's task assistant. You help the user manage THEIR todo list with the tools "
    f"provided: you can {ABILITIES} tasks. Today is {{today}} ({{weekday}}).\n"
    "Rules:\n"
    "- Use the tools for every change; never claim a change you did not make with a tool.\n"
    "- Refer to tasks by task_id when you know it from a tool result, otherwise by title.\n"
    '- If a tool result has "candidates", do not pick one: list them and ask which one the user '
    "means.\n"
    '- If a tool result has "confirm", ask the user whether they mean that task; act on it (by '
    "task_id) only after they agree.\n"
    "- Give due dates as YYYY-MM-DD, computed from today's date.\n"
    "- Delete only when the user clearly asks for it.\n"
    "- Answer in one to three short, friendly sentences that name the task(s)."
)


def _replayed(message: Turn) -> dict[str, Any] | None:
    """A stored turn as model context; assistant turns carry a note of the tasks they touched,
    so "it" in the next message can be resolved by id."""
    content = (message.content or "").strip()
    if message.role == Role.assistant:
        touched = []
        for action in message.actions or []:
            task = (action.get("result") or {}).get("task") or {}
            if task.get("id") is not None:
                touched.append(f'{action.get("tool")} task_id={task["id"]} "{task.get("title")}"')
        if touched:
            content = f"{content}\n[actions: {'; '.join(touched)}]".strip()
    if not content:
        return None
    return {"role": "assistant" if message.role == Role.assistant else "user", "content": content}


def _echo(call: ToolCall) -> dict[str, Any]:
    """A tool call as it goes back into the conversation: arguments always a JSON string."""
    arguments = call.function.arguments
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments or {})
    return {
        "id": call.id,
        "type": call.type,
        "function": {"name": call.function.name, "arguments": arguments},
    }


def build_messages(message: str, history: Sequence[Turn], today: date) -> list[dict[str, Any]]:
    system = SYSTEM_PROMPT.format(today=today.isoformat(), weekday=f"{today:%A}")
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for stored in list(history)[-HISTORY_LIMIT:]:
        replayed = _replayed(stored)
        if replayed is not None:
            messages.append(replayed)
    messages.append({"role": "user", "content": message})
    return messages


async def run_turn(
    client: CohereClient,
    access: TaskAccess,
    message: str,
    history: Sequence[Turn],
    config: ChatConfig,
    actions: list[ChatAction],
    deadline: float | None = None,
    today: date | None = None,
    events: TurnEvents | None = None,
) -> str:
    """Run the tool loop; returns the reply text. Raises CohereError on provider failure and
    `TurnCancelled` (before a provider call or a tool call) when `events` says so.

    With `events`, the model's answer text is streamed to `events.delta` as it arrives and each
    task change is reported to `events.action` once applied."""
    today = today or date.today()
    messages = build_messages(message, history, today)
    for _round in range(config.max_rounds):
        _stop_if_cancelled(events)
        response = await client.chat(
            model=config.model,
            messages=messages,
            tools=COHERE_TOOLS,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            deadline=deadline,
            on_text=events.delta if events is not None else None,
        )
        calls = response.message.tool_calls or []
        if not calls:
            text = response.message.text()
            if text:
                return text
            if actions:  # the model went quiet after acting: say what was done
                return replies.summarise(actions, today)
            raise CohereMalformedResponseError("answer without text or tool calls")

        assistant: dict[str, Any] = {
            "role": "assistant",
            "tool_calls": [_echo(call) for call in calls],
        }
        if response.message.tool_plan:
            assistant["tool_plan"] = response.message.tool_plan
        messages.append(assistant)
        for call in calls:
            _stop_if_cancelled(events)
            arguments, result = await execute(access, call.function.name, call.function.arguments)
            if is_change(call.function.name, result):
                done = action(call.function.name, arguments, result)
                actions.append(done)
                if events is not None:
                    await events.action(done)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": [{"type": "document", "document": {"data": json.dumps(result)}}],
                }
            )
    # Round cap reached: the model kept calling tools. Report what happened instead of looping.
    summary = replies.summarise(actions, today)
    stop = "I stopped there — that took more steps than I allow for one message."
    return f"{summary} {stop}".strip()


def _stop_if_cancelled(events: TurnEvents | None) -> None:
    if events is not None and events.cancelled:
        raise TurnCancelled


def deadline_after(seconds: float) -> float:
    return time.monotonic() + seconds
