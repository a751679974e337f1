"""A message sent (or being typed) right after sign-in stays where the user put it, however late
the conversation list arrives (issue 12: it vanished, replaced by the previous conversation)."""

from __future__ import annotations

from e2e_helpers import (
    Shoot,
    assistant_replies,
    chat_input,
    send,
    sign_in,
    sign_up,
    unique_email,
)
from playwright.sync_api import Page, expect

# A slow network for the conversation list only (as on a phone): its answer reaches the page
# 2 s late, after the user has already sent. Deterministic, and no change to the servers.
SLOW_CONVERSATION_LIST = """
(() => {
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const response = await original(input, init);
    const url = new URL(typeof input === "string" ? input : input.url, location.href);
    if (url.pathname === "/bff/conversations") {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    return response;
  };
})();
"""


def _user_with_an_earlier_conversation(page: Page) -> str:
    email = unique_email("race")
    sign_up(page, email, "Rawiri")
    send(page, "Add a task to water the garden")
    assert page.request.post("/session/logout").status == 204
    page.add_init_script(SLOW_CONVERSATION_LIST)
    return email


def test_message_sent_right_after_sign_in_stays(page: Page, shoot: Shoot) -> None:
    email = _user_with_an_earlier_conversation(page)
    sign_in(page, email)
    box = chat_input(page)
    expect(box).to_be_editable()
    box.fill("Add a task to call mum")
    box.press("Enter")
    replies = assistant_replies(page)
    expect(replies).to_have_count(1, timeout=30_000)
    # The conversation list arrives (late): both conversations are listed...
    conversations = page.get_by_role("navigation", name="Conversations").get_by_role("listitem")
    expect(conversations).to_have_count(2, timeout=10_000)
    page.wait_for_timeout(500)
    # ...and the chat still shows what was just sent, not the earlier conversation.
    mine = page.locator('li.message[data-role="user"]')
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("call mum")
    expect(page.locator("li.message")).not_to_contain_text(["water the garden"])
    expect(replies.first).to_contain_text("call mum")
    shoot("race-sent-after-sign-in")


def test_typing_right_after_sign_in_is_not_switched_away(page: Page) -> None:
    email = _user_with_an_earlier_conversation(page)
    sign_in(page, email)
    box = chat_input(page)
    expect(box).to_be_editable()
    box.fill("Add a task to")
    conversations = page.get_by_role("navigation", name="Conversations").get_by_role("listitem")
    expect(conversations).to_have_count(1, timeout=10_000)
    page.wait_for_timeout(500)
    expect(page.locator("li.message")).to_have_count(0)
    expect(box).to_have_value("Add a task to")
    expect(box).to_be_focused()
