"""The chat through HTTP (`POST /api/v1/chat`): the route stores the turns, the assistant reads
them back as history — so "Delete it" works across requests, in demo and in AI mode."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from .fake_cohere import API_KEY, Call, FakeCohere

Headers = dict[str, str]


async def chat(
    client: httpx.AsyncClient, headers: Headers, message: str, conversation: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation is not None:
        body["conversation_id"] = conversation
    response = await client.post("/api/v1/chat", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def task_titles(client: httpx.AsyncClient, headers: Headers) -> list[str]:
    response = await client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 200, response.text
    return sorted(task["title"] for task in response.json())


async def test_demo_conversation_over_http(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    first = await chat(client, auth_headers, "Add a task to demo Kubernetes")
    assert first["mode"] == "demo"
    assert first["actions"][0]["tool"] == "add_task"
    assert first["actions"][0]["result"]["task"]["title"] == "demo Kubernetes"
    conversation = first["conversation_id"]

    await chat(client, auth_headers, "Remind me to call mom tomorrow", conversation)
    assert await task_titles(client, auth_headers) == ["call mom", "demo Kubernetes"]

    done = await chat(client, auth_headers, "Mark it as done", conversation)
    assert done["reply"].startswith('Marked "call mom" as done')

    deleted = await chat(client, auth_headers, "Delete it", conversation)
    assert deleted["reply"] == 'Deleted "call mom".'
    assert await task_titles(client, auth_headers) == ["demo Kubernetes"]

    messages = await client.get(
        f"/api/v1/conversations/{conversation}/messages", headers=auth_headers
    )
    assert len(messages.json()) == 8


async def test_ambiguity_over_http(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    for title in ("Write report", "Review report"):
        response = await client.post("/api/v1/tasks", json={"title": title}, headers=auth_headers)
        assert response.status_code == 201
    answer = await chat(client, auth_headers, "Delete the report task")
    assert answer["actions"] == []
    assert '"Write report"' in answer["reply"]
    assert '"Review report"' in answer["reply"]
    assert await task_titles(client, auth_headers) == ["Review report", "Write report"]


async def test_ai_then_provider_outage_over_http(
    make_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
    fake_cohere: FakeCohere,
) -> None:
    async with make_client(
        cohere_api_key=API_KEY,
        cohere_base_url=fake_cohere.base_url,
        ai_timeout_seconds=2,
        ai_max_retries=0,
    ) as client:
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"email": f"ai-{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse"},
        )
        assert signup.status_code == 201, signup.text
        headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}

        fake_cohere.rounds = [[Call("add_task", {"title": "demo Kubernetes"})]]
        fake_cohere.final_text = "Added demo Kubernetes."
        first = await chat(client, headers, "Add a task to demo Kubernetes")
        assert (first["mode"], first["reply"]) == ("ai", "Added demo Kubernetes.")
        assert first["actions"][0]["tool"] == "add_task"

        fake_cohere.failure = "500"
        second = await chat(client, headers, "Delete it", first["conversation_id"])
        assert second["mode"] == "demo"
        assert second["reply"] == 'Deleted "demo Kubernetes".'
        assert await task_titles(client, headers) == []
        # The AI saw the stored history on the second turn (before failing).
        replayed = fake_cohere.requests[-1]["messages"]
        assert [m["role"] for m in replayed] == ["system", "user", "assistant", "user"]
