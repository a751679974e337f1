"""The demo assistant's understanding: one chat message → one intent (pure functions, no I/O).

Separate from execution so every phrasing can be unit-tested without a database. A task reference
is kept as typed (`ref`); `None` means "it/that" and is resolved from the conversation later.
Patterns are tried in order: small talk, then verb-led commands, then statements ("I finished X",
"X is done"), then questions about the list; anything else is `Unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pakaura_api.chat.demo.dates import find_date, parse_date

Status = Literal["all", "pending", "completed"]
PriorityName = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class SmallTalk:
    kind: Literal["greeting", "thanks", "help"]


@dataclass(frozen=True)
class Unknown:
    pass


@dataclass(frozen=True)
class AddTask:
    title: str
    priority: PriorityName = "medium"
    due_date: date | None = None


@dataclass(frozen=True)
class ListTasks:
    status: Status = "all"


@dataclass(frozen=True)
class CompleteTask:
    ref: str | None


@dataclass(frozen=True)
class ReopenTask:
    ref: str | None


@dataclass(frozen=True)
class DeleteTask:
    ref: str | None


@dataclass(frozen=True)
class UpdateTask:
    ref: str | None
    priority: PriorityName | None = None
    due_date: date | None = None
    clear_due_date: bool = False


@dataclass(frozen=True)
class RenameTask:
    """Every way to split "rename A to B" (titles may contain "to"); the executor picks the one
    whose reference names an existing task."""

    options: tuple[tuple[str | None, str], ...]


Intent = (
    SmallTalk
    | Unknown
    | AddTask
    | ListTasks
    | CompleteTask
    | ReopenTask
    | DeleteTask
    | UpdateTask
    | RenameTask
)

_I = re.IGNORECASE

# A command is a sentence, not an essay: longer input is not parsed at all, which also bounds the
# worst-case cost of the patterns below (the chat p99 budget is 50 ms).
MAX_COMMAND_LENGTH = 300
# "rename a to b to c": at most this many ways to split are considered.
MAX_RENAME_SPLITS = 4

PRIORITY_WORDS: dict[str, PriorityName] = {
    "high": "high",
    "urgent": "high",
    "important": "high",
    "top": "high",
    "critical": "high",
    "low": "low",
    "medium": "medium",
    "normal": "medium",
    "regular": "medium",
    "default": "medium",
}
_PRIO = "(?:high|urgent|important|top|critical|low|medium|normal|regular|default)"
# "What is done?" is a question about the list, not "mark the task 'What' as done".
_NOT_A_QUESTION = r"(?!(?:what|which|who|how|anything|everything|all|is|are)\b)"

# --- normalisation -----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# `(?<![...])[...]+`: a run of separators is only tried from its first character, which keeps
# these patterns linear on input like ", , , , ," (otherwise quadratic backtracking).
_EDGE_PUNCT = re.compile(r"^[\s,;:]+|(?<![\s.!?,;:])[\s.!?,;:]+$")
_POLITE_PREFIX = re.compile(
    r"^(?:please|pls|plz|kindly|ok(?:ay)?|so|and|also|now|then|hey|hi|hello|yo|"
    r"(?:could|can|would|will)\s+you(?:\s+please)?|i\s+(?:want|would\s+like|'d\s+like)\s+(?:you\s+)?to|"
    r"i'd\s+like\s+(?:you\s+)?to|let's|lets)\b[\s,!.]*",
    _I,
)
_POLITE_SUFFIX = re.compile(
    r"(?<![\s,])[\s,]+(?:please|pls|plz|for\s+me|thanks|thank\s+you|thx|now|asap\s+please)$", _I
)
_PRONOUN = re.compile(
    r"^(?:it|that|this|that\s+one|this\s+one|that\s+task|this\s+task|the\s+last\s+(?:one|task)|"
    r"the\s+one\s+i\s+just\s+(?:added|created|made))$",
    _I,
)


def normalise(message: str) -> str:
    """Collapse spaces and drop politeness and edge punctuation ("Please delete it, thanks!")."""
    text = _SPACES.sub(" ", message).strip()
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_PUNCT.sub("", text)
        text = _POLITE_PREFIX.sub("", text)
        text = _POLITE_SUFFIX.sub("", text)
    return text


def _ref(text: str) -> str | None:
    """A task reference as typed; None for "it"/"that" (resolved from the conversation)."""
    cleaned = _EDGE_PUNCT.sub("", text).strip()
    return None if _PRONOUN.match(cleaned) else cleaned


# --- small talk --------------------------------------------------------------------------------

_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening)|"
    r"hi\s+there|hello\s+there|hey\s+there)(?:\s+(?:pakaura|there|bot|assistant))?$",
    _I,
)
_THANKS = re.compile(
    r"^(?:thanks|thank\s+you|thx|ty|cheers|great|cool|nice|awesome|perfect|ok|okay|got\s+it)"
    r"(?:\s+(?:a\s+lot|so\s+much|very\s+much))?$",
    _I,
)
_HELP = re.compile(
    r"^(?:help|\?+|h|commands|menu|what\s+can\s+(?:you|i)\s+(?:do|say|ask)|how\s+does\s+(?:this|it)\s+work|"
    r"how\s+do\s+i\s+use\s+(?:this|you|it)|what\s+do\s+you\s+do|who\s+are\s+you|"
    r"what\s+are\s+you|show\s+help|help\s+me)$",
    _I,
)
_SMALL_TALK: tuple[tuple[re.Pattern[str], Literal["greeting", "thanks", "help"]], ...] = (
    (_GREETING, "greeting"),
    (_THANKS, "thanks"),
    (_HELP, "help"),
)

# --- commands ----------------------------------------------------------------------------------

_UNDO = re.compile(r"^undo(?:\s+(?P<ref>.+))?$", _I)
_REOPEN = [
    re.compile(
        r"^(?:re-?open|un-?complete|un-?check|un-?tick|un-?mark|restore|reactivate)\s+(?P<ref>.+)$",
        _I,
    ),
    re.compile(
        r"^(?:mark|set|flag)\s+(?P<ref>.+?)\s+(?:as\s+)?(?:not\s+(?:yet\s+)?(?:done|completed?|"
        r"finished)|undone|incomplete|unfinished|pending|open|to\s*-?do|active)$",
        _I,
    ),
    re.compile(
        rf"^{_NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|was)\s*(?:n't|\s+not)\s+(?:really\s+)?"
        r"(?:done|completed?|finished)(?:\s+yet)?$",
        _I,
    ),
]
_COMPLETE = [
    re.compile(
        r"^(?:mark|set|flag|tick|check)\s+(?P<ref>.+?)\s+(?:as\s+)?"
        r"(?:done|complete|completed|finished|off)$",
        _I,
    ),
    re.compile(
        r"^(?:complete|finish|finished|close|check\s+off|tick\s+off|cross\s+off|done\s+with|"
        r"i(?:'ve|\s+have)?\s+(?:done|finished|completed)|i\s+did|"
        r"i(?:'m|\s+am)\s+(?:done|finished)\s+with|i\s+just\s+(?:finished|completed|did))"
        r"\s+(?P<ref>.+)$",
        _I,
    ),
    re.compile(r"^done\s*[:\-]\s*(?P<ref>.+)$", _I),
    re.compile(
        rf"^{_NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|are|was)\s+(?:now\s+|all\s+)?(?:done|complete|completed|finished)$",
        _I,
    ),
]
_CLEAR_DUE = re.compile(
    r"^(?:remove|clear|drop|delete|unset)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
    r"(?:from|of|on|for)\s+(?P<ref>.+)$",
    _I,
)
_DELETE = re.compile(
    r"^(?:delete|remove|erase|drop|trash|discard|get\s+rid\s+of|cancel|scrap)\s+(?P<ref>.+?)(?:\s+from\s+(?:my\s+|the\s+)?(?:list|tasks|todos?))?$",
    _I,
)
_RENAME = [
    re.compile(r"^(?:rename|retitle)\s+(?P<rest>.+)$", _I),
    re.compile(
        r"^(?:change|update|set|edit)\s+(?:the\s+)?(?:title|name)\s+(?:of|for|on)\s+(?P<rest>.+)$",
        _I,
    ),
]
_RENAME_SPLIT = re.compile(r"\s+(?:to|as|into)\s+", _I)
_PRIORITY = [
    re.compile(
        r"^(?:change|set|make|update|switch|put|bump|raise|lower)\s+(?:the\s+)?priority\s+"
        rf"(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<prio>{_PRIO})(?:\s+priority)?$",
        _I,
    ),
    re.compile(
        r"^(?:change|set|make|update|switch|mark|bump|raise|lower)\s+(?P<ref>.+?)(?:'s)?"
        rf"(?:\s+priority)?\s+(?:to|as)\s+(?:a\s+)?(?P<prio>{_PRIO})(?:\s+priority)?$",
        _I,
    ),
    re.compile(
        rf"^(?:make|mark|set|flag)\s+(?P<ref>.+?)\s+(?:a\s+)?(?P<prio>{_PRIO})(?:\s+priority)?$", _I
    ),
    re.compile(
        rf"^{_NOT_A_QUESTION}(?P<ref>.+?)\s+is\s+(?:very\s+|really\s+|super\s+|now\s+)?"
        r"(?P<prio>urgent|important|critical|high\s+priority|low\s+priority|not\s+urgent|"
        r"not\s+important)$",
        _I,
    ),
]
_PRIORITISE = re.compile(r"^(?P<neg>de-?)?priori[tz]i[sz]e\s+(?P<ref>.+)$", _I)
_DUE = [
    re.compile(
        r"^(?:move|reschedule|postpone|push(?:\s+back)?|defer|delay|shift|bump)\s+(?P<rest>.+)$",
        _I,
    ),
    re.compile(
        r"^(?:change|set|update|move|make)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
        r"(?:of|for|on)\s+(?P<rest>.+)$",
        _I,
    ),
    re.compile(r"^(?:set|make|have)\s+(?P<ref>.+?)\s+due\s+(?P<date>.+)$", _I),
    re.compile(
        rf"^{_NOT_A_QUESTION}(?P<ref>.+?)\s+(?:is|should\s+be)\s+(?:now\s+)?due\s+(?P<date>.+)$", _I
    ),
]
_DUE_SPLIT = re.compile(r"\s+(?:to|until|till|for|on|by|in)\s+", _I)

# --- adding ------------------------------------------------------------------------------------

_ADD = [
    re.compile(
        r"^(?:add|create|make|new|put|set\s+up|schedule|insert|note|jot\s+down|write\s+down)\b"
        r"[\s:]*(?P<rest>.*)$",
        _I,
    ),
    re.compile(
        r"^(?:remind\s+me(?:\s+to)?|don't\s+let\s+me\s+forget(?:\s+to)?|don't\s+forget(?:\s+to)?|"
        r"i\s+(?:need|have|want|ought)\s+to|i\s+(?:must|should|gotta)|i've\s+got\s+to|"
        r"i\s+have\s+got\s+to|need\s+to|have\s+to|must|to-?do|to\s+do)\b[\s:]+(?P<rest>.+)$",
        _I,
    ),
]
_ADD_PREAMBLE = re.compile(
    r"^(?:(?:a|an|the|one|another)\s+)?(?:new\s+)?"
    rf"(?:(?P<prio>{_PRIO})[\s-]+(?:priority\s+)?)?"
    r"(?:task|todo|to-do|item|reminder|entry)s?\b"
    r"(?:\s*[:\-\u2013]\s*|\s+(?:to|called|named|titled|that\s+says|saying|for|about)\s+|\s+)?",
    _I,
)
_ADD_TO_LIST = re.compile(
    r"\s+(?:to|on|in)\s+(?:my\s+|the\s+)?(?:list|tasks|todo\s+list|to-do\s+list|todos?)$", _I
)
_PRIORITY_PHRASE = re.compile(
    rf"(?:^|(?<![\s,(])[\s,(]+)(?:with\s+)?(?:a\s+)?(?:(?P<p1>{_PRIO})[\s-]+priority|"
    rf"priority[:\s]+(?P<p2>{_PRIO}))\)?(?=$|[\s,.;!])",
    _I,
)
_URGENT_SUFFIX = re.compile(r"(?<![\s,(\-])[\s,(\-]+(?P<p>urgent|asap|important|!{2,})\)?$", _I)
_TITLE_LEAD = re.compile(r"^(?:(?:to|that|about|for)\s+)+", _I)
_QUOTED = re.compile(r"^[\"'\u2018\u2019\u201c\u201d](.+)[\"'\u2018\u2019\u201c\u201d]$")

# --- listing -----------------------------------------------------------------------------------

_LIST = [
    re.compile(
        r"^(?:show|list|display|see|view|give|tell|read|get|print|check)\b.*"
        r"\b(?:tasks?|todos?|to-?dos?|list|items|pending|completed|done|finished|open)\b",
        _I,
    ),
    re.compile(
        r"^(?:what|which|anything|do\s+i\s+have|how\s+many)\b.*"
        r"\b(?:pending|left|remaining|open|outstanding|to\s*-?do|on\s+my\s+(?:list|plate)|"
        r"done|completed?|finish(?:ed)?|tasks?|agenda|due)\b",
        _I,
    ),
    re.compile(
        r"^(?:my\s+)?(?:(?:pending|open|completed|done|finished|all)\s+)?"
        r"(?:tasks|todos|to-?do\s+list|todo\s+list|list|tasks\s+list)$",
        _I,
    ),
    re.compile(r"^(?:pending|completed|done|finished|open)(?:\s+(?:ones|tasks))?$", _I),
]
_STATUS_PENDING_FIRST = re.compile(
    r"\b(?:not\s+(?:yet\s+)?(?:done|completed?|finished)|unfinished|incomplete|undone|"
    r"(?:still|left|have|need|got)\s+to\s+do|"
    r"(?:aren't|isn't|haven't)\b.*\b(?:done|finished|completed?))\b",
    _I,
)
_STATUS_COMPLETED = re.compile(r"\b(?:done|completed?|finish(?:ed)?|closed|checked\s+off)\b", _I)
_STATUS_PENDING = re.compile(
    r"\b(?:pending|left|remaining|open|outstanding|still|active|upcoming|due)\b", _I
)


def parse(message: str, today: date) -> Intent:
    """Understand one chat message (see module docstring for the order of rules)."""
    if len(message) > MAX_COMMAND_LENGTH:
        return Unknown()
    light = _EDGE_PUNCT.sub("", _SPACES.sub(" ", message))
    text = normalise(message)
    for candidate in (light, text):
        for pattern, kind in _SMALL_TALK:
            if pattern.match(candidate):
                return SmallTalk(kind)
    if not text:
        return SmallTalk("help")
    for parser in (
        _parse_undo_or_reopen,
        _parse_complete,
        _parse_clear_due,
        _parse_rename,
        _parse_priority,
        _parse_due,
        _parse_delete,
        _parse_list,
        _parse_add,
    ):
        intent = parser(text, today)
        if intent is not None:
            return intent
    return Unknown()


def _parse_undo_or_reopen(text: str, today: date) -> Intent | None:
    undo = _UNDO.match(text)
    if undo:
        return ReopenTask(_ref(undo["ref"]) if undo["ref"] else None)
    for pattern in _REOPEN:
        found = pattern.match(text)
        if found:
            return ReopenTask(_ref(found["ref"]))
    return None


def _parse_complete(text: str, today: date) -> Intent | None:
    for pattern in _COMPLETE:
        found = pattern.match(text)
        if found and found["ref"].strip():
            return CompleteTask(_ref(found["ref"]))
    return None


def _parse_clear_due(text: str, today: date) -> Intent | None:
    found = _CLEAR_DUE.match(text)
    return UpdateTask(_ref(found["ref"]), clear_due_date=True) if found else None


def _parse_delete(text: str, today: date) -> Intent | None:
    found = _DELETE.match(text)
    return DeleteTask(_ref(found["ref"])) if found else None


def _parse_rename(text: str, today: date) -> Intent | None:
    for pattern in _RENAME:
        found = pattern.match(text)
        if not found:
            continue
        rest = found["rest"]
        options = []
        for split in list(_RENAME_SPLIT.finditer(rest))[:MAX_RENAME_SPLITS]:
            ref, new_title = rest[: split.start()], _clean_title(rest[split.end() :])
            if ref.strip() and new_title:
                options.append((_ref(ref), new_title))
        if options:
            return RenameTask(tuple(options))
    return None


def _parse_priority(text: str, today: date) -> Intent | None:
    found = _PRIORITISE.match(text)
    if found:
        return UpdateTask(_ref(found["ref"]), priority="low" if found["neg"] else "high")
    for pattern in _PRIORITY:
        found = pattern.match(text)
        if found:
            words = found["prio"].lower().split()
            if words[0] == "not":
                priority: PriorityName = "low"
            else:
                priority = PRIORITY_WORDS[words[0]]
            return UpdateTask(_ref(found["ref"]), priority=priority)
    return None


def _parse_due(text: str, today: date) -> Intent | None:
    for pattern in _DUE:
        found = pattern.match(text)
        if not found:
            continue
        groups = found.groupdict()
        if groups.get("rest"):
            # Rightmost split first: "move talk to mom to Friday" → "talk to mom" / "Friday".
            for split in reversed(list(_DUE_SPLIT.finditer(groups["rest"]))):
                when = parse_date(groups["rest"][split.start() :].strip(), today)
                when = when or parse_date(groups["rest"][split.end() :], today)
                ref = groups["rest"][: split.start()]
                if when and ref.strip():
                    return UpdateTask(_ref(ref), due_date=when)
        elif groups.get("date"):
            when = parse_date(groups["date"], today)
            if when:
                return UpdateTask(_ref(groups["ref"]), due_date=when)
    return None


def _parse_list(text: str, today: date) -> Intent | None:
    if not any(pattern.match(text) for pattern in _LIST):
        return None
    if _STATUS_PENDING_FIRST.search(text):
        return ListTasks("pending")
    if _STATUS_COMPLETED.search(text):
        return ListTasks("completed")
    if _STATUS_PENDING.search(text):
        return ListTasks("pending")
    return ListTasks("all")


def _parse_add(text: str, today: date) -> Intent | None:
    for pattern in _ADD:
        found = pattern.match(text)
        if found:
            break
    else:
        return None
    rest = found["rest"]
    priority: PriorityName = "medium"
    preamble = _ADD_PREAMBLE.match(rest)
    if preamble:
        if preamble["prio"]:
            priority = PRIORITY_WORDS[preamble["prio"].lower()]
        rest = rest[preamble.end() :]
    rest = _ADD_TO_LIST.sub("", rest)

    when = find_date(rest, today)
    due = when.value if when else None
    if when:
        rest = rest[: when.start] + " " + rest[when.end :]

    phrase = _PRIORITY_PHRASE.search(rest)
    if phrase:
        priority = PRIORITY_WORDS[(phrase["p1"] or phrase["p2"]).lower()]
        rest = rest[: phrase.start()] + " " + rest[phrase.end() :]
    suffix = _URGENT_SUFFIX.search(rest)
    if suffix:
        priority = "high"
        rest = rest[: suffix.start()]

    title = _clean_title(rest)
    if not title:
        return Unknown()
    return AddTask(title=title, priority=priority, due_date=due)


def _clean_title(text: str) -> str:
    title = _SPACES.sub(" ", text)
    previous = None
    while previous != title:
        previous = title
        title = _EDGE_PUNCT.sub("", title).strip()
        title = _TITLE_LEAD.sub("", title)
        quoted = _QUOTED.match(title)
        if quoted:
            title = quoted[1].strip()
    return title
