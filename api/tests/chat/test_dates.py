"""The demo assistant's date parser: pure, `today` is fixed (Friday 27 November 2026)."""

from __future__ import annotations

from datetime import date

import pytest
from pakaura_api.chat.demo.dates import find_date, parse_date

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 27)),
        ("tonight", date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 28)),
        ("Tomorrow", date(2026, 11, 28)),
        ("tmrw", date(2026, 11, 28)),
        ("the day after tomorrow", date(2026, 11, 29)),
        ("next Friday", date(2026, 12, 4)),
        ("on Friday", date(2026, 12, 4)),
        ("friday", date(2026, 12, 4)),
        ("by Monday", date(2026, 11, 30)),
        ("on Saturday", date(2026, 11, 28)),
        ("this Thursday", date(2026, 12, 3)),
        ("next mon", date(2026, 11, 30)),
        ("on fri", date(2026, 12, 4)),
        ("next week", date(2026, 11, 30)),
        ("this weekend", date(2026, 11, 28)),
        ("by the weekend", date(2026, 11, 28)),
        ("on 12 March", date(2027, 3, 12)),  # already passed this year → next year
        ("12 March", date(2027, 3, 12)),
        ("12th of March", date(2027, 3, 12)),
        ("March 12", date(2027, 3, 12)),
        ("Mar 12th", date(2027, 3, 12)),
        ("December 24", date(2026, 12, 24)),
        ("on 1 Dec", date(2026, 12, 1)),
        ("12 March 2028", date(2028, 3, 12)),
        ("March 12, 2028", date(2028, 3, 12)),
        ("2026-12-03", date(2026, 12, 3)),
        ("due 2026-12-03", date(2026, 12, 3)),
        ("in 3 days", date(2026, 11, 30)),
        ("in three days", date(2026, 11, 30)),
        ("in a day", date(2026, 11, 28)),
        ("in 2 weeks", date(2026, 12, 11)),
        ("in a week", date(2026, 12, 4)),
        ("in a couple of days", date(2026, 11, 29)),
        ("until tomorrow.", date(2026, 11, 28)),
    ],
)
def test_parse_date_understands_everyday_phrasings(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", "banana", "February 30", "2026-13-45", "next year-ish", "someday", "call mom tomorrow"],
)
def test_parse_date_rejects_non_dates(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_a_weekday_is_never_today_even_on_that_weekday() -> None:
    assert parse_date("Friday", TODAY) == date(2026, 12, 4)
    assert parse_date("Saturday", date(2026, 11, 28)) == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("sentence", "expected", "cut"),
    [
        ("call mom tomorrow", date(2026, 11, 28), "tomorrow"),
        ("tomorrow call mom", date(2026, 11, 28), "tomorrow"),
        ("pay rent by Dec 1", date(2026, 12, 1), "by Dec 1"),
        ("buy milk on fri", date(2026, 12, 4), "on fri"),
        ("call mom friday", date(2026, 12, 4), "friday"),
        ("finish report in 3 days please", date(2026, 11, 30), "in 3 days"),
        ("dentist on 12 March at noon", date(2027, 3, 12), "on 12 March"),
    ],
)
def test_find_date_locates_the_phrase_inside_a_sentence(
    sentence: str, expected: date, cut: str
) -> None:
    found = find_date(sentence, TODAY)
    assert found is not None
    assert found.value == expected
    assert sentence[found.start : found.end] == cut


@pytest.mark.parametrize(
    "sentence",
    [
        "Plan Friday party",  # a bare weekday inside a title stays part of the title
        "read today's news",  # possessive, not a date
        "plan weekend trip",
        "write the monday report",
        "buy milk",
    ],
)
def test_find_date_leaves_titles_alone(sentence: str) -> None:
    assert find_date(sentence, TODAY) is None
