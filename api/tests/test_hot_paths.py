"""The speed measures of issue 11 change nothing a client can see: the decoded-token cache never
serves an expired token or one checked with another key, and stays bounded; statements sent
straight to psycopg (`db.fetch`) fail exactly as through SQLAlchemy."""

from __future__ import annotations

import json

import httpx
import pytest
from pakaura_api import db, security
from pakaura_api.config import Settings
from pakaura_api.security import InvalidTokenError, create_access_token, decode_access_token
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine


def test_a_decoded_token_is_reused_until_it_expires(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = create_access_token(7, 0, settings)
    first = decode_access_token(token, settings)
    assert decode_access_token(token, settings) is first  # from the cache
    later = first.expires_at.timestamp() + 1
    monkeypatch.setattr(security.time, "time", lambda: later)

    def expired(_token: str, _settings: Settings) -> security.Principal:
        raise InvalidTokenError("Signature has expired")

    monkeypatch.setattr(security, "_decode", expired)
    with pytest.raises(InvalidTokenError):  # past its expiry: decoded again (and refused)
        decode_access_token(token, settings)


def test_a_cached_token_is_not_valid_under_another_key(settings: Settings) -> None:
    token = create_access_token(8, 0, settings)
    decode_access_token(token, settings)
    other = settings.model_copy(update={"jwt_secret": type(settings.jwt_secret)("x" * 64)})
    with pytest.raises(InvalidTokenError):
        decode_access_token(token, other)


def test_the_token_cache_is_bounded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "DECODED_MAX", 3)
    monkeypatch.setattr(security, "_decoded", {})
    tokens = [create_access_token(user_id, 0, settings) for user_id in range(1, 6)]
    for token in tokens:
        decode_access_token(token, settings)
    assert len(security._decoded) == 3
    assert decode_access_token(tokens[0], settings).user_id == 1  # decoded again: still valid


@pytest.fixture
def engine(app: object) -> AsyncEngine:
    autocommit: AsyncEngine = app.state.autocommit_engine  # type: ignore[attr-defined]
    return autocommit


async def test_driver_errors_are_sqlalchemy_errors(engine: AsyncEngine) -> None:
    duplicate = text("INSERT INTO unique_ids VALUES (:id)")
    read = text("SELECT 1 / 0 AS never")
    async with engine.connect() as connection:
        await connection.execute(text("CREATE TEMPORARY TABLE unique_ids (id int PRIMARY KEY)"))
        await db.fetch(connection, duplicate, {"id": 1})
        with pytest.raises(IntegrityError):
            await db.fetch(connection, duplicate, {"id": 1})
        with pytest.raises(Exception, match="division by zero"):
            await db.fetch(connection, read, {})
        assert list(await db.fetch(connection, text("SELECT 1"), {})) == [(1,)]


async def test_a_connection_the_server_closed_is_invalidated(engine: AsyncEngine) -> None:
    async with engine.connect() as victim, engine.connect() as killer:
        pid = (await db.fetch(victim, text("SELECT pg_backend_pid()"), {}))[0][0]
        await db.fetch(killer, text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError) as raised:
            await db.fetch(victim, text("SELECT 1"), {})
        assert raised.value.connection_invalidated


TASKS = "/api/v1/tasks"
CHAT = "/api/v1/chat"
ROUTED = {"Origin": "http://elsewhere.example"}  # a cross-origin request: always the FastAPI route


