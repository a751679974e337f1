"""Chat route and conversation storage. What the assistant does is tested in tests/chat/."""

from __future__ import annotations

import httpx
import pytest

CHAT = "/api/v1/chat"
CONVERSATIONS = "/api/v1/conversations"


async def test_chat_contract_and_storage(client: httpx.AsyncClient, auth_headers) -> None:
    first = await client.post(CHAT, json={"message": "add buy milk"}, headers=auth_headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body) == {"conversation_id", "reply", "mode", "actions"}
    assert body["mode"] in {"ai", "demo"}
    assert isinstance(body["reply"], str)
    assert body["reply"]
    for action in body["actions"]:
        assert set(action) == {"tool", "effect", "arguments", "result"}
    conversation_id = body["conversation_id"]

    second = await client.post(
        CHAT,
        json={"message": "show my tasks", "conversation_id": conversation_id},
        headers=auth_headers,
    )
    assert second.status_code == 200
    assert second.json()["conversation_id"] == conversation_id

    conversations = (await client.get(CONVERSATIONS, headers=auth_headers)).json()
    assert [c["id"] for c in conversations] == [conversation_id]
    assert set(conversations[0]) == {"id", "title", "created_at", "updated_at"}
    assert conversations[0]["title"] == "add buy milk"

    messages = await client.get(f"{CONVERSATIONS}/{conversation_id}/messages", headers=auth_headers)
    assert messages.status_code == 200
    turns = messages.json()
    assert (turns[0]["role"], turns[0]["content"]) == ("user", "add buy milk")
    assert [m["role"] for m in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[1]["content"] == body["reply"]
    assert turns[1]["mode"] == body["mode"]
    assert turns[1]["actions"] == body["actions"]
    assert turns[0]["mode"] is None
    assert [m["id"] for m in turns] == sorted(m["id"] for m in turns)
    assert set(turns[0]) == {"id", "role", "content", "mode", "actions", "created_at"}


async def test_new_conversation_is_listed_first(client: httpx.AsyncClient, auth_headers) -> None:
    old = (await client.post(CHAT, json={"message": "hello"}, headers=auth_headers)).json()
    new = (await client.post(CHAT, json={"message": "x" * 300}, headers=auth_headers)).json()
    listed = (await client.get(CONVERSATIONS, headers=auth_headers)).json()
    assert [c["id"] for c in listed] == [new["conversation_id"], old["conversation_id"]]
    assert len(listed[0]["title"]) <= 80  # long first messages make short titles


async def test_other_users_conversation_is_404(client: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user(), await make_user()
    mine = (await client.post(CHAT, json={"message": "hi"}, headers=alice.headers)).json()
    cid = mine["conversation_id"]
    assert (await client.get(CONVERSATIONS, headers=bob.headers)).json() == []
    peek = await client.get(f"{CONVERSATIONS}/{cid}/messages", headers=bob.headers)
    assert peek.status_code == 404
    assert peek.json() == {"detail": "Conversation not found"}
    post = await client.post(
        CHAT, json={"message": "hi", "conversation_id": cid}, headers=bob.headers
    )
    assert post.status_code == 404
    theirs = await client.get(f"{CONVERSATIONS}/{cid}/messages", headers=alice.headers)
    assert len(theirs.json()) == 2  # bob's attempt stored nothing


@pytest.mark.parametrize("conversation_id", [999999999, 0, -5, 2**31, 2**70])
async def test_unknown_conversation_is_404(client, auth_headers, conversation_id: int) -> None:
    response = await client.post(
        CHAT, json={"message": "hi", "conversation_id": conversation_id}, headers=auth_headers
    )
    assert response.status_code == 404
    messages = await client.get(f"{CONVERSATIONS}/{conversation_id}/messages", headers=auth_headers)
    assert messages.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 4001},
        {"message": 7},
        {"message": "hi", "conversation_id": "abc"},
    ],
)
async def test_invalid_chat_is_422(client: httpx.AsyncClient, auth_headers, body) -> None:
    response = await client.post(CHAT, json=body, headers=auth_headers)
    assert response.status_code == 422


async def test_message_of_4000_chars_is_accepted(client: httpx.AsyncClient, auth_headers) -> None:
    response = await client.post(CHAT, json={"message": "y" * 4000}, headers=auth_headers)
    assert response.status_code == 200


async def test_history_sent_to_the_assistant_is_bounded(client, auth_headers, monkeypatch) -> None:
    from pakaura_api.chat import ChatReply, service

    seen: list[list[str]] = []
    real = service.respond

    async def spy(access, message, history, config, *args):  # records, then answers for real
        seen.append([m.content for m in history])
        reply: ChatReply = await real(access, message, history, config, *args)
        return reply

    monkeypatch.setattr(service, "respond", spy)
    cid = None
    for n in range(12):
        body = {"message": f"hello {n}", **({"conversation_id": cid} if cid else {})}
        cid = (await client.post(CHAT, json=body, headers=auth_headers)).json()["conversation_id"]
    assert seen[0] == []
    assert len(seen[-1]) == 20
    assert seen[-1][0] == "hello 1"  # oldest first; the first turn fell out of the window
    assert seen[-1][-2] == "hello 10"


async def test_chat_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post(CHAT, json={"message": "hi"})).status_code == 401
    assert (await client.get(CONVERSATIONS)).status_code == 401


async def test_actions_stored_before_effects_existed_are_served_with_their_effect(
    client: httpx.AsyncClient, auth_headers, session
) -> None:
    from pakaura_api.models import Message
    from sqlmodel import select

    body = (await client.post(CHAT, json={"message": "add buy milk"}, headers=auth_headers)).json()
    cid = body["conversation_id"]
    [stored] = (
        await session.exec(
            select(Message).where(Message.conversation_id == cid, Message.role == "assistant")
        )
    ).all()
    old = [{k: v for k, v in a.items() if k != "effect"} for a in stored.actions]
    old.append({"tool": "retired_tool", "arguments": {}, "result": {"ok": True}})
    stored.actions = old
    session.add(stored)
    await session.commit()
    turns = (await client.get(f"{CONVERSATIONS}/{cid}/messages", headers=auth_headers)).json()
    assert [a["effect"] for a in turns[1]["actions"]] == ["upsert", "none"]
