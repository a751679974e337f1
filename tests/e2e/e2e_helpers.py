"""Small steps the browser tests repeat: signing up, sending a chat message, finding a task."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

Shoot = Callable[[str], Path]  # the `shoot` fixture: save a screenshot by name

PASSWORD = "Correct-Horse-42!"  # test-only credential for throw-away users


def unique_email(tag: str) -> str:
    return f"{tag}-{secrets.token_hex(4)}@example.com"


def chat_input(page: Page) -> Locator:
    return page.get_by_label("Message the assistant")


def sign_up(page: Page, email: str, name: str) -> None:
    page.goto("/signup")
    page.get_by_label("Name (optional)").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(chat_input(page)).to_be_visible()
    expect(page.get_by_text("Loading tasks…")).to_have_count(0)


def sign_out(page: Page) -> None:
    """Through the account menu, as a user would."""
    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Sign out").click()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and submit the sign-in form (the caller waits for whatever it expects next)."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def chat_turn(page: Page, text: str, conversation_id: int | None = None) -> int:
    """One chat turn through the web app's own route (the browser's cookie), without the UI:
    quick seeding of long histories. Returns the conversation id."""
    body: dict[str, object] = {"message": text}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    response = page.request.post("/bff/chat", data=body)
    assert response.status == 200, response.text()
    return int(response.json()["conversation_id"])


def assistant_replies(page: Page) -> Locator:
    return page.locator('li.message[data-role="assistant"]')


def send(page: Page, text: str) -> Locator:
    """Send with the Enter key and return the assistant's reply to it."""
    replies = assistant_replies(page)
    before = replies.count()
    box = chat_input(page)
    box.fill(text)
    box.press("Enter")
    expect(replies).to_have_count(before + 1, timeout=30_000)
    expect(box).to_have_value("")
    return replies.nth(before)


def task_item(page: Page, title: str) -> Locator:
    return page.locator("li.task").filter(has=page.locator(".task-title", has_text=title))