async def test_the_list_answers_as_the_route_does(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    for n in range(3):
        body = {"title": f"task {n}", "priority": "high" if n else "low", "due_date": "2031-02-03"}
        assert (await client.post(TASKS, json=body, headers=auth_headers)).status_code == 201
    queries = ["", "?limit=2", "?status=pending&sort=due&offset=1", "?sort=priority&limit=500"]
    # Not the plain form: the route answers (last value wins, unknown names are ignored, 422s).
    queries += ["?status=all&status=completed", "?unknown=1", "?limit=0", "?limit=x", "?sort="]
    for query in queries:
        hot = await client.get(TASKS + query, headers=auth_headers)
        routed = await client.get(TASKS + query, headers={**auth_headers, **ROUTED})
        assert (hot.status_code, hot.json()) == (routed.status_code, routed.json()), query
        assert hot.headers.get("x-next-offset") == routed.headers.get("x-next-offset"), query
        assert hot.headers["x-content-type-options"] == "nosniff"
        assert hot.headers["x-request-id"]


async def test_a_new_task_is_answered_as_the_route_does(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    body = {"title": "Write it down", "priority": "high", "due_date": "2031-02-03"}
    hot = await client.post(TASKS, json=body, headers=auth_headers)
    routed = await client.post(TASKS, json=body, headers={**auth_headers, **ROUTED})
    assert hot.status_code == routed.status_code == 201
    varying = ("id", "created_at", "updated_at")
    assert {k: v for k, v in hot.json().items() if k not in varying} == {
        k: v for k, v in routed.json().items() if k not in varying
    }
    refused = [{"title": ""}, {"title": "x", "priority": "urgent"}, {"title": "x", "due_date": "1"}]
    for body in refused:
        hot = await client.post(TASKS, json=body, headers=auth_headers)
        routed = await client.post(TASKS, json=body, headers={**auth_headers, **ROUTED})
        assert (hot.status_code, hot.json()) == (routed.status_code, routed.json()), body


async def test_a_change_is_answered_as_the_route_does(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    created = await client.post(TASKS, json={"title": "Change me"}, headers=auth_headers)
    task = f"{TASKS}/{created.json()['id']}"
    for body in ({"completed": True}, {"completed": False, "priority": "low"}, {"title": ""}):
        hot = await client.patch(task, json=body, headers=auth_headers)
        routed = await client.patch(task, json=body, headers={**auth_headers, **ROUTED})
        assert hot.status_code == routed.status_code, body
        hot_body, routed_body = hot.json(), routed.json()
        if hot.status_code == 200:
            hot_body.pop("updated_at"), routed_body.pop("updated_at")
        assert hot_body == routed_body, body
    for path in (f"{TASKS}/0", f"{TASKS}/99999999999", f"{TASKS}/x", f"{task}/restore"):
        hot = await client.patch(path, json={"completed": True}, headers=auth_headers)
        routed = await client.patch(path, json={"completed": True}, headers=ROUTED | auth_headers)
        assert (hot.status_code, hot.json()) == (routed.status_code, routed.json()), path


async def test_a_chat_turn_answers_as_the_route_does(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    first = await client.post(CHAT, json={"message": "add buy milk"}, headers=auth_headers)
    assert first.status_code == 200, first.text
    turn = {"message": "show my tasks", "conversation_id": first.json()["conversation_id"]}
    hot = await client.post(CHAT, json=turn, headers=auth_headers)
    routed = await client.post(CHAT, json=turn, headers={**auth_headers, **ROUTED})
    assert (hot.status_code, hot.json()) == (routed.status_code, routed.json())
    assert first.json()["actions"][0]["effect"] == "upsert"
    # Refusals keep the route's exact shape: a body it refuses, a conversation not yours.
    for body, status in (({"message": "  "}, 422), ({"message": "hi", "conversation_id": 0}, 404)):
        hot = await client.post(CHAT, json=body, headers=auth_headers)
        routed = await client.post(CHAT, json=body, headers={**auth_headers, **ROUTED})
        assert hot.status_code == routed.status_code == status, hot.text
        assert hot.json() == routed.json()
    not_json = await client.post(CHAT, content=b"{", headers=auth_headers)
    assert not_json.status_code == 422


async def test_without_a_valid_token_the_route_answers(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = await client.get(TASKS, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_json_columns_read_as_json_loads_reads_them() -> None:
    for stored in ("[]", '[{"a": 1, "a": 2}]', '{"x": [1.0, 1e400, NaN, "\\u00e9"]}', '"\\ud800"'):
        expected, found = json.loads(stored), db.json_loads(stored.encode())
        assert repr(found) == repr(expected), stored
