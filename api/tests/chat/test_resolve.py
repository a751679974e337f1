"""Reference resolution rules (pure): exact acts, one confident fuzzy match acts, else ask."""

from __future__ import annotations

from typing import Any

import pytest
from pakaura_api.chat.tools.resolve import clean_reference, match

TITLES = [
    "Write report",
    "Review report",
    "Buy milk",
    "Call mom",
    "demo Kubernetes",
    "Prepare slides",
    "Report",
    "Pay rent",
]


def tasks(*titles: str) -> list[dict[str, Any]]:
    return [{"id": number, "title": title} for number, title in enumerate(titles, 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the report task", "report"),
        ('"the report task"', "the report task"),  # quoted → literal
        ("my milk task.", "milk"),
        ("The Buy Milk to-do!", "Buy Milk"),
        ("  call mom ?", "call mom"),
        ("that one", "one"),
    ],
)
def test_clean_reference(text: str, expected: str) -> None:
    assert clean_reference(text) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("report", "Report"),  # exact beats the two fuzzy reports
        ("REPORT", "Report"),
        ("the report task", "Report"),
        ("buy milk", "Buy milk"),
        ("milk", "Buy milk"),
        ("the milk task", "Buy milk"),
        ("buy mlik", "Buy milk"),  # typo
        ("kubernetes", "demo Kubernetes"),
        ("kubernetes demo", "demo Kubernetes"),
        ("slides", "Prepare slides"),
        ("write the report", "Write report"),
        ("rent", "Pay rent"),
    ],
)
def test_confident_matches_act(reference: str, expected: str) -> None:
    found = match(reference, tasks(*TITLES))
    assert found.task is not None
    assert found.task["title"] == expected
    assert found.exact is (reference.casefold() in ("report", "the report task", "buy milk"))
    assert found.candidates == []


def test_several_plausible_tasks_are_candidates_not_a_guess() -> None:
    found = match("report", tasks("Write report", "Review report", "Buy milk"))
    assert found.task is None
    assert sorted(task["title"] for task in found.candidates) == ["Review report", "Write report"]
    assert found.error == 'Several tasks match "report".'


def test_duplicate_exact_titles_are_ambiguous() -> None:
    found = match("buy milk", tasks("Buy milk", "buy milk"))
    assert found.task is None
    assert len(found.candidates) == 2


@pytest.mark.parametrize("reference", ["dentist", "xyz", "a", "mo", "", "the task"])
def test_nothing_plausible_is_not_found(reference: str) -> None:
    found = match(reference, tasks(*TITLES))
    assert found.task is None
    assert found.candidates == []
    assert found.error


def test_no_tasks_at_all() -> None:
    assert match("milk", []).task is None
