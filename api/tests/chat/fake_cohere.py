"""A fake Cohere v2 Chat server: a real HTTP server on 127.0.0.1 speaking the wire format.

It lets the AI tests run the real client code (httpx, timeouts, retries, parsing) offline:
- checks the bearer token (401 + `{"id","message"}` on a wrong one), 404 for unknown paths;
- answers `TOOL_CALL` with the scripted tool calls of round N while fewer than N rounds of tool
  results follow the last user message, then `COMPLETE` with `final_text`;
- can be switched into failure modes (429 / 500 / slow / malformed), optionally only from the
  k-th request on (to fail in the middle of a tool loop);
- records every request body so tests can assert on model, tools, tool messages and settings;
- answers `"stream": true` with Cohere's v2 stream events (server-sent events: message-start,
  tool-plan-delta, tool-call-start/-delta/-end, content-start/-delta/-end, message-end), the
  text in `stream_pieces` pieces, `stream_delay_seconds` apart.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

API_KEY = "fake-cohere-key"
Failure = Literal[
    "none", "429", "500", "slow", "malformed", "empty", "finish_error", "echo_authorization"
]


@dataclass
class Call:
    name: str
    arguments: dict[str, Any] | str  # a str is sent verbatim (lets tests send garbage)


@dataclass
class FakeCohere:
    rounds: list[list[Call]] = field(default_factory=list)
    final_text: str = "Done!"
    repeat_tool_calls: bool = False  # never stop calling tools (round-cap test)
    failure: Failure = "none"
    fail_from_request: int = 0  # the failure applies to requests with index >= this
    fail_until_request: int | None = None  # ... and < this (None: all later requests)
    slow_seconds: float = 10.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    closing: bool = False
    stream_pieces: int = 3
    stream_delay_seconds: float = 0.0

    def reset(self) -> None:
        self.rounds = []
        self.final_text = "Done!"
        self.repeat_tool_calls = False
        self.failure = "none"
        self.fail_from_request = 0
        self.fail_until_request = None
        self.slow_seconds = 10.0
        self.requests.clear()
        self.headers.clear()
        self.stream_pieces = 3
        self.stream_delay_seconds = 0.0

    # --- HTTP ----------------------------------------------------------------------------------

    async def chat(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return JSONResponse({"id": "err-401", "message": "invalid api token"}, 401)
        body = await request.json()
        index = len(self.requests)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        until = self.fail_until_request
        if self.failure != "none" and self.fail_from_request <= index < (until or index + 1):
            return await self._fail(request)
        answer = self._answer(body, index)
        if body.get("stream"):
            return StreamingResponse(self._events(answer), media_type="text/event-stream")
        return JSONResponse(answer)

    async def _events(self, answer: dict[str, Any]) -> AsyncIterator[str]:
        """The answer as Cohere's v2 stream events."""
        message = answer["message"]
        events: list[dict[str, Any]] = [
            {
                "type": "message-start",
                "id": answer["id"],
                "delta": {"message": {"role": "assistant", "content": [], "tool_calls": []}},
            }
        ]
        if message.get("tool_plan"):
            for piece in _pieces(message["tool_plan"], self.stream_pieces):
                events.append(
                    {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": piece}}}
                )
        for index, call in enumerate(message.get("tool_calls") or []):
            start = {**call, "function": {"name": call["function"]["name"], "arguments": ""}}
            events.append(
                {
                    "type": "tool-call-start",
                    "index": index,
                    "delta": {"message": {"tool_calls": start}},
                }
            )
            for piece in _pieces(call["function"]["arguments"], self.stream_pieces):
                delta = {"tool_calls": {"function": {"arguments": piece}}}
                events.append(
                    {"type": "tool-call-delta", "index": index, "delta": {"message": delta}}
                )
            events.append({"type": "tool-call-end", "index": index})
        for item in message.get("content") or []:
            events.append(
                {
                    "type": "content-start",
                    "index": 0,
                    "delta": {"message": {"content": {"type": "text", "text": ""}}},
                }
            )
            for piece in _pieces(item["text"], self.stream_pieces):
                delta = {"content": {"text": piece}}
                events.append({"type": "content-delta", "index": 0, "delta": {"message": delta}})
            events.append({"type": "content-end", "index": 0})
        events.append(
            {
                "type": "message-end",
                "delta": {"finish_reason": answer["finish_reason"], "usage": answer["usage"]},
            }
        )
        for event in events:
            if self.stream_delay_seconds:
                await asyncio.sleep(self.stream_delay_seconds)
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"

    async def _fail(self, request: Request) -> Response:
        if self.failure == "429":
            return JSONResponse({"id": "err-429", "message": "rate limit exceeded"}, 429)
        if self.failure == "500":
            return JSONResponse({"id": "err-500", "message": "internal server error"}, 500)
        if self.failure == "slow":
            # Sleep in slices so a server shutdown never waits on (or cancels) a slow answer.
            until = time.monotonic() + self.slow_seconds
            # `closing` is set from the test thread, so an asyncio.Event cannot be used here.
            while time.monotonic() < until and not self.closing:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            return JSONResponse({"id": "late", "finish_reason": "COMPLETE", "message": {}})
        if self.failure == "echo_authorization":  # a misbehaving proxy quoting the request
            echoed = request.headers.get("authorization", "")
            return JSONResponse(
                {"id": "err-400", "message": f"invalid request\nAuthorization: {echoed}"}, 400
            )
        if self.failure == "finish_error":
            return JSONResponse(
                {"id": "e", "finish_reason": "ERROR", "message": {"role": "assistant"}}
            )
        if self.failure == "empty":
            return JSONResponse(
                {"id": "empty", "finish_reason": "COMPLETE", "message": {"role": "assistant"}}
            )
        return PlainTextResponse("<html>gateway says hi</html>", 200)

    def _answer(self, body: dict[str, Any], index: int) -> dict[str, Any]:
        messages = body.get("messages", [])
        last_user = max(i for i, message in enumerate(messages) if message["role"] == "user")
        rounds_done = sum(1 for message in messages[last_user:] if message["role"] == "assistant")
        if self.repeat_tool_calls or rounds_done < len(self.rounds):
            calls = self.rounds[min(rounds_done, len(self.rounds) - 1)]
            return {
                "id": f"resp-{index}",
                "finish_reason": "TOOL_CALL",
                "message": {
                    "role": "assistant",
                    "tool_plan": "I will use the tools.",
                    "tool_calls": [
                        {
                            "id": f"{call.name}_{rounds_done}_{number}",
                            "type": "function",
                            "function": {
                                "name": call.name,
                                "arguments": call.arguments
                                if isinstance(call.arguments, str)
                                else json.dumps(call.arguments),
                            },
                        }
                        for number, call in enumerate(calls)
                    ],
                },
                "usage": {"billed_units": {"input_tokens": 10, "output_tokens": 5}},
            }
        return {
            "id": f"resp-{index}",
            "finish_reason": "COMPLETE",
            "message": {
                "role": "assistant",
                "content": [{"type": "text", "text": self.final_text}],
            },
            "usage": {"billed_units": {"input_tokens": 10, "output_tokens": 5}},
        }

    # --- server lifecycle ----------------------------------------------------------------------

    def app(self) -> Starlette:
        async def not_found(request: Request) -> Response:
            return JSONResponse({"id": "err-404", "message": "not found"}, 404)

        return Starlette(
            routes=[
                Route("/v2/chat", self.chat, methods=["POST"]),
                Route("/{path:path}", not_found, methods=["GET", "POST"]),
            ]
        )


class FakeCohereServer:
    """Runs a FakeCohere under uvicorn in a background thread on a free 127.0.0.1 port."""

    def __init__(self) -> None:
        self.fake = FakeCohere()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.fake.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            self.fake.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> FakeCohere:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Cohere server did not start")
            time.sleep(0.01)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.fake.closing = True
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def _pieces(text: str, count: int) -> list[str]:
    """`text` cut into about `count` pieces (what a model streams)."""
    size = max(1, -(-len(text) // max(1, count)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def unused_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
