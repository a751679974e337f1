"""The demo assistant's parser: everyday phrasings → small talk or tool calls (pure, no I/O)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from pakaura_api.chat.demo.intents import (
    MAX_COMMAND_LENGTH,
    DemoCall,
    Parsed,
    SmallTalk,
    Unknown,
    normalise,
    parse,
)

TODAY = date(2026, 11, 27)  # a Friday
TOMORROW = date(2026, 11, 28)
NEXT_FRIDAY = date(2026, 12, 4)


def case(message: str, parsed: Parsed) -> object:
    return pytest.param(message, parsed, id=message)


def AddTask(title: str, priority: str = "medium", due_date: date | None = None) -> Parsed:  # noqa: N802
    arguments: dict[str, Any] = {"title": title, "priority": priority}
    if due_date:
        arguments["due_date"] = due_date.isoformat()
    return [DemoCall("add_task", arguments)]


def ListTasks(status: str) -> Parsed:  # noqa: N802
    return [DemoCall("list_tasks", {"status": status})]


def CompleteTask(ref: str | None) -> Parsed:  # noqa: N802
    return [DemoCall("complete_task", reference=ref)]


def ReopenTask(ref: str | None) -> Parsed:  # noqa: N802
    return [DemoCall("reopen_task", reference=ref)]


def DeleteTask(ref: str | None) -> Parsed:  # noqa: N802
    return [DemoCall("delete_task", reference=ref)]


def UpdateTask(ref: str | None, **changes: Any) -> Parsed:  # noqa: N802
    if "due_date" in changes:
        changes["due_date"] = changes["due_date"].isoformat()
    return [DemoCall("update_task", changes, reference=ref)]


def RenameTask(options: tuple[tuple[str | None, str], ...]) -> Parsed:  # noqa: N802
    return [DemoCall("update_task", {"new_title": new}, reference=ref) for ref, new in options]


ADD_CASES = [
    case("Add a task to demo Kubernetes", AddTask("demo Kubernetes")),
    case("Remind me to call mom tomorrow", AddTask("call mom", due_date=TOMORROW)),
    case("Remind me tomorrow to call mom", AddTask("call mom", due_date=TOMORROW)),
    case("Create a high priority task: prepare slides", AddTask("prepare slides", "high")),
    case("Create an urgent task: fix prod", AddTask("fix prod", "high")),
    case("Add a low priority task to tidy desk", AddTask("tidy desk", "low")),
    case("add an important task called taxes", AddTask("taxes", "high")),
    case("Add call the bank, urgent", AddTask("call the bank", "high")),
    case("add pay rent high priority", AddTask("pay rent", "high")),
    case("add pay rent with priority low", AddTask("pay rent", "low")),
    case("Add pay rent on 12 March", AddTask("pay rent", due_date=date(2027, 3, 12))),
    case("Add pay rent March 12", AddTask("pay rent", due_date=date(2027, 3, 12))),
    case('Add "Write report" due 2026-12-03', AddTask("Write report", due_date=date(2026, 12, 3))),
    case("add buy milk in 3 days", AddTask("buy milk", due_date=date(2026, 11, 30))),
    case("add buy milk on Friday", AddTask("buy milk", due_date=NEXT_FRIDAY)),
    case("Add buy milk next Friday", AddTask("buy milk", due_date=NEXT_FRIDAY)),
    case("add buy milk today", AddTask("buy milk", due_date=TODAY)),
    case(
        "Please add water plants on Friday, thanks!", AddTask("water plants", due_date=NEXT_FRIDAY)
    ),
    case("Could you add buy milk to my list?", AddTask("buy milk")),
    case("new task: taxes", AddTask("taxes")),
    case("todo: book dentist", AddTask("book dentist")),
    case("I need to book flights next week", AddTask("book flights", due_date=date(2026, 11, 30))),
    case("I have to renew my passport", AddTask("renew my passport")),
    case("Don't let me forget to water the plants", AddTask("water the plants")),
    case("Schedule dentist for Friday", AddTask("dentist", due_date=NEXT_FRIDAY)),
    case("Add Plan Friday party", AddTask("Plan Friday party")),
    case("add 'read today's news'", AddTask("read today's news")),
    case("hey, add a new task: call Anna.", AddTask("call Anna")),
]

LIST_CASES = [
    case("Show my tasks", ListTasks("all")),
    case("show me all my tasks", ListTasks("all")),
    case("list tasks", ListTasks("all")),
    case("my tasks", ListTasks("all")),
    case("tasks", ListTasks("all")),
    case("What's on my list?", ListTasks("all")),
    case("How many tasks do I have?", ListTasks("all")),
    case("What's still pending?", ListTasks("pending")),
    case("what is pending", ListTasks("pending")),
    case("What's left?", ListTasks("pending")),
    case("What do I have to do today?", ListTasks("pending")),
    case("show open tasks", ListTasks("pending")),
    case("Which tasks are not done yet?", ListTasks("pending")),
    case("pending", ListTasks("pending")),
    case("What's done?", ListTasks("completed")),
    case("What is done?", ListTasks("completed")),
    case("What have I completed?", ListTasks("completed")),
    case("what did I finish", ListTasks("completed")),
    case("show completed tasks", ListTasks("completed")),
    case("completed tasks", ListTasks("completed")),
    case("list done", ListTasks("completed")),
]

COMPLETE_CASES = [
    case("Mark demo Kubernetes as done", CompleteTask("demo Kubernetes")),
    case("mark buy milk done", CompleteTask("buy milk")),
    case("mark buy milk as completed.", CompleteTask("buy milk")),
    case("I finished the milk task", CompleteTask("the milk task")),
    case("I've done the report", CompleteTask("the report")),
    case("I just finished taxes!", CompleteTask("taxes")),
    case("complete buy milk", CompleteTask("buy milk")),
    case("finish taxes", CompleteTask("taxes")),
    case("check off buy milk", CompleteTask("buy milk")),
    case("tick buy milk off", CompleteTask("buy milk")),
    case("done: buy milk", CompleteTask("buy milk")),
    case("buy milk is done", CompleteTask("buy milk")),
    case("Mark it as done", CompleteTask(None)),
    case("I'm done with that", CompleteTask(None)),
]

REOPEN_CASES = [
    case("Reopen buy milk", ReopenTask("buy milk")),
    case("re-open the milk task", ReopenTask("the milk task")),
    case("uncheck buy milk", ReopenTask("buy milk")),
    case("mark buy milk as not done", ReopenTask("buy milk")),
    case("mark buy milk as pending", ReopenTask("buy milk")),
    case("buy milk isn't done yet", ReopenTask("buy milk")),
    case("buy milk is not finished", ReopenTask("buy milk")),
    case("undo", ReopenTask(None)),
    case("Undo that", ReopenTask(None)),
    case("undo buy milk", ReopenTask("buy milk")),
]

DELETE_CASES = [
    case("Delete the report task", DeleteTask("the report task")),
    case("Delete it", DeleteTask(None)),
    case("delete that one", DeleteTask(None)),
    case("remove buy milk", DeleteTask("buy milk")),
    case("please remove buy milk from my list", DeleteTask("buy milk")),
    case("get rid of the taxes task", DeleteTask("the taxes task")),
    case("cancel dentist", DeleteTask("dentist")),
    case("Trash 'old stuff'", DeleteTask("'old stuff'")),
]

UPDATE_CASES = [
    case("Change the priority of buy milk to high", UpdateTask("buy milk", priority="high")),
    case("set the priority of taxes to low", UpdateTask("taxes", priority="low")),
    case("set buy milk priority to normal", UpdateTask("buy milk", priority="medium")),
    case("change buy milk to high priority", UpdateTask("buy milk", priority="high")),
    case("make buy milk urgent", UpdateTask("buy milk", priority="high")),
    case("mark taxes as important", UpdateTask("taxes", priority="high")),
    case("make it low priority", UpdateTask(None, priority="low")),
    case("prioritize taxes", UpdateTask("taxes", priority="high")),
    case("deprioritise taxes", UpdateTask("taxes", priority="low")),
    case("taxes is urgent", UpdateTask("taxes", priority="high")),
    case("taxes is not urgent", UpdateTask("taxes", priority="low")),
    case("Move buy milk to next Friday", UpdateTask("buy milk", due_date=NEXT_FRIDAY)),
    case("move it to tomorrow", UpdateTask(None, due_date=TOMORROW)),
    case("Move talk to mom to Friday", UpdateTask("talk to mom", due_date=NEXT_FRIDAY)),
    case("Postpone taxes until tomorrow", UpdateTask("taxes", due_date=TOMORROW)),
    case("reschedule dentist for 12 March", UpdateTask("dentist", due_date=date(2027, 3, 12))),
    case("push taxes to 2026-12-03", UpdateTask("taxes", due_date=date(2026, 12, 3))),
    case("move taxes in 3 days", UpdateTask("taxes", due_date=date(2026, 11, 30))),
    case(
        "Set the due date of buy milk to March 12",
        UpdateTask("buy milk", due_date=date(2027, 3, 12)),
    ),
    case("taxes is due on Friday", UpdateTask("taxes", due_date=NEXT_FRIDAY)),
    case("make taxes due tomorrow", UpdateTask("taxes", due_date=TOMORROW)),
    case("Remove the due date from buy milk", UpdateTask("buy milk", clear_due_date=True)),
    case("clear the deadline of it", UpdateTask(None, clear_due_date=True)),
]

RENAME_CASES = [
    case("Rename buy milk to buy oat milk", RenameTask((("buy milk", "buy oat milk"),))),
    case(
        'rename "the report" to "the final report"',
        RenameTask((('"the report"', "the final report"),)),
    ),
    case("change the title of taxes to file taxes", RenameTask((("taxes", "file taxes"),))),
    case("rename it to call dad", RenameTask(((None, "call dad"),))),
    case(
        "Rename talk to mom to call mom",
        RenameTask((("talk", "mom to call mom"), ("talk to mom", "call mom"))),
    ),
]

SMALL_TALK_CASES = [
    case("hi", SmallTalk("greeting")),
    case("Hello!", SmallTalk("greeting")),
    case("good morning", SmallTalk("greeting")),
    case("hey there", SmallTalk("greeting")),
    case("thanks!", SmallTalk("thanks")),
    case("thank you so much", SmallTalk("thanks")),
    case("ok", SmallTalk("thanks")),
    case("help", SmallTalk("help")),
    case("Help!", SmallTalk("help")),
    case("?", SmallTalk("help")),
    case("What can you do?", SmallTalk("help")),
    case("hello, what can you do?", SmallTalk("help")),
    case("how does this work", SmallTalk("help")),
    case("   ", SmallTalk("help")),
    case("yes", SmallTalk("yes")),
    case("Yes please", SmallTalk("yes")),
    case("go ahead", SmallTalk("yes")),
    case("no", SmallTalk("no")),
    case("never mind", SmallTalk("no")),
]

UNKNOWN_CASES = [
    case("blah blah", Unknown()),
    case("What is the meaning of life?", Unknown()),
    case("Add task", Unknown()),
    case("the weather is nice", Unknown()),
]


@pytest.mark.parametrize(
    ("message", "expected"),
    ADD_CASES
    + LIST_CASES
    + COMPLETE_CASES
    + REOPEN_CASES
    + DELETE_CASES
    + UPDATE_CASES
    + RENAME_CASES
    + SMALL_TALK_CASES
    + UNKNOWN_CASES,
)
def test_parse(message: str, expected: Parsed) -> None:
    assert parse(message, TODAY) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("  Please   delete it, thanks! ", "delete it"),
        ("Could you please add milk?", "add milk"),
        ("ok so show my tasks", "show my tasks"),
        ("I'd like you to add milk", "add milk"),
    ],
)
def test_normalise_strips_politeness_and_punctuation(message: str, expected: str) -> None:
    assert normalise(message) == expected


def test_overlong_input_is_not_parsed() -> None:
    assert parse("add " + "x" * MAX_COMMAND_LENGTH, TODAY) == Unknown()


@pytest.mark.parametrize("unit", [", ", "to ", "rename a to ", "! ", "as ", "a is ", "12 march "])
@pytest.mark.parametrize("prefix", ["add ", "rename ", "change the priority of ", "move "])
def test_adversarial_input_stays_fast(prefix: str, unit: str) -> None:
    """No pattern may backtrack badly: the demo chat has a 50 ms p99 budget."""
    message = (prefix + unit * MAX_COMMAND_LENGTH)[: MAX_COMMAND_LENGTH - 8] + " to high"
    fastest = min(_timed(message) for _ in range(3))
    assert fastest < 0.01, f"{fastest * 1000:.1f} ms"


def _timed(message: str) -> float:
    started = time.perf_counter()
    parse(message, TODAY)
    return time.perf_counter() - started
