"""A small relative-date parser for the demo assistant (pure functions, `today` passed in).

Hand-written instead of `dateparser`, whose import alone takes longer than the API's whole
start-up budget. It understands the phrasings people type in a todo chat:
today, tonight, tomorrow, the day after tomorrow, (on|by|this|next) <weekday>, next week,
this weekend, in N days/weeks, "12 March", "12th of March", "March 12" (optional year),
ISO "2026-12-03", each optionally preceded by on/by/due/for/until/before.

Conventions: a weekday ("Friday", "on Friday", "next Friday") is its next occurrence strictly
after today (1-7 days ahead); "next week" is next Monday; a day-month without a year that has
already passed this year means next year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3,
}  # fmt: skip


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


_WEEKDAY = rf"(?:{_alternatives(WEEKDAYS)})"
_FULL_WEEKDAY = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = rf"(?:{_alternatives(MONTHS)})\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_AMOUNT = rf"(?:\d{{1,3}}|{_alternatives(NUMBER_WORDS)})"
_PREP = r"(?:(?:due|on|by|for|until|till|before)\s+(?:on\s+|by\s+)?)"

# One expression per form; named groups tell `_to_date` which form matched. "Strong" forms are
# unmistakably dates; a bare weekday/month-day without a preposition is only accepted at the end of
# a sentence, so a title like "Plan Friday party" keeps its word.
_STRONG = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<dayafter>(?:the\s+)?day\s+after\s+tomorrow)"
    r"|(?P<today>today|tonight|this\s+evening|this\s+afternoon)"
    r"|(?P<tomorrow>tomorrow|tmrw|tmr)"
    rf"|(?:in\s+(?P<amount>{_AMOUNT})\s+(?P<unit>days?|weeks?))"
    rf"|(?:(?P<rel>next|this|coming)\s+(?P<relday>{_WEEKDAY}))"
    r"|(?P<nextweek>next\s+week)"
    r"|(?P<weekend>this\s+weekend)"
)
_DAY_MONTH = (
    rf"(?:(?:the\s+)?(?P<dm_day>{_DAY})(?:\s+of)?\s+(?P<dm_month>{_MONTH})"
    r"(?:,?\s+(?P<dm_year>\d{4}))?)"
    rf"|(?:(?P<md_month>{_MONTH})\s+(?:the\s+)?(?P<md_day>{_DAY})"
    r"(?:,?\s+(?P<md_year>\d{4}))?)"
)
# After a preposition a weekday may be abbreviated and "the weekend" is a date ("by the weekend").
_PLAIN_WEEKDAY = rf"(?P<weekday>{_WEEKDAY})|(?P<prep_weekend>(?:the\s+)?weekend)"
# "today's news" is not a due date: a match must not run on into a word or a possessive.
_END = r"(?![\w'\u2019])"

_WITH_PREP = re.compile(
    rf"\b{_PREP}(?:{_STRONG}|{_DAY_MONTH}|{_PLAIN_WEEKDAY}){_END}", re.IGNORECASE
)
_BARE = re.compile(rf"\b(?:{_STRONG}|{_DAY_MONTH}){_END}", re.IGNORECASE)
_BARE_WEEKDAY_AT_END = re.compile(rf"\b(?P<weekday>{_FULL_WEEKDAY})\s*$", re.IGNORECASE)
_WHOLE = re.compile(
    rf"^\s*{_PREP}?(?:{_STRONG}|{_DAY_MONTH}|{_PLAIN_WEEKDAY})\s*[.!?]*\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class DateMatch:
    value: date
    start: int
    end: int


def parse_date(text: str, today: date) -> date | None:
    """`text` as a whole is a date expression ("next Friday", "on 12 March") → the date."""
    found = _WHOLE.match(text)
    return _to_date(found, today) if found else None


def find_date(text: str, today: date) -> DateMatch | None:
    """The first date expression inside a sentence, with its span (so it can be cut out)."""
    for pattern in (_WITH_PREP, _BARE, _BARE_WEEKDAY_AT_END):
        for found in pattern.finditer(text):
            value = _to_date(found, today)
            if value is not None:
                return DateMatch(value, found.start(), found.end())
    return None


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _day_month(day: str, month: str, year: str | None, today: date) -> date | None:
    day_number = int(re.sub(r"\D", "", day))
    month_number = MONTHS[month.lower().rstrip(".")]
    try:
        value = date(int(year) if year else today.year, month_number, day_number)
    except ValueError:  # 31 February and friends
        return None
    if year is None and value < today:
        value = value.replace(year=today.year + 1)
    return value


def _to_date(found: re.Match[str], today: date) -> date | None:
    groups = {key: value for key, value in found.groupdict().items() if value}
    if "iso" in groups:
        try:
            return date.fromisoformat(groups["iso"])
        except ValueError:
            return None
    if "dayafter" in groups:
        return today + timedelta(days=2)
    if "today" in groups:
        return today
    if "tomorrow" in groups:
        return today + timedelta(days=1)
    if "amount" in groups:
        amount_text = groups["amount"].lower()
        amount = int(amount_text) if amount_text.isdigit() else NUMBER_WORDS[amount_text]
        days = amount * 7 if groups["unit"].lower().startswith("week") else amount
        return today + timedelta(days=days)
    if "relday" in groups:
        return _next_weekday(today, WEEKDAYS[groups["relday"].lower()])
    if "nextweek" in groups:
        return _next_weekday(today, 0)
    if "weekend" in groups or "prep_weekend" in groups:
        return today if today.weekday() == 5 else _next_weekday(today, 5)
    if "dm_day" in groups:
        return _day_month(groups["dm_day"], groups["dm_month"], groups.get("dm_year"), today)
    if "md_day" in groups:
        return _day_month(groups["md_day"], groups["md_month"], groups.get("md_year"), today)
    if "weekday" in groups:
        return _next_weekday(today, WEEKDAYS[groups["weekday"].lower()])
    return None
