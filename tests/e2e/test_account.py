"""Accounts in the browser (issue 10): the password rule shown before typing, refusals in plain
words, "already registered -> sign in", sign-out that revokes the token, password change."""

from __future__ import annotations

import re
from collections.abc import Callable

from e2e_helpers import (
    PASSWORD,
    Shoot,
    chat_input,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
)
from playwright.sync_api import Browser, Page, expect

RAW_VALIDATOR = re.compile(r"String should|Input should|Value error|value_error|ensure this", re.I)


def test_signup_states_the_password_rule_before_typing(page: Page, shoot: Shoot) -> None:
    page.goto("/signup")
    password = page.get_by_label("Password")
    expect(password).to_have_value("")
    rule = page.locator("#auth-password-rule")
    expect(rule).to_be_visible()
    expect(rule).to_contain_text("At least 12 characters")
    expect(password).to_have_attribute("aria-describedby", re.compile("auth-password-rule"))
    shoot("signup-password-rule")

    page.get_by_label("Email").fill(unique_email("rule"))
    password.fill("short-pw")
    page.get_by_role("button", name="Create account").click()
    error = page.locator("#auth-password-error")
    expect(error).to_have_text(re.compile(r"^Use at least 12 characters"))
    expect(password).to_be_focused()


def test_weak_password_is_refused_in_plain_words(
    page: Page, requires_api: Callable[[str], None], shoot: Shoot
) -> None:
    requires_api("/api/v1/auth/password")  # the policy landed with the password change
    page.goto("/signup")
    page.get_by_label("Email").fill(unique_email("weak"))
    page.get_by_label("Password").fill("password1234")
    page.get_by_role("button", name="Create account").click()
    error = page.locator("#auth-password-error")
    expect(error).to_be_visible()
    expect(error).not_to_have_text(RAW_VALIDATOR)
    expect(page.locator("#form-error")).to_have_count(0)  # no general message besides
    shoot("signup-weak-password")


def test_already_registered_leads_to_sign_in(page: Page, browser: Browser, base_url: str) -> None:
    email = unique_email("twice")
    sign_up(page, email, "Ngaio")
    other = browser.new_context(base_url=base_url).new_page()
    try:
        other.goto("/signup")
        other.get_by_label("Email").fill(email)
        other.get_by_label("Password").fill(PASSWORD)
        other.get_by_role("button", name="Create account").click()
        expect(other.get_by_text("That email already has an account.")).to_be_visible()
        other.get_by_role("link", name="Sign in instead").click()
        expect(other.get_by_role("heading", name="Sign in to Pakaura")).to_be_visible()
        expect(other.get_by_label("Email")).to_have_value(email)
        other.get_by_label("Password").fill(PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        expect(chat_input(other)).to_be_visible()
    finally:
        other.context.close()


def test_sign_in_page_says_what_pakaura_is(page: Page) -> None:
    page.goto("/signin")
    expect(page.get_by_text(re.compile(r"^Pakaura is a to-do list"))).to_be_visible()


def test_sign_out_revokes_the_token(
    page: Page, browser: Browser, base_url: str, requires_api: Callable[[str], None]
) -> None:
    requires_api("/api/v1/auth/logout")
    sign_up(page, unique_email("revoke"), "Kiri")
    token = next(c for c in page.context.cookies() if c["name"] == "pakaura_session")["value"]
    sign_out(page)
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    # A copy of the old cookie is worthless now.
    thief = browser.new_context(base_url=base_url)
    try:
        thief.add_cookies([{"name": "pakaura_session", "value": token, "url": base_url}])
        assert thief.request.get(base_url + "/bff/tasks").status == 401
    finally:
        thief.close()


def test_password_change_from_the_account_menu(
    page: Page, requires_api: Callable[[str], None], shoot: Shoot
) -> None:
    requires_api("/api/v1/auth/password")
    email = unique_email("change")
    sign_up(page, email, "Hine")
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("menu", name="Account")).to_contain_text(email)
    page.get_by_role("menuitem", name="Change password").click()
    dialog = page.get_by_role("dialog", name="Change password")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("At least 12 characters")).to_be_visible()
    shoot("account-change-password")

    dialog.get_by_label("Current password").fill("not-my-password-at-all")
    dialog.get_by_label("New password").fill("violet anchor thunder 77")
    dialog.get_by_role("button", name="Change password").click()
    expect(dialog.get_by_text("That is not your current password.")).to_be_visible()

    dialog.get_by_label("Current password").fill(PASSWORD)
    dialog.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    # Still signed in with the fresh token.
    assert page.request.get("/bff/tasks").status == 200

    sign_out(page)
    sign_in(page, email, PASSWORD)
    expect(page.locator("#form-error")).to_be_visible()  # the old password no longer works
    sign_in(page, email, "violet anchor thunder 77")
    expect(chat_input(page)).to_be_visible()
