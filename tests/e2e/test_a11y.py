"""axe-core on every page, in both themes, at 360 px and on a desktop: 0 serious or critical
violations (colour contrast included, so dark mode is checked too). Results are written to
artifacts/e2e/axe-results.json and printed; a screenshot of each state is kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from a11y import axe_run, severe
from e2e_helpers import PASSWORD, chat_input, send, sign_up, task_item, unique_email
from e2e_servers import ARTIFACTS, SCREENSHOTS
from playwright.sync_api import Browser, Page, expect

WIDTHS = {"phone": (360, 780), "desktop": (1280, 800)}
RESULTS: dict[str, Any] = {}


def _states(page: Page) -> list[tuple[str, Callable[[], None]]]:
    """(name, how to get there) for every page and the workspace's open states."""
    email = unique_email("axe")

    def signin() -> None:
        page.goto("/signin")
        expect(page.get_by_role("heading", name="Sign in to Pakaura")).to_be_visible()

    def signin_error() -> None:
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("wrong password here")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#form-error")).to_be_visible()

    def signup() -> None:
        page.goto("/signup")
        expect(page.get_by_role("heading", name="Create your account")).to_be_visible()

    def signup_error() -> None:
        page.get_by_label("Email").fill("not-an-email")
        page.get_by_label("Password").fill("short")
        page.get_by_role("button", name="Create account").click()
        expect(page.locator("#auth-password-error")).to_be_visible()

    def workspace() -> None:
        sign_up(page, email, "Ana")
        send(page, "Add a task to renew the passport")
        send(page, "Show my tasks")
        page.get_by_label("New task").fill("Pay the power bill")
        page.get_by_label("Priority").first.select_option("high")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(task_item(page, "Pay the power bill")).to_have_count(1)
        task_item(page, "renew the passport").get_by_role(
            "button", name="Complete “", exact=False
        ).click()

    def editing() -> None:
        item = task_item(page, "Pay the power bill")
        item.get_by_role("button", name="Edit “Pay the power bill”").click()
        expect(page.get_by_label("Description")).to_be_visible()

    def account_menu() -> None:
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Account").click()
        expect(page.get_by_role("menu", name="Account")).to_be_visible()

    def password_dialog() -> None:
        page.get_by_role("menuitem", name="Change password").click()
        expect(page.get_by_role("dialog", name="Change password")).to_be_visible()
        page.get_by_label("Current password").fill(PASSWORD)

    def over_limit() -> None:
        page.keyboard.press("Escape")
        chat_input(page).fill("x" * 4010)
        expect(page.get_by_text("10 characters over")).to_be_visible()

    return [
        ("signin", signin),
        ("signin-error", signin_error),
        ("signup", signup),
        ("signup-error", signup_error),
        ("workspace", workspace),
        ("task-editing", editing),
        ("account-menu", account_menu),
        ("password-dialog", password_dialog),
        ("chat-over-limit", over_limit),
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_axe_violations(browser: Browser, base_url: str, theme: str, width: str) -> None:
    w, h = WIDTHS[width]
    context = browser.new_context(
        base_url=base_url, viewport={"width": w, "height": h}, color_scheme=theme
    )  # type: ignore[arg-type]
    page = context.new_page()
    found: dict[str, Any] = {}
    try:
        for name, reach in _states(page):
            reach()
            page.wait_for_timeout(150)  # let transitions settle before measuring contrast
            violations = axe_run(page)
            found[name] = {
                "severe": severe(violations),
                "other": [v["id"] for v in violations if v not in severe(violations)],
            }
            page.screenshot(path=str(SCREENSHOTS / f"axe-{name}-{theme}-{width}.png"))
    finally:
        context.close()
        RESULTS[f"{theme}/{width}"] = found
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe-results.json").write_text(json.dumps(RESULTS, indent=2) + "\n")
    summary = ", ".join(f"{name}: {len(v['severe'])}" for name, v in found.items())
    print(f"\naxe {theme} {width} ({w}px): serious/critical per page -> {summary}")
    problems = {name: v["severe"] for name, v in found.items() if v["severe"]}
    assert not problems, json.dumps(problems, indent=2)
