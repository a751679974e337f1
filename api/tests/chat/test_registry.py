"""Every registered tool is complete: the model, the system prompt, the help and "didn't catch
that" texts and the demo assistant's routing all know it (see "Adding a chat tool")."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from pakaura_api.chat import replies
from pakaura_api.chat.agent import SYSTEM_PROMPT
from pakaura_api.chat.demo.intents import parse
from pakaura_api.chat.tools import COHERE_TOOLS, DEMO_ORDER, TOOLS, Tool
from pakaura_api.models import ActionEffect

TODAY = date(2026, 11, 27)


def problems(tools: dict[str, Tool[Any]]) -> list[str]:
    """What is missing for each tool, as sentences (empty when every tool is complete)."""
    found = []
    model_names = {definition["function"]["name"] for definition in COHERE_TOOLS}
    ranks = [tool.demo_rank for tool in tools.values()]
    if len(set(ranks)) != len(ranks):
        found.append(f"demo ranks are not unique: {ranks}")
    for name, tool in tools.items():
        if name not in model_names:
            found.append(f"{name}: not in the model's tool list")
        if not tool.can or tool.can not in SYSTEM_PROMPT:
            found.append(f"{name}: not in the system prompt")
        if not tool.can or tool.can not in replies.UNKNOWN:
            found.append(f"{name}: not in the 'didn't catch that' reply")
        if not tool.examples:
            found.append(f"{name}: no examples (the help shows none)")
        for example in tool.examples:
            if f'"{example}"' not in replies.HELP:
                found.append(f"{name}: {example!r} is not in the help")
            parsed = parse(example, TODAY)
            if not isinstance(parsed, list) or {call.tool for call in parsed} != {name}:
                found.append(f"{name}: the demo reads {example!r} as {parsed!r}")
    return found


def test_every_registered_tool_is_in_the_prompt_the_help_and_the_demo_routing() -> None:
    assert problems(TOOLS) == []
    assert [tool.name for tool in DEMO_ORDER] == sorted(TOOLS, key=lambda n: TOOLS[n].demo_rank)


def test_a_tool_missing_from_prompt_help_or_routing_is_reported() -> None:
    archive = dataclasses.replace(
        TOOLS["add_task"], name="archive_task", can="archive", examples=("Archive buy milk",)
    )
    found = problems({**TOOLS, "archive_task": archive})
    assert "archive_task: not in the model's tool list" in found
    assert "archive_task: not in the system prompt" in found
    assert "archive_task: 'Archive buy milk' is not in the help" in found
    assert any(line.startswith("archive_task: the demo reads 'Archive buy milk'") for line in found)
    assert any(line.startswith("demo ranks are not unique") for line in found)


def test_each_tool_declares_its_effect_on_the_task_list() -> None:
    effects = {name: tool.effect for name, tool in TOOLS.items()}
    assert effects == {
        "add_task": ActionEffect.upsert,
        "list_tasks": ActionEffect.none,
        "complete_task": ActionEffect.upsert,
        "reopen_task": ActionEffect.upsert,
        "update_task": ActionEffect.upsert,
        "delete_task": ActionEffect.delete,
    }


def test_texts_are_built_from_the_registry() -> None:
    assert replies.HELP.count("\n•") == len(TOOLS)
    assert "add, list, complete" in SYSTEM_PROMPT
    assert replies.UNKNOWN.startswith("Sorry, I didn't catch that. I can add, list")
