"""A long history stays inside its panels (issue 12): the page is exactly one screen tall from a
tablet up, and scrolling the conversation list or the chat never scrolls the page behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from e2e_helpers import Shoot, assistant_replies, chat_input, chat_turn, sign_up, unique_email
from e2e_servers import SCREENSHOTS
from playwright.sync_api import Browser, Locator, Page, expect

PAGE_METRICS = """() => ({
  scrollHeight: document.documentElement.scrollHeight,
  bodyHeight: document.body.scrollHeight,
  innerHeight: window.innerHeight,
  scrollY: window.scrollY,
})"""


@pytest.fixture(scope="module")
def long_history(browser: Browser, base_url: str) -> dict[str, object]:
    """One user with 30 conversations, the newest holding 200 messages (100 turns)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    email = unique_email("history")
    sign_up(page, email, "Tama")
    for n in range(29):
        chat_turn(page, f"Add a task to read chapter {n + 1}")
    conversation = chat_turn(page, "Show my tasks")
    for n in range(99):
        chat_turn(page, f"Show my tasks please ({n + 1})", conversation)
    state = context.storage_state()
    context.close()
    return {"email": email, "state": state, "conversation": conversation}


@contextmanager
def history_page(
    browser: Browser,
    base_url: str,
    history: dict[str, object],
    width: int = 1280,
    height: int = 800,
) -> Iterator[Page]:
    """A page signed in as the long-history user, at this viewport (closed afterwards)."""
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": height},
        storage_state=history["state"],  # type: ignore[arg-type]
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def wheel_over(page: Page, target: Locator, turns: int, delta_y: int) -> None:
    """Turn the mouse wheel `turns` times with the pointer over the middle of `target`."""
    box = target.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(turns):
        page.mouse.wheel(0, delta_y)
        page.wait_for_timeout(50)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (900, 1000)], ids=["desktop", "tablet"])
def test_page_is_one_screen_tall_with_200_messages(
    browser: Browser, base_url: str, long_history: dict[str, object], width: int, height: int
) -> None:
    with history_page(browser, base_url, long_history, width, height) as page:
        page.goto("/")
        expect(chat_input(page)).to_be_visible()
        expect(assistant_replies(page).first).to_be_visible(timeout=15_000)
        metrics = page.evaluate(PAGE_METRICS)
        assert metrics["scrollHeight"] == metrics["innerHeight"], metrics
        assert metrics["bodyHeight"] <= metrics["innerHeight"], metrics
        page.screenshot(path=_shot(f"layout-200-messages-{width}px"))


def test_scrolling_the_sidebar_never_scrolls_the_page(
    browser: Browser, base_url: str, long_history: dict[str, object], shoot: Shoot
) -> None:
    with history_page(browser, base_url, long_history) as page:
        page.goto("/")
        expect(assistant_replies(page).first).to_be_visible(timeout=15_000)
        sidebar = page.get_by_role("navigation", name="Conversations")
        expect(sidebar.get_by_role("listitem")).to_have_count(30)
        wheel_over(page, sidebar, 12, 800)  # far past the end of the list
        scrolled = sidebar.evaluate(
            "el => Math.max(el.scrollTop, ...[...el.querySelectorAll('*')].map(c => c.scrollTop))"
        )
        assert scrolled > 0, "the conversation list itself should scroll"
        metrics = page.evaluate(PAGE_METRICS)
        assert metrics["scrollY"] == 0, metrics
        # The same over the chat history.
        wheel_over(page, page.get_by_role("log", name="Chat history"), 6, 2000)
        assert page.evaluate(PAGE_METRICS)["scrollY"] == 0
        page.screenshot(path=_shot("layout-sidebar-scrolled"))


def test_phone_page_length_does_not_grow_with_the_history(
    browser: Browser, base_url: str, long_history: dict[str, object]
) -> None:
    """On a phone the panels stack and the page scrolls, but the 200 messages and the 30
    conversations each stay in a box of bounded height (only the task list adds length)."""
    with history_page(browser, base_url, long_history, width=360) as page:
        page.goto("/")
        expect(assistant_replies(page).first).to_be_visible(timeout=15_000)
        inner = page.evaluate("window.innerHeight")
        chat = page.locator("section.chat").bounding_box()
        sidebar = page.get_by_role("navigation", name="Conversations").bounding_box()
        assert chat is not None
        assert sidebar is not None
        assert chat["height"] <= inner, chat
        assert sidebar["height"] <= inner / 2, sidebar
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=_shot("layout-200-messages-360px"), full_page=True)


def _shot(name: str) -> str:
    return str(SCREENSHOTS / f"{name}.png")


def test_long_history_pages_in_from_the_newest(
    browser: Browser, base_url: str, long_history: dict[str, object]
) -> None:
    """The newest 100 messages first; "Show earlier messages" brings the rest (X-Next-Before)."""
    with history_page(browser, base_url, long_history) as page:
        probe = page.request.get(
            f"{base_url}/bff/conversations/{long_history['conversation']}/messages?limit=5"
        )
        assert "x-next-before" in probe.headers, "the API under test does not page messages"
        page.goto("/")
        messages = page.locator("li.message")
        expect(messages).to_have_count(100)
        expect(messages.last).to_contain_text("read chapter")  # the newest reply
        page.get_by_role("button", name="Show earlier messages").click()
        expect(messages).to_have_count(200)
        expect(page.get_by_role("button", name="Show earlier messages")).to_have_count(0)
        expect(messages.first).to_contain_text("Show my tasks")
        assert page.evaluate(PAGE_METRICS)["scrollHeight"] == 800
