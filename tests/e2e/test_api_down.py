"""When the API goes away the app says so, and keeps what the user typed until it is back."""

from __future__ import annotations

from e2e_helpers import Shoot, chat_input, send, sign_up, task_item, unique_email
from e2e_servers import CommandSwitch, Service
from playwright.sync_api import Page, expect


def test_api_down_shows_banner_and_keeps_input(
    page: Page, api_switch: Service | CommandSwitch, shoot: Shoot
) -> None:
    api = api_switch
    sign_up(page, unique_email("outage"), "Hemi")
    message = "Add a task to survive the outage"

    api.stop()
    try:
        # The probes' paths never depend on the API.
        assert page.request.get("/").status == 200
        assert page.request.get("/healthz").json() == {"status": "ok"}
        box = chat_input(page)
        box.fill(message)
        box.press("Enter")
        banner = page.get_by_role("alert").filter(has_text="service is unavailable")
        expect(banner.first).to_be_visible()
        expect(box).to_have_value(message)
        expect(page.locator("#chat-error")).to_contain_text("Not sent")
        shoot("14-api-down")
    finally:
        api.start()

    # Back up: the kept message goes through on the next try and the banner clears.
    page.get_by_role("button", name="Send").click()
    expect(page.locator('li.message[data-role="assistant"]')).to_have_count(1, timeout=30_000)
    expect(chat_input(page)).to_have_value("")
    expect(page.get_by_text("service is unavailable")).to_have_count(0)
    expect(task_item(page, "survive the outage")).to_have_count(1)
    send(page, "Show my tasks")
