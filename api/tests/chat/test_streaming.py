"""`POST /api/v1/chat/stream`: the answer as server-sent events, read from a real server as they
arrive — demo mode, AI mode (the real client reading the fake Cohere's v2 stream events), a
client hanging up mid-reply, and failures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from pakaura_api.chat import service
from pakaura_api.chat.cohere_client import CohereClient, CohereMalformedResponseError
from pakaura_api.chat.service import pieces
from pakaura_api.chat.streaming import server_sent_event
from sqlalchemy.exc import OperationalError

from ..conftest import LiveServer, signed_up_headers
from .fake_cohere import API_KEY, Call, FakeCohere

STREAM = "/api/v1/chat/stream"
Event = tuple[str, Any]
MakeClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


async def events_of(response: httpx.Response) -> AsyncIterator[tuple[float, Event]]:
    """(seconds since the request was sent, (event, data)) for each event as it arrives."""
    started = time.perf_counter()
    name, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif not line and name:
            yield time.perf_counter() - started, (name, json.loads(data))
            name, data = "", ""


async def stream(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> list[Event]:
    async with client.stream("POST", STREAM, json=body, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache, no-transform"
        return [event async for _, event in events_of(response)]


def check_order(events: list[Event]) -> dict[str, Any]:
    """meta first, done last, text in between; returns `done`."""
    names = [name for name, _ in events]
    assert names[0] == "meta"
    assert names[-1] == "done"
    assert names.count("meta") == names.count("done") == 1
    done: dict[str, Any] = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == done["reply"]
    assert [data for name, data in events if name == "action"] == done["actions"]
    assert events[0][1]["conversation_id"] == done["conversation_id"]
    return done


async def stored_turns(
    client: httpx.AsyncClient, headers: dict[str, str], conversation: int
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/conversations/{conversation}/messages", headers=headers)
    assert response.status_code == 200, response.text
    return [
        {key: turn[key] for key in ("role", "content", "mode", "actions")}
        for turn in response.json()
    ]


# --- demo mode -------------------------------------------------------------------------------


async def test_demo_replies_stream_and_are_stored_like_the_plain_ones(
    demo_server: LiveServer,
) -> None:
    messages = ["Add a task to buy milk tomorrow", "show my tasks", "mark it as done", "hello"]
    async with httpx.AsyncClient(base_url=demo_server.url, timeout=10) as client:
        streaming, plain = await signed_up_headers(client), await signed_up_headers(client)
        streamed_conversation = plain_conversation = None
        for message in messages:
            events = await stream(
                client, streaming, {"message": message, "conversation_id": streamed_conversation}
            )
            done = check_order(events)
            assert events[0][1]["mode"] == "demo"
            streamed_conversation = done["conversation_id"]
            answer = await client.post(
                "/api/v1/chat",
                json={"message": message, "conversation_id": plain_conversation},
                headers=plain,
            )
            plain_conversation = answer.json()["conversation_id"]
            assert done["reply"] == answer.json()["reply"]
        if_streamed = await stored_turns(client, streaming, streamed_conversation)
        if_plain = await stored_turns(client, plain, plain_conversation)
        listed = (await client.get("/api/v1/conversations", headers=streaming)).json()
    assert len(if_streamed) == 2 * len(messages)
    ids = str.maketrans("", "", "0123456789")  # the two users' tasks have different ids
    assert json.dumps(if_streamed).translate(ids) == json.dumps(if_plain).translate(ids)
    assert [c["title"] for c in listed] == [messages[0]]


async def test_first_demo_delta_arrives_fast(demo_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=demo_server.url, timeout=10) as client:
        headers = await signed_up_headers(client)
        firsts = []
        for n in range(20):
            body = {"message": f"Add a task to water plant {n} tomorrow"}
            async with client.stream("POST", STREAM, json=body, headers=headers) as response:
                async for seconds, (name, _) in events_of(response):
                    if name == "delta":
                        firsts.append(seconds)
                        break
        firsts.sort()
    print(
        f"\nfirst streamed delta (demo mode, {len(firsts)} turns): "
        f"p50 {firsts[len(firsts) // 2] * 1000:.1f} ms, max {firsts[-1] * 1000:.1f} ms"
    )
    assert firsts[len(firsts) // 2] < 0.5


def test_pieces_join_back_into_the_text() -> None:
    for text in ["", "one", "  lead and trail  ", "a b c d e f g h i", "• x\n• y (due Fri 4 Dec)"]:
        assert "".join(pieces(text)) == text
    assert pieces("a b c d e f") == ["a b c d", " e f"]


# --- AI mode ---------------------------------------------------------------------------------


async def test_ai_replies_stream_from_the_providers_stream_events(
    ai_server: LiveServer, fake_cohere: FakeCohere
) -> None:
    fake_cohere.rounds = [[Call("add_task", {"title": "demo Kubernetes", "priority": "high"})]]
    fake_cohere.final_text = "Added demo Kubernetes, high priority. Anything else?"
    fake_cohere.stream_pieces = 5
    async with httpx.AsyncClient(base_url=ai_server.url, timeout=10) as client:
        headers = await signed_up_headers(client)
        events = await stream(client, headers, {"message": "add demo kubernetes, urgent"})
        done = check_order(events)
        turns = await stored_turns(client, headers, done["conversation_id"])
    assert events[0][1] == {"conversation_id": done["conversation_id"], "mode": "ai"}
    assert done["reply"] == fake_cohere.final_text
    names = [name for name, _ in events]
    assert names.index("action") < names.index("delta")  # the change shows before the text
    assert names.count("delta") == 5  # as the provider streamed it
    [action] = done["actions"]
    assert (action["tool"], action["effect"]) == ("add_task", "upsert")
    assert [request["stream"] for request in fake_cohere.requests] == [True, True]
    assert turns[1] == {
        "role": "assistant",
        "content": done["reply"],
        "mode": "ai",
        "actions": done["actions"],
    }


async def test_hanging_up_mid_reply_leaves_no_half_applied_tool_call(
    ai_server: LiveServer, fake_cohere: FakeCohere
) -> None:
    """The client goes away after the first change: the turn stops before its next tool call
    and stores what it did; the task list and the conversation agree."""
    fake_cohere.rounds = [
        [Call("add_task", {"title": "one"})],
        [Call("add_task", {"title": "two"})],
    ]
    fake_cohere.stream_delay_seconds = 0.1  # each provider answer takes a while to arrive
    async with httpx.AsyncClient(base_url=ai_server.url, timeout=10) as client:
        headers = await signed_up_headers(client)
        async with client.stream(
            "POST", STREAM, json={"message": "add one then two"}, headers=headers
        ) as response:
            async for _, (name, data) in events_of(response):
                if name == "meta":
                    conversation = data["conversation_id"]
                if name == "action":
                    break  # hang up
        limiter = ai_server.app.state.chat_limiter
        deadline = time.monotonic() + 10
        while limiter.running and time.monotonic() < deadline:  # noqa: ASYNC110 (another loop's)
            await asyncio.sleep(0.05)  # the turn finishes on its own, on the server's loop
        assert limiter.running == 0
        tasks = (await client.get("/api/v1/tasks", headers=headers)).json()
        turns = await stored_turns(client, headers, conversation)
    assert [task["title"] for task in tasks] == ["one"]
    assert len(fake_cohere.requests) == 2  # it asked once more, then stopped before "two"
    assert [turn["role"] for turn in turns] == ["user", "assistant"]
    assert turns[1]["content"] == 'Added "one". (Stopped: the reply was cancelled.)'
    assert [action["result"]["task"]["title"] for action in turns[1]["actions"]] == ["one"]


async def test_a_streamed_answer_that_breaks_falls_back_to_the_demo(
    ai_server: LiveServer, fake_cohere: FakeCohere
) -> None:
    fake_cohere.failure = "500"
    async with httpx.AsyncClient(base_url=ai_server.url, timeout=10) as client:
        headers = await signed_up_headers(client)
        events = await stream(client, headers, {"message": "add buy milk"})
    done = check_order(events)
    assert (events[0][1]["mode"], done["mode"]) == ("ai", "demo")
    assert done["reply"] == 'Added "buy milk".'


async def test_the_client_reads_the_stream_events(fake_cohere: FakeCohere) -> None:
    fake_cohere.rounds = [
        [Call("list_tasks", {"status": "pending"}), Call("add_task", {"title": "x"})]
    ]
    seen: list[str] = []

    async def keep(text: str) -> None:
        seen.append(text)

    async with CohereClient(
        api_key=API_KEY, base_url=fake_cohere.base_url, timeout_seconds=5, max_retries=0
    ) as cohere:
        answer = await cohere.chat(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            tools=[],
            temperature=0,
            max_tokens=10,
            on_text=keep,
        )
    assert answer.finish_reason == "TOOL_CALL"
    assert answer.message.tool_plan == "I will use the tools."
    calls = answer.message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("list_tasks", '{"status": "pending"}'),
        ("add_task", '{"title": "x"}'),
    ]
    assert seen == []  # tool calls carry no answer text


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("event: message-start\ndata: not json\n\n", "not JSON"),
        ("data: [1]\n\n", "not an object"),
        ('data: {"type": "content-delta"}\n\n', "before message-end"),
        (
            'data: {"type": "tool-call-start", "delta": {"message": {"tool_calls": {}}}}\n\n'
            'data: {"type": "message-end", "delta": {"finish_reason": "TOOL_CALL"}}\n\n',
            "unexpected streamed tool call",
        ),
    ],
)
async def test_malformed_stream_events_are_a_provider_error(body: str, problem: str) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    cohere = CohereClient(api_key="k", base_url="http://cohere", timeout_seconds=5, max_retries=1)
    async with cohere:
        cohere._http = httpx.AsyncClient(  # the real client over a scripted transport
            base_url="http://cohere", transport=httpx.MockTransport(reply)
        )
        with pytest.raises(CohereMalformedResponseError, match=problem):
            await cohere.chat(
                model="m", messages=[], tools=[], temperature=0, max_tokens=1, on_text=_ignore
            )


async def _ignore(text: str) -> None:
    pass


# --- refusals and failures -------------------------------------------------------------------


async def test_refusals_come_before_the_stream(make_client: MakeClient) -> None:
    async with make_client(chat_max_concurrent=1) as client:
        headers = await signed_up_headers(client)
        assert (await client.post(STREAM, json={"message": "hi"})).status_code == 401
        missing = await client.post(
            STREAM, json={"message": "hi", "conversation_id": 999_999}, headers=headers
        )
        assert (missing.status_code, missing.json()) == (404, {"detail": "Conversation not found"})
        assert (await client.post(STREAM, json={"message": ""}, headers=headers)).status_code == 422
        limiter = client.app.state.chat_limiter  # type: ignore[attr-defined]
        assert limiter.running == 0
        with limiter.turn(0):
            busy = await client.post(STREAM, json={"message": "hi"}, headers=headers)
        assert (busy.status_code, busy.headers["retry-after"]) == (429, "1")


async def test_a_failure_after_the_stream_began_is_an_error_event(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_down(*args: Any) -> int:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    async with make_client() as client:
        headers = await signed_up_headers(client)
        monkeypatch.setattr(service.conversations, "store_turn", database_down)
        response = await client.post(STREAM, json={"message": "add buy milk"}, headers=headers)
        monkeypatch.undo()
        assert response.status_code == 200
        assert response.text.endswith(
            server_sent_event(
                "error", {"status": 503, "detail": "Database temporarily unavailable"}
            )
        )
        assert client.app.state.chat_limiter.running == 0  # type: ignore[attr-defined]

        async def broken(*args: Any) -> int:
            raise RuntimeError("bug")

        monkeypatch.setattr(service.conversations, "store_turn", broken)
        response = await client.post(STREAM, json={"message": "hello"}, headers=headers)
        assert '"status":500' in response.text
