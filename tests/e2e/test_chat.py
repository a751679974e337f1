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
  // `before`: replies on the page when the message was sent (set with sentAt); only a newer one
  // is the reply being watched.
  window.__stream = { sentAt: 0, before: 0, firstTextAt: 0, firstActionAt: 0, doneAt: 0 };
  const observer = new MutationObserver(() => {
    const replies = document.querySelectorAll('li.message[data-role="assistant"]');
    if (!window.__stream.sentAt || replies.length <= window.__stream.before) return;
    const reply = replies[replies.length - 1];
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

# Paces the chat stream as a slow model would: the response is cut into its events, each handed
# to the page PACE_MS after the one before. (In demo mode the API answers in ~60 ms, often in
# one network chunk, and React renders a whole chunk at once; this makes the in-between states
# visible to the test without touching the servers.)
PACED_STREAM = """
(() => {
  const PACE_MS = %d;
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const response = await original(input, init);
    const url = typeof input === "string" ? input : input.url;
    if (!url.endsWith("/bff/chat/stream") || !response.body) return response;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    let buffer = "";
    const paced = response.body.pipeThrough(new TransformStream({
      start(controller) {
        // Stop (the fetch's signal) ends the paced stream too, as it ends the real one.
        init?.signal?.addEventListener("abort", () =>
          controller.error(new DOMException("The user aborted a request.", "AbortError")));
      },
      async transform(chunk, controller) {
        buffer += decoder.decode(chunk, { stream: true });
        const events = buffer.split("\\n\\n");
        buffer = events.pop();
        for (const event of events) {
          await new Promise((resolve) => setTimeout(resolve, PACE_MS));
          controller.enqueue(encoder.encode(event + "\\n\\n"));
        }
      },
      flush(controller) {
        if (buffer) controller.enqueue(encoder.encode(buffer));
      },
    }));
    return new Response(paced, { status: response.status, headers: response.headers });
  };
})();
"""

# The real stream through the web app, timed in the page: first `delta` and `done` event.
TIME_STREAM = """async (message) => {
  const started = performance.now();
  const response = await fetch("/bff/chat/stream", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ message }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "", firstDelta = null, done = null, chunks = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    chunks += 1;
    text += decoder.decode(value, { stream: true });
    const now = performance.now() - started;
    if (firstDelta === null && text.includes("event: delta")) firstDelta = now;
    if (done === null && text.includes("event: done")) done = now;
  }
  return { type: response.headers.get("content-type"), firstDelta, done, chunks, text };
}"""


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
    # 1. The stream itself, through the web app's proxy (no pacing): events, in order, timed.
    timed = page.evaluate(TIME_STREAM, "Add a task to time the stream")
    assert timed["type"].startswith("text/event-stream"), timed
    order = [line for line in timed["text"].splitlines() if line.startswith("event:")]
    assert order[0] == "event: meta", order
    assert order[-1] == "event: done", order
    assert "event: delta" in order
    assert "event: action" in order
    (ARTIFACTS / "stream-timing.json").write_text(
        json.dumps(
            {
                "first_text_ms": round(timed["firstDelta"]),
                "complete_ms": round(timed["done"]),
                "network_chunks": timed["chunks"],
            }
        )
        + "\n"
    )
    print(
        f"\nstreaming through the web app (demo mode): first text after"
        f" {timed['firstDelta']:.0f} ms, complete after {timed['done']:.0f} ms,"
        f" {timed['chunks']} network chunks"
    )
    # 2. The page shows text while the reply is still arriving, and each action as it comes.
    page.add_init_script(WATCH_STREAM)
    page.add_init_script(PACED_STREAM % 150)
    page.reload()
    # The page reopens the conversation from part 1 (one reply) unless the user is already
    # typing: wait for it, so the reply watched below is the new one.
    expect(page.locator('[aria-current="true"]')).to_have_count(1)
    expect(assistant_replies(page)).to_have_count(1)
    box = chat_input(page)
    expect(box).to_be_editable()
    box.fill("Add a task to stream the reply")
    page.evaluate("window.__stream.before = 1; window.__stream.sentAt = performance.now()")
    box.press("Enter")
    reply = assistant_replies(page).last
    complete = page.locator('li.message[data-role="assistant"]:not([data-streaming])')
    expect(complete).to_have_count(2, timeout=30_000)
    page.wait_for_function("window.__stream.doneAt > 0", timeout=10_000)
    expect(reply).to_contain_text("stream the reply")
    expect(task_item(page, "stream the reply")).to_have_count(1)
    timing = page.evaluate("window.__stream")
    assert timing["firstTextAt"] > 0, timing
    assert timing["firstTextAt"] < timing["doneAt"], timing  # text visible before completion
    assert 0 < timing["firstActionAt"] < timing["doneAt"], timing  # the action as it happened
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
    page.add_init_script(PACED_STREAM % 700)
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
