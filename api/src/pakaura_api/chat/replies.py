"""The assistant's fixed sentences, built from the tool registry, and sentences about results.

Used by the demo assistant, and by the AI path when it has to summarise changes itself (provider
failure mid-turn, round cap). What a tool's change reads like is the tool's own `describe`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from pakaura_api.chat.schemas import ChatAction, Turn
from pakaura_api.chat.tools import ABILITIES, TOOLS
from pakaura_api.chat.wording import either
from pakaura_api.models import Role

_FIRST_EXAMPLE = next(iter(TOOLS.values())).examples[0]

HELP = "I can manage your tasks. Try:\n" + "\n".join(
    "• " + ", ".join(f'"{example}"' for example in tool.examples) for tool in TOOLS.values()
)
GREETING = f'Hi! I\'m your task assistant. Try "{_FIRST_EXAMPLE}" — say "help" for more.'
THANKS = "You're welcome! Anything else on your list?"
UNKNOWN = (
    f'Sorry, I didn\'t catch that. I can {ABILITIES} tasks — try "{_FIRST_EXAMPLE}" or "help".'
)
WHICH_TASK = "Which task do you mean? Tell me its name."
NOTHING_TO_CONFIRM = "There is nothing waiting for a yes. " + HELP.split("\n", 1)[0]
KEPT = "OK, I left it as it is."
# The demo assistant's question before deleting a task it was not named exactly; "yes" (or
# "delete it") in the next message deletes task #id: the id is in the sentence, so the answer
# acts on the very task the user was shown.
CONFIRM_DELETE = (
    'Did you mean "{title}" (task #{id})? Say "yes" to delete it, or give its exact name.'
)
_PENDING_DELETE = re.compile(r'\(task #(\d+)\)\? Say "yes" to delete it')


def pending_delete(history: Sequence[Turn]) -> int | None:
    """The task id the last answer asked to confirm deleting, if it asked."""
    last = next((turn for turn in reversed(history) if turn.role == Role.assistant), None)
    found = _PENDING_DELETE.findall(last.content) if last is not None else []
    return int(found[-1]) if found else None  # the last one: a title cannot fake it


def describe_failure(result: dict[str, Any]) -> str:
    """An error result as a question or an explanation; candidates are listed, never guessed."""
    if result.get("confirm"):
        return CONFIRM_DELETE.format(**result["task"])
    message = str(result.get("error", "That didn't work."))
    candidates = result.get("candidates") or []
    if not candidates:
        return message
    options = either([f'"{task["title"]}"' for task in candidates])
    return f"{message} Which one do you mean: {options}?"


def summarise(actions: Sequence[ChatAction], today: date) -> str:
    return " ".join(
        TOOLS[action.tool].describe(action.arguments, action.result, today) for action in actions
    )
