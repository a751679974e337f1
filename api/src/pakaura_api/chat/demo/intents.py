"""The demo assistant's understanding: one chat message → small talk, or the tool call(s) it
asks for (pure functions, no I/O).

Separate from execution so every phrasing can be unit-tested without a database. Small talk is
recognised first; then each tool's own phrasings (`Tool.demo_parse`, in `DEMO_ORDER`); anything
else is `Unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pakaura_api.chat.demo.text import NOCASE, light, normalise
from pakaura_api.chat.tools import DEMO_ORDER, DemoCall

# A command is a sentence, not an essay: longer input is not parsed at all, which also bounds the
# worst-case cost of the patterns (the chat p99 budget is 50 ms).
MAX_COMMAND_LENGTH = 300

Kind = Literal["greeting", "thanks", "help", "yes", "no"]


@dataclass(frozen=True)
class SmallTalk:
    kind: Kind


@dataclass(frozen=True)
class Unknown:
    pass


Parsed = SmallTalk | Unknown | list[DemoCall]

_SMALL_TALK: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (
        re.compile(
            r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening)|"
            r"hi\s+there|hello\s+there|hey\s+there)(?:\s+(?:pakaura|there|bot|assistant))?$",
            NOCASE,
        ),
        "greeting",
    ),
    (
        re.compile(
            r"^(?:thanks|thank\s+you|thx|ty|cheers|great|cool|nice|awesome|perfect|ok|okay|"
            r"got\s+it)(?:\s+(?:a\s+lot|so\s+much|very\s+much))?$",
            NOCASE,
        ),
        "thanks",
    ),
    (
        re.compile(
            r"^(?:help|\?+|h|commands|menu|what\s+can\s+(?:you|i)\s+(?:do|say|ask)|"
            r"how\s+does\s+(?:this|it)\s+work|how\s+do\s+i\s+use\s+(?:this|you|it)|"
            r"what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you|show\s+help|help\s+me)$",
            NOCASE,
        ),
        "help",
    ),
    (
        re.compile(
            r"^(?:yes|yeah|yep|yup|y|sure|confirm(?:ed)?|go\s+ahead|do\s+it|please\s+do)"
            r"(?:\s+(?:please|delete\s+it|do\s+it))?$",
            NOCASE,
        ),
        "yes",
    ),
    (
        re.compile(r"^(?:no|nope|nah|n|don't|do\s+not|never\s*mind|keep\s+it)$", NOCASE),
        "no",
    ),
)


def parse(message: str, today: date) -> Parsed:
    """Understand one chat message (see the module docstring for the order of rules)."""
    if len(message) > MAX_COMMAND_LENGTH:
        return Unknown()
    text = normalise(message)
    for candidate in (light(message), text):
        for pattern, kind in _SMALL_TALK:
            if pattern.match(candidate):
                return SmallTalk(kind)
    if not text:
        return SmallTalk("help")
    for tool in DEMO_ORDER:
        calls = tool.demo_parse(text, today)
        if calls:
            return calls
    return Unknown()


__all__ = ["MAX_COMMAND_LENGTH", "DemoCall", "Parsed", "SmallTalk", "Unknown", "normalise", "parse"]
