"""The chat box feels finished (issue 12): a character counter instead of a silent cut at 4,000,
replies that stream in (first text before the reply is complete, each task action as it
happens), and a Stop button."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from e2e_helpers import Shoot, assistant_replies, chat_input, sign_up, task_item, unique_email
from e2e_servers import ARTIFACTS
from playwright.sync_api import Page, expect

# Records, in the page, when the streaming reply first shows text and when it is complete.
WATCH_STREAM = """
(() => {
  window.__stream = { sentAt: 0, firstTextAt: 0, firstActionAt: 0, doneAt: 0 };
  const observer = new MutationObserver(() => {
    const reply = [...document.querySelectorAll('li.message[data-role="assistant"]')].at(-1);
    if (!reply || !window.__stream.sentAt) return;
    const now = performance.now();
    const text = reply.querySelector(".message-text:not(.typing)")?.textContent ?? "";
    if (reply.dataset.streaming === "true") {
      if (text && !window.__stream.firstTextAt) window.__stream.firstTextAt = now;
      const acted = reply.querySelector(".actions li");
      if (acted && !window.__stream.firstActionAt) window.__stream.firstActionAt = now;
    } else if (window.__stream.firstTextAt || text) {
      if (!window.__stream.doneAt) window.__stream.doneAt = now;
    }
  });
  const options = { subtree: true, childList: true, characterData: true, attributes: true };
  addEventListener("DOMContentLoaded", () => observer.observe(document.body, options));
})();
"""

# Holds each chunk of the chat stream back 400 ms, so the Stop button has something to stop.
SLOW_STREAM = """
(() => {
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const response = await original(input, init);
    const url = typeof input === "string" ? input : input.url;
    if (!url.endsWith("/bff/chat/stream") || !response.body) return response;
    const slowed = response.body.pipeThrough(new TransformStream({
      async transform(chunk, controller) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        controller.enqueue(chunk);
      },
    }));
    return new Response(slowed, { status: response.status, headers: response.headers });
  };
})();
"""


def test_counter_instead_of_a_silent_cut(page: Page, shoot: Shoot) -> None:
    sign_up(page, unique_email("count"), "Pita")
    box = chat_input(page)
    box.fill("Add a task to test the counter")
    expect(page.locator("#chat-count")).to_have_text("30 / 4,000")
    long = "Add a task to " + "x" * 3990
    box.fill(long)
    expect(box).to_have_value(long)  # nothing cut off
    expect(page.locator("#chat-count")).to_have_text("4 characters over the 4,000 limit")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(box).to_have_attribute("aria-invalid", "true")
    box.press("Enter")
    expect(page.locator("li.message")).to_have_count(0)  # not sent
    shoot("chat-over-limit")
    box.press("End")
    for _ in range(4):
        box.press("Backspace")
    expect(page.locator("#chat-count")).to_have_text("4,000 / 4,000")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_reply_streams_in(page: Page, requires_api: Callable[[str], None], shoot: Shoot) -> None:
    requires_api("/api/v1/chat/stream")
    sign_up(page, unique_email("stream"), "Huia")
    page.add_init_script(WATCH_STREAM)
    page.reload()
    box = chat_input(page)
    expect(box).to_be_editable()
    box.fill("Add a task to stream the reply")
    page.evaluate("window.__stream.sentAt = performance.now()")
    box.press("Enter")
    reply = assistant_replies(page).last
    expect(reply).not_to_have_attribute("data-streaming", "true", timeout=30_000)
    expect(reply).to_contain_text("stream the reply")
    expect(task_item(page, "stream the reply")).to_have_count(1)
    timing = page.evaluate("window.__stream")
    first_text = timing["firstTextAt"] - timing["sentAt"]
    complete = timing["doneAt"] - timing["sentAt"]
    (ARTIFACTS / "stream-timing.json").write_text(
        json.dumps({"first_text_ms": round(first_text), "complete_ms": round(complete)}) + "\n"
    )
    print(
        f"\nstreaming (demo mode): first text after {first_text:.0f} ms,"
        f" complete after {complete:.0f} ms"
    )
    assert timing["firstTextAt"] > 0, timing
    assert timing["firstTextAt"] < timing["doneAt"], timing  # text visible before completion
    shoot("chat-streamed")
    # The stored conversation is the same as what streamed.
    shown = reply.locator(".message-text").inner_text()
    page.reload()
    expect(assistant_replies(page).last.locator(".message-text")).to_have_text(shown)


def test_stop_button_cancels_a_streaming_reply(
    page: Page, requires_api: Callable[[str], None], shoot: Shoot
) -> None:
    requires_api("/api/v1/chat/stream")
    sign_up(page, unique_email("stop"), "Kahu")
    page.add_init_script(SLOW_STREAM)
    page.reload()
    box = chat_input(page)
    expect(box).to_be_editable()
    box.fill("Show my tasks")
    box.press("Enter")
    stop = page.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    stop.click()
    expect(
        page.get_by_text(re.compile(r"^Stopped before the (assistant replied|reply was complete)"))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    shoot("chat-stopped")
    # The chat still works afterwards.
    box.fill("Add a task to after the stop")
    box.press("Enter")
    expect(task_item(page, "after the stop")).to_have_count(1, timeout=30_000)
