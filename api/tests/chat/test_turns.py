"""A chat turn's life over HTTP: it holds no connection while the provider thinks, turns at once
are bounded (429 + Retry-After), provider errors are logged redacted, pages are bounded — on
PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pakaura_api.chat.cohere_client import redacted_excerpt
from pakaura_api.config import load_settings
from pakaura_api.main import create_app
from pakaura_api.migrate import run_migrations
from structlog.testing import capture_logs

from ..conftest import signed_up_headers
from .fake_cohere import API_KEY, Call, FakeCohere

CHAT = "/api/v1/chat"
CONVERSATIONS = "/api/v1/conversations"
MakeClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def ai(fake: FakeCohere, **overrides: Any) -> dict[str, Any]:
    return {
        "cohere_api_key": API_KEY,
        "cohere_base_url": fake.base_url,
        "ai_timeout_seconds": 10,
        "ai_max_retries": 0,
        **overrides,
    }


async def test_a_turn_waiting_on_the_provider_holds_no_connection(
    make_client: MakeClient, fake_cohere: FakeCohere
) -> None:
    """With a pool of ONE connection, two turns wait on a slow provider while another user
    lists, creates and reads conversations at full speed."""
    fake_cohere.failure = "slow"
    fake_cohere.slow_seconds = 3
    async with make_client(**ai(fake_cohere), db_pool_size=1, db_pool_max_overflow=0) as client:
        waiting, other = await signed_up_headers(client), await signed_up_headers(client)
        turns = [
            asyncio.create_task(client.post(CHAT, json={"message": f"add x{n}"}, headers=waiting))
            for n in range(2)
        ]
        await asyncio.sleep(0.5)
        assert not any(turn.done() for turn in turns)
        for request in (
            client.get("/api/v1/tasks", headers=other),
            client.post("/api/v1/tasks", json={"title": "meanwhile"}, headers=other),
            client.get(CONVERSATIONS, headers=other),
        ):
            started = time.perf_counter()
            response = await request
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 201), response.text
            assert elapsed < 1.0, f"{response.request.url.path} took {elapsed:.2f}s"
        answers = await asyncio.gather(*turns)
    # The provider answered nothing useful: each turn fell back to the demo assistant once.
    assert [answer.status_code for answer in answers] == [200, 200]
    assert {answer.json()["mode"] for answer in answers} == {"demo"}


async def test_turns_at_once_are_limited_per_user_and_per_process(
    make_client: MakeClient, fake_cohere: FakeCohere
) -> None:
    fake_cohere.failure = "slow"
    fake_cohere.slow_seconds = 2
    settings = ai(fake_cohere, chat_max_concurrent_per_user=1, chat_max_concurrent=2)
    async with make_client(**settings) as client:
        alice, bob, carol = [await signed_up_headers(client) for _ in range(3)]
        first = asyncio.create_task(client.post(CHAT, json={"message": "hi a"}, headers=alice))
        await asyncio.sleep(0.3)
        again = await client.post(CHAT, json={"message": "hi again"}, headers=alice)
        assert again.status_code == 429
        assert again.headers["retry-after"] == "5"  # AI mode: seconds, not milliseconds
        assert "wait for a reply" in again.json()["detail"]

        second = asyncio.create_task(client.post(CHAT, json={"message": "hi b"}, headers=bob))
        await asyncio.sleep(0.3)
        full = await client.post(CHAT, json={"message": "hi c"}, headers=carol)
        assert full.status_code == 429
        assert full.json() == {"detail": "The assistant is busy; try again in a moment"}
        assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]
        assert client.app.state.chat_limiter.running == 0  # type: ignore[attr-defined]
        # Slots are given back: everyone can chat again.
        fake_cohere.failure = "none"
        assert (await client.post(CHAT, json={"message": "hi"}, headers=carol)).status_code == 200


async def test_slots_are_given_back_when_a_turn_fails(make_client: MakeClient) -> None:
    async with make_client(chat_max_concurrent_per_user=1) as client:
        headers = await signed_up_headers(client)
        for _ in range(3):
            missing = await client.post(
                CHAT, json={"message": "hi", "conversation_id": 999_999}, headers=headers
            )
            assert missing.status_code == 404
        assert (await client.post(CHAT, json={"message": "hi"}, headers=headers)).status_code == 200
        assert client.app.state.chat_limiter.running == 0  # type: ignore[attr-defined]


async def test_demo_mode_suggests_a_short_retry(make_client: MakeClient) -> None:
    async with make_client(chat_max_concurrent=1) as client:
        limiter = client.app.state.chat_limiter  # type: ignore[attr-defined]
        headers = await signed_up_headers(client)
        with limiter.turn(0):  # someone else's turn is running
            busy = await client.post(CHAT, json={"message": "hi"}, headers=headers)
        assert (busy.status_code, busy.headers["retry-after"]) == (429, "1")


async def test_a_provider_error_body_never_reaches_the_logs_verbatim(
    make_client: MakeClient, fake_cohere: FakeCohere
) -> None:
    """The provider (or a proxy) echoes the request's Authorization header in its error body."""
    fake_cohere.failure = "echo_authorization"
    with capture_logs() as logs:
        async with make_client(**ai(fake_cohere)) as client:
            headers = await signed_up_headers(client)
            answer = await client.post(CHAT, json={"message": "add buy milk"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["mode"] == "demo"
    assert len(fake_cohere.requests) == 1
    assert API_KEY in str(fake_cohere.headers[0])  # it was really sent, and really echoed
    [fallback] = [log for log in logs if log["event"] == "chat_fallback_to_demo"]
    assert (fallback["reason"], fallback["status_code"]) == ("bad_request", 400)
    assert fallback["detail"] == "invalid request Authorization: Bearer [redacted]"
    assert API_KEY not in repr(logs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        ("key sk-live-SECRETSECRET", "key [redacted]"),
        ("token " + "a1B2" * 10 + " end", "token [redacted] end"),
        ("line\nbreak\x00", "line break "),
        ("x" * 500, "[redacted]"),
        ("y " * 500, ("y " * 60)),
    ],
)
def test_redacted_excerpt(text: str, expected: str) -> None:
    assert redacted_excerpt(text, ("sk-live-SECRETSECRET",)) == expected


# --- pages -------------------------------------------------------------------------------------


async def test_conversations_come_in_pages(client: httpx.AsyncClient) -> None:
    headers = await signed_up_headers(client)
    ids = []
    for n in range(3):
        body = (await client.post(CHAT, json={"message": f"hi {n}"}, headers=headers)).json()
        ids.append(body["conversation_id"])
    first = await client.get(CONVERSATIONS, params={"limit": 2}, headers=headers)
    assert [c["id"] for c in first.json()] == [ids[2], ids[1]]  # most recently active first
    assert first.headers["x-next-offset"] == "2"
    rest = await client.get(CONVERSATIONS, params={"limit": 2, "offset": 2}, headers=headers)
    assert [c["id"] for c in rest.json()] == [ids[0]]
    assert "x-next-offset" not in rest.headers
    everything = await client.get(CONVERSATIONS, headers=headers)
    assert len(everything.json()) == 3
    assert "x-next-offset" not in everything.headers
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        assert (await client.get(CONVERSATIONS, params=bad, headers=headers)).status_code == 422


async def test_messages_come_newest_page_first_each_page_oldest_first(
    client: httpx.AsyncClient,
) -> None:
    headers = await signed_up_headers(client)
    cid = None
    for n in range(3):
        body = {"message": f"hello {n}", **({"conversation_id": cid} if cid else {})}
        cid = (await client.post(CHAT, json=body, headers=headers)).json()["conversation_id"]
    url = f"{CONVERSATIONS}/{cid}/messages"
    everything = (await client.get(url, headers=headers)).json()
    assert [m["content"] for m in everything[::2]] == ["hello 0", "hello 1", "hello 2"]

    newest = await client.get(url, params={"limit": 4}, headers=headers)
    assert [m["id"] for m in newest.json()] == [m["id"] for m in everything[2:]]
    assert newest.headers["x-next-before"] == str(everything[2]["id"])
    older = await client.get(
        url, params={"limit": 4, "before": newest.headers["x-next-before"]}, headers=headers
    )
    assert [m["id"] for m in older.json()] == [m["id"] for m in everything[:2]]
    assert "x-next-before" not in older.headers
    exact = await client.get(url, params={"limit": 6}, headers=headers)
    assert len(exact.json()) == 6
    assert "x-next-before" not in exact.headers
    none_older = await client.get(url, params={"before": everything[0]["id"]}, headers=headers)
    assert (none_older.status_code, none_older.json()) == (200, [])
    huge = await client.get(url, params={"before": 2**40}, headers=headers)
    assert len(huge.json()) == 6
    for bad in ({"limit": 0}, {"limit": 501}, {"before": 0}):
        assert (await client.get(url, params=bad, headers=headers)).status_code == 422
    other = await signed_up_headers(client)
    assert (await client.get(url, headers=other)).status_code == 404


# --- SQLite: the same turns without PostgreSQL's one-statement storage ------------------------


@asynccontextmanager
async def sqlite_client(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(pakaura_data_dir=data_dir, log_level="WARNING")
    run_migrations(settings)
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sqlite") as client:
            yield client
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()


async def test_chat_turns_and_pages_on_sqlite(tmp_path: Path) -> None:
    async with sqlite_client(tmp_path) as client:
        headers = await signed_up_headers(client)
        first = await client.post(
            CHAT, json={"message": "Remind me to call mom tomorrow"}, headers=headers
        )
        assert first.status_code == 200, first.text
        cid = first.json()["conversation_id"]
        done = await client.post(
            CHAT, json={"message": "mark call mom done", "conversation_id": cid}, headers=headers
        )
        assert done.json()["reply"].startswith('Marked "call mom" as done')
        listed = await client.post(
            CHAT, json={"message": "show my tasks", "conversation_id": cid}, headers=headers
        )
        assert "✓ call mom (due" in listed.json()["reply"]
        deleted = await client.post(
            CHAT, json={"message": "delete it", "conversation_id": cid}, headers=headers
        )
        assert deleted.json()["actions"][0]["effect"] == "delete"
        messages = await client.get(
            f"{CONVERSATIONS}/{cid}/messages", params={"limit": 3}, headers=headers
        )
        assert [m["role"] for m in messages.json()] == ["assistant", "user", "assistant"]
        assert messages.json()[-1]["created_at"].endswith(("Z", "+00:00"))
        assert messages.headers["x-next-before"] == str(messages.json()[0]["id"])
        conversations = await client.get(CONVERSATIONS, headers=headers)
        assert [c["id"] for c in conversations.json()] == [cid]
        missing = await client.post(
            CHAT, json={"message": "hi", "conversation_id": cid + 1}, headers=headers
        )
        assert missing.status_code == 404


async def test_tool_calls_of_an_ai_turn_on_sqlite(tmp_path: Path, fake_cohere: FakeCohere) -> None:
    fake_cohere.rounds = [[Call("add_task", {"title": "lite"})], [Call("list_tasks", {})]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COHERE_API_KEY", API_KEY)
        patch.setenv("COHERE_BASE_URL", fake_cohere.base_url)
        async with sqlite_client(tmp_path) as client:
            headers = await signed_up_headers(client)
            answer = await client.post(CHAT, json={"message": "add lite"}, headers=headers)
            assert answer.json()["mode"] == "ai"
            tasks = (await client.get("/api/v1/tasks", headers=headers)).json()
    assert [task["title"] for task in tasks] == ["lite"]
    listed = [m for m in fake_cohere.requests[2]["messages"] if m["role"] == "tool"][-1]
    assert '"count": 1' in listed["content"][0]["document"]["data"]


async def test_a_revoked_token_cannot_chat(client: httpx.AsyncClient) -> None:
    headers = await signed_up_headers(client)
    first = await client.post(CHAT, json={"message": "add buy milk"}, headers=headers)
    cid = first.json()["conversation_id"]
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    for body in ({"message": "hi"}, {"message": "hi", "conversation_id": cid}):
        refused = await client.post(CHAT, json=body, headers=headers)
        assert refused.status_code == 401, refused.text
    assert (await client.get(CONVERSATIONS, headers=headers)).status_code == 401


async def test_the_task_cap_is_a_plain_answer_in_chat(make_client: MakeClient) -> None:
    async with make_client(max_tasks_per_user=1) as client:
        headers = await signed_up_headers(client)
        assert (await client.post(CHAT, json={"message": "add one"}, headers=headers)).json()[
            "actions"
        ]
        refused = await client.post(CHAT, json={"message": "add two"}, headers=headers)
    assert refused.status_code == 200
    assert refused.json()["actions"] == []
    reply = refused.json()["reply"]
    assert reply == "You already have the most tasks allowed (1); delete some first."


async def test_pages_refuse_a_revoked_token(client: httpx.AsyncClient) -> None:
    headers = await signed_up_headers(client)
    cid = (await client.post(CHAT, json={"message": "hi"}, headers=headers)).json()[
        "conversation_id"
    ]
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    messages = await client.get(f"{CONVERSATIONS}/{cid}/messages", headers=headers)
    assert messages.status_code == 401
    assert (await client.get(CONVERSATIONS, headers=headers)).status_code == 401
