"""The tools through `execute`, as both assistants call them (real PostgreSQL)."""

from __future__ import annotations

from datetime import date

from pakaura_api.chat.tools import execute, is_change
from sqlmodel.ext.asyncio.session import AsyncSession

from .conftest import NewUser
from .helpers import access, add, tasks_of


async def test_update_every_field_and_clear_the_due_date(
    session: AsyncSession, new_user: NewUser
) -> None:
    user = await new_user()
    task = await add(session, user, "Buy milk")
    arguments, result = await execute(
        access(session, user),
        "update_task",
        {
            "task_id": task.id,
            "new_title": "Buy oat milk",
            "priority": "low",
            "due_date": "2026-12-03",
            "description": "the barista one",
        },
    )
    assert arguments["task_id"] == task.id
    assert result["ok"] is True
    assert result["previous_title"] == "Buy milk"
    assert result["fields"] == ["description", "due_date", "priority", "title"]
    [stored] = await tasks_of(session, user)
    assert (stored.title, stored.priority, stored.due_date, stored.description) == (
        "Buy oat milk",
        "low",
        date(2026, 12, 3),
        "the barista one",
    )

    clear = {"task_id": task.id, "clear_due_date": True}
    _, result = await execute(access(session, user), "update_task", clear)
    assert result["task"]["due_date"] is None
    _, result = await execute(
        access(session, user),
        "update_task",
        {"task_id": task.id, "clear_due_date": True, "due_date": "2026-12-03"},
    )
    assert result["ok"] is False


async def test_task_id_of_another_user_is_not_found(
    session: AsyncSession, new_user: NewUser
) -> None:
    alice, bob = await new_user(), await new_user()
    task = await add(session, alice, "Alice's task")
    for tool in ("complete_task", "reopen_task", "delete_task"):
        _, result = await execute(access(session, bob), tool, {"task_id": task.id})
        assert result == {"ok": False, "error": f"There is no task #{task.id}."}
    change = {"task_id": task.id, "priority": "high"}
    _, result = await execute(access(session, bob), "update_task", change)
    assert result["ok"] is False
    [stored] = await tasks_of(session, alice)
    assert (stored.title, stored.completed, stored.priority) == ("Alice's task", False, "medium")


async def test_complete_prefers_the_pending_duplicate_and_reopen_the_done_one(
    session: AsyncSession, new_user: NewUser
) -> None:
    user = await new_user()
    done = await add(session, user, "Water plants", completed=True)
    pending = await add(session, user, "Water plants")
    _, result = await execute(access(session, user), "complete_task", {"title": "water plants"})
    assert result["task"]["id"] == pending.id
    assert is_change("complete_task", result)
    _, result = await execute(access(session, user), "reopen_task", {"title": "water plants"})
    assert result["ok"] is False  # both are done now: which one? ask.
    assert {c["id"] for c in result["candidates"]} == {done.id, pending.id}


async def test_reopen_a_pending_task_changes_nothing(
    session: AsyncSession, new_user: NewUser
) -> None:
    user = await new_user()
    await add(session, user, "Buy milk")
    _, result = await execute(access(session, user), "reopen_task", {"title": "buy milk"})
    assert result["ok"] is True
    assert result["changed"] is False
    assert not is_change("reopen_task", result)


async def test_list_reports_count_and_status(session: AsyncSession, new_user: NewUser) -> None:
    user = await new_user()
    await add(session, user, "one")
    await add(session, user, "two", completed=True)
    _, result = await execute(access(session, user), "list_tasks", None)
    assert (result["status"], result["count"]) == ("all", 2)
    assert [task["title"] for task in result["tasks"]] == ["two", "one"]  # newest first
    _, result = await execute(access(session, user), "list_tasks", '{"status": "completed"}')
    assert [task["title"] for task in result["tasks"]] == ["two"]
    assert not is_change("list_tasks", result)
    assert not is_change("no_such_tool", {"ok": True})
