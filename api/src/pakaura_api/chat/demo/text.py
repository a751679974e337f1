"""Text helpers the demo phrasings share (pure functions, no I/O).

Each tool's own phrasings live in its module (`chat/tools/<tool>.py`, `demo_parse`); what they
have in common is here: normalising politeness away, task references ("it" → None), titles,
priority words and the "not a question" guard.
"""

from __future__ import annotations

import re

from pakaura_api.models import Priority

NOCASE = re.IGNORECASE

# Every word that names a priority; the regex alternatives below are built from this table.
PRIORITY_WORDS: dict[str, Priority] = {
    "high": Priority.high,
    "urgent": Priority.high,
    "important": Priority.high,
    "top": Priority.high,
    "critical": Priority.high,
    "low": Priority.low,
    "medium": Priority.medium,
    "normal": Priority.medium,
    "regular": Priority.medium,
    "default": Priority.medium,
}
PRIO = "(?:" + "|".join(map(re.escape, PRIORITY_WORDS)) + ")"
# "What is done?" is a question about the list, not "mark the task 'What' as done".
NOT_A_QUESTION = r"(?!(?:what|which|who|how|anything|everything|all|is|are)\b)"

SPACES = re.compile(r"\s+")
# `(?<![...])[...]+`: a run of separators is only tried from its first character, which keeps
# these patterns linear on input like ", , , , ," (otherwise quadratic backtracking).
EDGE_PUNCT = re.compile(r"^[\s,;:]+|(?<![\s.!?,;:])[\s.!?,;:]+$")
_POLITE_PREFIX = re.compile(
    r"^(?:please|pls|plz|kindly|ok(?:ay)?|so|and|also|now|then|hey|hi|hello|yo|"
    r"(?:could|can|would|will)\s+you(?:\s+please)?|i\s+(?:want|would\s+like|'d\s+like)\s+(?:you\s+)?to|"
    r"i'd\s+like\s+(?:you\s+)?to|let's|lets)\b[\s,!.]*",
    NOCASE,
)
_POLITE_SUFFIX = re.compile(
    r"(?<![\s,])[\s,]+(?:please|pls|plz|for\s+me|thanks|thank\s+you|thx|now|asap\s+please)$", NOCASE
)
_PRONOUN = re.compile(
    r"^(?:it|that|this|that\s+one|this\s+one|that\s+task|this\s+task|the\s+last\s+(?:one|task)|"
    r"the\s+one\s+i\s+just\s+(?:added|created|made))$",
    NOCASE,
)
_TITLE_LEAD = re.compile(r"^(?:(?:to|that|about|for)\s+)+", NOCASE)
_QUOTED = re.compile(r"^[\"'\u2018\u2019\u201c\u201d](.+)[\"'\u2018\u2019\u201c\u201d]$")


def priority_named(phrase: str) -> Priority:
    """The priority a matched phrase names: "urgent" → high, "not important" → low."""
    words = phrase.lower().split()
    return Priority.low if words[0] == "not" else PRIORITY_WORDS[words[0]]


def normalise(message: str) -> str:
    """Collapse spaces and drop politeness and edge punctuation ("Please delete it, thanks!")."""
    text = SPACES.sub(" ", message).strip()
    previous = None
    while previous != text:
        previous = text
        text = EDGE_PUNCT.sub("", text)
        text = _POLITE_PREFIX.sub("", text)
        text = _POLITE_SUFFIX.sub("", text)
    return text


def light(message: str) -> str:
    """Spaces collapsed and edge punctuation dropped, politeness kept ("hello there!")."""
    return EDGE_PUNCT.sub("", SPACES.sub(" ", message))


def reference(text: str) -> str | None:
    """A task reference as typed; None for "it"/"that" (resolved from the conversation)."""
    cleaned = EDGE_PUNCT.sub("", text).strip()
    return None if _PRONOUN.match(cleaned) else cleaned


def clean_title(text: str) -> str:
    """A title as the user meant it: no edge punctuation, leading "to/that/about", or quotes."""
    title = SPACES.sub(" ", text)
    previous = None
    while previous != title:
        previous = title
        title = EDGE_PUNCT.sub("", title).strip()
        title = _TITLE_LEAD.sub("", title)
        quoted = _QUOTED.match(title)
        if quoted:
            title = quoted[1].strip()
    return title
