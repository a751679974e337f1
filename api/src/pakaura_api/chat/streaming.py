"""A streamed chat turn (`POST /chat/stream`): its events, as server-sent events.

Events, in order: `meta` `{"conversation_id", "mode"}` first; `delta` `{"text"}` any number of
times (the reply as it is written); `action` (an `ActionPublic`) as each task change is applied;
`done` (the `ChatResponse`, exactly what `POST /chat` answers: its `reply` is authoritative) last;
or `error` `{"status", "detail"}` instead of `done` when the turn fails after the stream began.
A `: keep-alive` comment line goes out while nothing else does, so proxies keep the stream open.

The turn runs in its own task, not in the response: when the client goes away, the response's
generator is cancelled and marks the stream `cancelled`; the turn stops at its next safe point
(before a provider call or the next tool call, never inside one), then stores what it did — so a
cancelled reply leaves no half-applied tool call, and the conversation records every change.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from pakaura_api.chat.schemas import ChatAction
from pakaura_api.models import ChatResponse

KEEP_ALIVE_SECONDS = 15.0
MEDIA_TYPE = "text/event-stream"
# No buffering anywhere on the way: nginx (ingress) and the web app's proxy honour these.
HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event: `event` its name, `data` a JSON document of the given schema."""
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
    }


# The events in the OpenAPI document (each `data` is JSON of the schema named).
EVENT_SCHEMA = {
    "oneOf": [
        _event(
            "meta",
            {
                "type": "object",
                "required": ["conversation_id", "mode"],
                "properties": {
                    "conversation_id": {"type": "integer"},
                    "mode": {"enum": ["ai", "demo"]},
                },
            },
        ),
        _event(
            "delta",
            {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        ),
        _event("action", {"$ref": "#/components/schemas/ActionPublic"}),
        _event("done", {"$ref": "#/components/schemas/ChatResponse"}),
        _event(
            "error",
            {
                "type": "object",
                "required": ["status", "detail"],
                "properties": {"status": {"type": "integer"}, "detail": {"type": "string"}},
            },
        ),
    ]
}


def server_sent_event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class TurnStream:
    """The events of one streamed turn, from the turn's task to the HTTP response."""

    def __init__(self, conversation_id: int, mode: str) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._cancelled = False
        self._finished = False
        self._streamed: list[str] = []
        self._put("meta", {"conversation_id": conversation_id, "mode": mode})

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def streamed(self) -> str:
        return "".join(self._streamed)

    async def delta(self, text: str) -> None:
        if text:
            self._streamed.append(text)
            self._put("delta", {"text": text})

    async def action(self, action: ChatAction) -> None:
        self._put("action", action.model_dump(mode="json"))

    def done(self, response: ChatResponse) -> None:
        self._put("done", response.model_dump(mode="json"))

    def error(self, status: int, detail: str) -> None:
        self._put("error", {"status": status, "detail": detail})

    def close(self) -> None:
        self._finished = True
        self._queue.put_nowait(None)

    def _put(self, name: str, data: Any) -> None:
        self._queue.put_nowait(server_sent_event(name, data))

    async def events(self) -> AsyncIterator[str]:
        """The response body. Cancelled (client gone) → the turn is told to stop."""
        try:
            while True:
                try:
                    async with asyncio.timeout(KEEP_ALIVE_SECONDS):
                        event = await self._queue.get()
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event is None:
                    return
                yield event
        finally:
            if not self._finished:
                self._cancelled = True
