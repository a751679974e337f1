"""Statements per demo chat turn, counted on the wire and asserted (issue 11): a turn's reads are
one statement, its task change one, its storage one — at most 3, never a BEGIN/COMMIT."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from pakaura_api.config import Settings

from .wire import StatementCounter

CHAT = "/api/v1/chat"
MakeClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK")


@pytest.fixture
async def counter(settings: Settings) -> AsyncIterator[StatementCounter]:
    url = settings.database()
    counting = StatementCounter(url.host or "127.0.0.1", url.port or 5432)
    await counting.start()
    yield counting
    await counting.close()


async def test_a_demo_turn_is_at_most_three_statements(
    make_client: MakeClient, settings: Settings, counter: StatementCounter
) -> None:
    url = settings.database().set(
        drivername="postgresql", host="127.0.0.1", port=counter.port, query={"sslmode": "disable"}
    )
    database_url = url.render_as_string(hide_password=False)
    # Pre-ping off (the default the API contract sets): a checkout costs no round trip.
    async with make_client(database_url=database_url, db_pool_pre_ping=False) as client:
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"email": f"count-{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12},
        )
        headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
        conversation: int | None = None
        counts: dict[str, int] = {}
        messages = [
            "Add a task to buy milk tomorrow",  # new conversation, no read needed
            "Add a task to call mom",
            "mark buy milk as done",  # resolves the title from the tasks read with the turn
            "show my tasks",
            "rename call mom to call dad",
            "delete it",
            "hello",
        ]
        # Twice: the second round runs on psycopg's prepared statements (counted the same).
        for message in messages + [f"{m} again" if m.startswith("Add") else m for m in messages]:
            body: dict[str, Any] = {"message": message}
            if conversation is not None:
                body["conversation_id"] = conversation
            with counter.count() as statements:
                response = await client.post(CHAT, json=body, headers=headers)
            assert response.status_code == 200, response.text
            assert len(statements) <= 3, (message, statements)
            assert not [s for s in statements if s.upper().startswith(TRANSACTION)]
            counts.setdefault(message, len(statements))  # the first round's
            conversation = response.json()["conversation_id"]
    print(f"statements per demo chat turn: {counts}")
    assert counts["Add a task to buy milk tomorrow"] == 2  # INSERT task; store the turn
    assert counts["Add a task to call mom"] == 3  # read (history); INSERT task; store
    assert counts["mark buy milk as done"] == 3  # read (history + tasks); UPDATE; store
    assert counts["delete it"] == 3
    assert counts["show my tasks"] == 2  # read; store
    assert counts["hello"] == 2  # read (history); store
