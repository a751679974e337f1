"""A small typed async client for Cohere's v2 Chat API (`POST {base_url}/v2/chat`) over httpx.

Why not the official `cohere` SDK: it adds ~105 MB of site-packages (tokenizers, huggingface_hub,
hf_xet, fastavro — features a chat-with-tools client never uses), which on its own breaks the API
image's < 200 MB target, and it slows start-up. The wire format we need is one JSON request and
one JSON response, or that response as Cohere's v2 stream events (server-sent events:
content-delta, tool-plan-delta, tool-call-start/-delta/-end, message-end), so this module
implements exactly that:

- Bearer auth; the key lives only in the request header — never in logs, reprs or error messages.
- An explicit per-request timeout, additionally capped by the caller's deadline for the whole turn.
- Retries only for 429, 5xx and connection errors, at most `max_retries`, with a small backoff
  that never sleeps past the deadline (a dead provider must not stall a chat request).
- Every failure becomes a `CohereError` subclass, so the caller has one family to fall back on.
- A provider's error body is never kept as received (a misbehaving provider or proxy may echo the
  request's `Authorization` header): errors carry the status, a reason and at most a redacted
  excerpt of the body (`redacted_excerpt`).
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from types import TracebackType
from typing import Any

import certifi
import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

# Receives each piece of a streamed answer's text.
TextSink = Callable[[str], Awaitable[None]]
BACKOFF_SECONDS = 0.2
EXCERPT_CHARS = 120
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;}]+")
# Long opaque strings (API keys, tokens, JWT parts) are redacted wherever they appear.
_OPAQUE = re.compile(r"[A-Za-z0-9_\-.]{32,}")
# A failing provider should be detected quickly even with a generous read timeout.
CONNECT_TIMEOUT_SECONDS = 5.0


class CohereError(Exception):
    """Any failure talking to the provider; `reason` is a short machine-readable tag for logs."""

    reason = "error"

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class CohereAuthError(CohereError):
    reason = "unauthorized"


class CohereRateLimitError(CohereError):
    reason = "rate_limited"


class CohereServerError(CohereError):
    reason = "server_error"


class CohereRequestError(CohereError):
    """4xx other than 401/403/429 (bad request, unknown model): our bug or config, not retried."""

    reason = "bad_request"


class CohereTimeoutError(CohereError):
    reason = "timeout"


class CohereConnectionError(CohereError):
    reason = "connection_error"


class CohereMalformedResponseError(CohereError):
    reason = "malformed_response"


# --- response shapes (only the fields Pakaura reads; unknown fields are ignored) ---------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ToolCallFunction(_Lenient):
    name: str
    arguments: str | dict[str, Any] | None = None


class ToolCall(_Lenient):
    id: str
    type: str = "function"
    function: ToolCallFunction


class ContentItem(_Lenient):
    type: str
    text: str | None = None


class AssistantMessage(_Lenient):
    role: str = "assistant"
    content: list[ContentItem] | str | None = None
    tool_plan: str | None = None
    tool_calls: list[ToolCall] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content.strip()
        parts = [item.text for item in self.content or [] if item.type == "text" and item.text]
        return "\n".join(parts).strip()


class ChatResponse(_Lenient):
    id: str | None = None
    finish_reason: str | None = None
    message: AssistantMessage


@cache
def _ssl_context() -> ssl.SSLContext:
    """Built once per process: loading the CA bundle costs milliseconds on every new client."""
    return ssl.create_default_context(cafile=certifi.where())


class CohereClient:
    """Use as `async with CohereClient(...) as client: await client.chat(...)`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout_seconds: float,
        max_retries: int,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._max_retries = max_retries
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:  # the key must never end up in a log line or traceback
        return f"CohereClient(base_url={self._base_url!r})"

    async def __aenter__(self) -> CohereClient:
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            headers={
                "Authorization": f"Bearer {self._api_key}",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(
                self._timeout, connect=min(self._timeout, CONNECT_TIMEOUT_SECONDS)
            ),
            verify=_ssl_context(),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def chat(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        temperature: float,
        max_tokens: int,
        deadline: float | None = None,
        on_text: TextSink | None = None,
    ) -> ChatResponse:
        """One chat call; `deadline` is a `time.monotonic()` instant.

        With `on_text`, the answer is streamed (`"stream": true`, Cohere's v2 events) and each
        piece of its text is passed on as it arrives; the assembled answer is returned either
        way. A streamed call is retried only when nothing of it arrived yet."""
        body = {
            "model": model,
            "messages": messages,
            "tools": tools,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stream": on_text is not None,
        }
        attempt = 0
        while True:
            progress = _Progress()
            try:
                return await self._call_once(body, deadline, on_text, progress)
            except (CohereRateLimitError, CohereServerError, CohereConnectionError):
                backoff = BACKOFF_SECONDS * 2**attempt
                out_of_time = deadline is not None and time.monotonic() + backoff >= deadline
                if attempt >= self._max_retries or out_of_time or progress.started:
                    raise
                attempt += 1
                await asyncio.sleep(backoff)

    async def _call_once(
        self,
        body: dict[str, Any],
        deadline: float | None,
        on_text: TextSink | None,
        progress: _Progress,
    ) -> ChatResponse:
        if self._http is None:
            raise RuntimeError("use CohereClient as an async context manager")
        budget = self._timeout
        if deadline is not None:
            budget = min(budget, deadline - time.monotonic())
        if budget <= 0:
            raise CohereTimeoutError("no time left for the provider call")
        try:
            async with asyncio.timeout(budget):
                if on_text is None:
                    response = await self._http.post("/v2/chat", json=body)
                    return _parse(response, self._api_key)
                return await self._stream(body, on_text, progress)
        except httpx.ConnectTimeout as exc:
            raise CohereConnectionError(f"connect timeout: {type(exc).__name__}") from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise CohereTimeoutError(f"no answer within {budget:.1f}s") from exc
        except httpx.TransportError as exc:  # refused, reset, DNS, protocol errors
            raise CohereConnectionError(f"transport error: {type(exc).__name__}") from exc

    async def _stream(
        self, body: dict[str, Any], on_text: TextSink, progress: _Progress
    ) -> ChatResponse:
        assert self._http is not None
        headers = {"Accept": "text/event-stream"}
        async with self._http.stream("POST", "/v2/chat", json=body, headers=headers) as response:
            if response.status_code != 200 or not response.headers.get(
                "content-type", ""
            ).startswith("text/event-stream"):
                await response.aread()
                return _parse(response, self._api_key)  # raises for any error status
            answer = _StreamedAnswer()
            async for event in _server_sent_events(response):
                progress.started = True
                text = answer.add(event)
                if text:
                    await on_text(text)
        return answer.result()


class _Progress:
    """Whether any event of a streamed answer arrived (then it is not retried)."""

    started = False


async def _server_sent_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON `data` of each server-sent event (its `type` from the `event:` line if absent)."""
    name, data = "", []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            try:
                event = json.loads("\n".join(data))
            except ValueError as exc:
                raise CohereMalformedResponseError("a streamed event is not JSON") from exc
            if not isinstance(event, dict):
                raise CohereMalformedResponseError("a streamed event is not an object")
            event.setdefault("type", name)
            yield event
            name, data = "", []


class _StreamedAnswer:
    """Cohere v2's stream events assembled into the answer `chat` returns without streaming:
    content-delta (text), tool-plan-delta, tool-call-start/-delta (one call per start; its
    arguments arrive in pieces), message-end (finish reason)."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.plan: list[str] = []
        self.calls: list[dict[str, Any]] = []
        self.finish_reason: str | None = None

    def add(self, event: dict[str, Any]) -> str:
        """Take one event in; returns the piece of answer text it carried (or "")."""
        kind = event.get("type")
        delta = event.get("delta") or {}
        message = delta.get("message") or {}
        if kind == "content-delta":
            piece = str((message.get("content") or {}).get("text") or "")
            self.text.append(piece)
            return piece
        if kind == "tool-plan-delta":
            self.plan.append(str(message.get("tool_plan") or ""))
        elif kind == "tool-call-start":
            call = message.get("tool_calls") or {}
            function = call.get("function") or {}
            self.calls.append(
                {
                    "id": call.get("id"),
                    "type": call.get("type", "function"),
                    "function": {
                        "name": function.get("name"),
                        "arguments": function.get("arguments") or "",
                    },
                }
            )
        elif kind == "tool-call-delta" and self.calls:
            function = (message.get("tool_calls") or {}).get("function") or {}
            self.calls[-1]["function"]["arguments"] += str(function.get("arguments") or "")
        elif kind == "message-end":
            self.finish_reason = delta.get("finish_reason") or "COMPLETE"
        return ""

    def result(self) -> ChatResponse:
        if self.finish_reason is None:
            raise CohereMalformedResponseError("the stream ended before message-end")
        try:
            answer = ChatResponse.model_validate(
                {
                    "finish_reason": self.finish_reason,
                    "message": {
                        "role": "assistant",
                        "content": "".join(self.text) or None,
                        "tool_plan": "".join(self.plan) or None,
                        "tool_calls": self.calls or None,
                    },
                }
            )
        except ValidationError as exc:
            raise CohereMalformedResponseError(
                f"unexpected streamed tool call ({exc.error_count()} errors)"
            ) from exc
        return _finished(answer, 200)


def redacted_excerpt(text: str, secrets: tuple[str, ...] = ()) -> str:
    """At most EXCERPT_CHARS of `text`, with secrets, bearer tokens and long opaque strings
    replaced by "[redacted]" and control characters by spaces (one log-safe line)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _OPAQUE.sub("[redacted]", text)
    text = "".join(char if char.isprintable() else " " for char in text)
    return text[:EXCERPT_CHARS]


def _error_message(response: httpx.Response, api_key: str) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    text = str(data.get("message", "")) if isinstance(data, dict) else response.text[:2000]
    return redacted_excerpt(text, (api_key,))


def _parse(response: httpx.Response, api_key: str) -> ChatResponse:
    status = response.status_code
    if status in (401, 403):
        raise CohereAuthError(_error_message(response, api_key), status)
    if status == 429:
        raise CohereRateLimitError(_error_message(response, api_key), status)
    if status >= 500:
        raise CohereServerError(_error_message(response, api_key), status)
    if status != 200:
        raise CohereRequestError(_error_message(response, api_key), status)
    try:
        parsed = ChatResponse.model_validate_json(response.content)
    except ValidationError as exc:
        raise CohereMalformedResponseError(
            f"unexpected response body ({exc.error_count()} errors)"
        ) from exc
    return _finished(parsed, status)


def _finished(answer: ChatResponse, status: int) -> ChatResponse:
    if answer.finish_reason in ("ERROR", "TIMEOUT"):
        raise CohereServerError(f"provider finished with {answer.finish_reason}", status)
    return answer
