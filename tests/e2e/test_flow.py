"""The whole story in a real browser: sign up, manage tasks by chat and by buttons, reload,
sign out, and a second user who sees nothing of the first."""

from __future__ import annotations

import re

from e2e_helpers import (
    PASSWORD,
    Shoot,
    assistant_replies,
    chat_input,
    send,
    sign_out,
    sign_up,
    task_item,
    unique_email,
)
from e2e_servers import SCREENSHOTS
from playwright.sync_api import Browser, Page, expect

TASK = "demo Kubernetes"


def test_liveness_and_readiness_paths(page: Page, base_url: str) -> None:
    home = page.request.get(base_url + "/")
    assert home.status == 200
    health = page.request.get(base_url + "/healthz")
    assert health.status == 200
    assert health.json() == {"status": "ok"}


def test_security_headers(page: Page) -> None:
    response = page.goto("/signin")
    assert response is not None
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "x-powered-by" not in headers


def test_full_flow(page: Page, shoot: Shoot) -> None:
    # Signed out: the shell loads, then sends us to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("heading", name="Sign in to Pakaura")).to_be_visible()
    shoot("01-signin")

    # A validation error from the API lands next to its field.
    email = unique_email("first")
    page.get_by_role("link", name="Create an account").click()
    # Both pages have an "Email" field: wait for the sign-up page before typing into one.
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    password_error = page.locator("#auth-password-error")
    expect(password_error).to_be_visible()
    expect(password_error).not_to_have_text(re.compile(r"^password:", re.IGNORECASE))
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value(email)  # nothing typed is lost
    shoot("02-signup-validation")

    sign_up(page, email, "Aroha")
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    box = chat_input(page)
    expect(box).to_be_focused()
    # Shift+Enter is a newline, not a send.
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    expect(page.locator("li.message")).to_have_count(0)
    box.fill("")
    shoot("03-workspace-empty")

    # The session is an HttpOnly cookie: page scripts cannot see the token.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["pakaura_session"]["httpOnly"] is True
    assert cookies["pakaura_session"]["sameSite"] == "Lax"
    assert "pakaura_session" not in page.evaluate("document.cookie")

    # Chat adds a task; it shows up in the list straight away.
    reply = send(page, f"Add a task to {TASK}")
    expect(reply.locator(".demo-badge")).to_have_text("Demo mode")
    expect(task_item(page, TASK)).to_have_count(1)
    expect(task_item(page, TASK)).to_have_attribute("data-completed", "false")
    expect(task_item(page, TASK).locator(".badge").first).to_contain_text("priority")
    shoot("04-chat-added-task")

    reply = send(page, "Show my tasks")
    expect(reply).to_contain_text(TASK)
    shoot("05-chat-show-tasks")

    send(page, f"Mark {TASK} as done")
    expect(task_item(page, TASK)).to_have_attribute("data-completed", "true")
    page.get_by_role("button", name=re.compile(r"^Pending")).click()
    expect(task_item(page, TASK)).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"^Completed")).click()
    expect(task_item(page, TASK)).to_have_count(1)
    expect(task_item(page, TASK).get_by_role("button", name=f"Reopen “{TASK}”")).to_be_visible()
    shoot("06-chat-completed")
    page.get_by_role("button", name=re.compile(r"^All")).click()

    # A reload keeps the session and the conversation.
    page.reload()
    expect(chat_input(page)).to_be_visible()
    expect(assistant_replies(page)).to_have_count(3)
    first_question = page.locator('li.message[data-role="user"]').first
    expect(first_question).to_contain_text(f"Add a task to {TASK}")
    expect(task_item(page, TASK)).to_have_attribute("data-completed", "true")
    conversations = page.get_by_role("navigation", name="Conversations").locator("li")
    expect(conversations).to_have_count(1)
    shoot("07-after-reload")

    # Earlier conversations can be reopened after starting a new one.
    page.get_by_role("button", name="New chat").click()
    expect(assistant_replies(page)).to_have_count(0)
    conversations.first.get_by_role("button").click()
    expect(assistant_replies(page)).to_have_count(3)

    # Reopen and delete with the buttons (delete at once; an Undo is offered instead of a question).
    task_item(page, TASK).get_by_role("button", name=f"Reopen “{TASK}”").click()
    expect(task_item(page, TASK)).to_have_attribute("data-completed", "false")
    task_item(page, TASK).get_by_role("button", name=f"Delete “{TASK}”").click()
    expect(task_item(page, TASK)).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text=f"Deleted “{TASK}”")).to_be_visible()
    page.reload()
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    expect(task_item(page, TASK)).to_have_count(0)
    shoot("08-deleted")

    # A task added with the form, kept for the isolation check below.
    page.get_by_label("New task").fill("Prepare the Helm chart")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Due date").fill("2030-01-31")
    page.get_by_role("button", name="Add", exact=True).click()
    private = task_item(page, "Prepare the Helm chart")
    expect(private).to_contain_text("high priority")
    expect(private.locator("time")).to_have_attribute("datetime", "2030-01-31")
    private_id = private.get_attribute("data-task-id")
    shoot("09-form-added-task")

    sign_out(page)
    expect(page).to_have_url(re.compile(r"/signin\?reason=signed_out$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    shoot("10-signed-out")

    # A second user sees none of the first user's tasks or conversations.
    sign_up(page, unique_email("second"), "Wiremu")
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    expect(page.get_by_text("No earlier chats yet.")).to_be_visible()
    expect(task_item(page, "Prepare the Helm chart")).to_have_count(0)
    assert page.request.get(f"/bff/tasks/{private_id}").status == 404
    shoot("11-second-user")

    # ...and the first user still can, with the same password.
    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in to Pakaura")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(task_item(page, "Prepare the Helm chart")).to_have_count(1)


def test_rejected_session_goes_back_to_sign_in(page: Page, base_url: str, shoot: Shoot) -> None:
    # A well-formed but forged token: the API refuses it, the app says the session expired.
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjo0MTAyNDQ0ODAwfQ.forged-signature"
    page.context.add_cookies([{"name": "pakaura_session", "value": forged, "url": base_url}])
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin\?reason=expired$"))
    expect(page.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    shoot("12-session-expired")


def test_phone_width(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 800})
    page = context.new_page()
    try:
        sign_up(page, unique_email("phone"), "Mere")
        send(page, "Add a task to water the plants tomorrow")
        expect(task_item(page, "water the plants")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(SCREENSHOTS / "13-phone-360px.png"), full_page=True)
    finally:
        context.close()
