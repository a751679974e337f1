"""The chat tools, shared by the AI tool loop and the demo assistant.

`TOOLS` is the registry: adding a tool is writing its module (one `Tool` record) and adding it to
the tuple below; see "Adding a chat tool" in api/README.md. `execute` is the single entry point:
it validates raw arguments (from the model or the demo parser) with the tool's input model, so
malformed arguments become an error result, never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from pakaura_api.chat.tools import (
    add_task,
    complete_task,
    delete_task,
    list_tasks,
    reopen_task,
    update_task,
)
from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.chat.tools.base import DemoCall, Tool, ToolResult
from pakaura_api.chat.wording import either
from pakaura_api.models import ActionEffect, ActionPublic

# In the order the help and the model list them.
TOOLS: dict[str, Tool[Any]] = {
    tool.name: tool
    for tool in (
        add_task.TOOL,
        list_tasks.TOOL,
        complete_task.TOOL,
        reopen_task.TOOL,
        update_task.TOOL,
        delete_task.TOOL,
    )
}

# Built once: the same list goes into every model request.
COHERE_TOOLS: list[dict[str, Any]] = [tool.cohere_definition() for tool in TOOLS.values()]
# The order in which the demo assistant tries the tools' phrasings.
DEMO_ORDER: tuple[Tool[Any], ...] = tuple(sorted(TOOLS.values(), key=lambda tool: tool.demo_rank))
# "add, list, complete, … and delete": completes "I can … tasks".
ABILITIES = either([tool.can for tool in TOOLS.values()], "and")


def action(name: str, arguments: dict[str, Any], result: ToolResult) -> ActionPublic:
    """A tool call as the turn reports it, with the tool's effect on the task list."""
    return ActionPublic(tool=name, effect=TOOLS[name].effect, arguments=arguments, result=result)


def stored_action(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored action as served: turns stored before actions carried `effect` get their tool's
    (an unknown tool changed nothing the web app can apply)."""
    if "effect" in stored:
        return stored
    tool = TOOLS.get(str(stored.get("tool")))
    return {**stored, "effect": tool.effect if tool else ActionEffect.none}


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any] | str:
    """The arguments as a dict, or an error message when they are not a JSON object."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return "arguments are not valid JSON"
    return value if isinstance(value, dict) else "arguments must be a JSON object"


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for item in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        problems.append(f"{where}: {item['msg']}")
    return "invalid arguments: " + "; ".join(problems)


def is_change(tool_name: str, result: ToolResult) -> bool:
    """Whether a tool call changed a task (and so belongs in the turn's `actions`)."""
    tool = TOOLS.get(tool_name)
    return bool(
        tool is not None and tool.changes_tasks and result.get("ok") and result.get("changed", True)
    )


async def execute(
    access: TaskAccess, name: str, raw_arguments: str | dict[str, Any] | None
) -> tuple[dict[str, Any], ToolResult]:
    """Run tool `name` on `access.user_id`'s tasks; returns (the parsed arguments, the result)."""
    arguments = parse_arguments(raw_arguments)
    if isinstance(arguments, str):
        return {"raw": str(raw_arguments)[:500]}, {"ok": False, "error": arguments}
    tool = TOOLS.get(name)
    if tool is None:
        return arguments, {"ok": False, "error": f"unknown tool {name!r}"}
    try:
        validated: BaseModel = tool.input_model.model_validate(arguments)
    except ValidationError as exc:
        return arguments, {"ok": False, "error": _validation_message(exc)}
    return arguments, await tool.run(access, validated)


__all__ = [
    "ABILITIES",
    "COHERE_TOOLS",
    "DEMO_ORDER",
    "TOOLS",
    "DemoCall",
    "TaskAccess",
    "Tool",
    "ToolResult",
    "action",
    "execute",
    "is_change",
    "stored_action",
]
