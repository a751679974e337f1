"""Dark mode follows the system setting (prefers-color-scheme); contrast is checked by axe in
test_a11y.py. Screenshots of both themes are kept."""

from __future__ import annotations

import pytest
from e2e_helpers import send, sign_up, unique_email
from e2e_servers import SCREENSHOTS
from playwright.sync_api import Browser, expect

BACKGROUNDS = {"light": "rgb(244, 245, 249)", "dark": "rgb(15, 17, 23)"}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_follows_the_system(browser: Browser, base_url: str, theme: str) -> None:
    context = browser.new_context(
        base_url=base_url, color_scheme=theme, viewport={"width": 1280, "height": 800}
    )  # type: ignore[arg-type]
    page = context.new_page()
    try:
        page.goto("/signin")
        expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS[theme])
        assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == theme
        page.screenshot(path=str(SCREENSHOTS / f"theme-{theme}-signin.png"))
        sign_up(page, unique_email(f"theme-{theme}"), "Marama")
        send(page, "Add a task to check the colours tomorrow")
        expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS[theme])
        page.screenshot(path=str(SCREENSHOTS / f"theme-{theme}-workspace.png"))
    finally:
        context.close()
