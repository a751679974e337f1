"""Chat test fixtures. The database, app, `client`, `session` and `make_user` come from the shared
`api/tests/conftest.py` (a fresh, migrated PostgreSQL database per run); this adds a user-id
factory and the fake Cohere server."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator

import pytest
from pakaura_api.config import Settings
from pakaura_api.models import User
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from ..conftest import LiveServer, serving
from .fake_cohere import API_KEY, FakeCohere, FakeCohereServer

NewUser = Callable[[], Awaitable[int]]


@pytest.fixture
def new_user(session: AsyncSession) -> NewUser:
    """`await new_user()` → the id of a fresh user (tests never share users).

    Inserted directly rather than through signup (`make_user`): the chat only needs the row, and
    skipping ~70 password hashes keeps this suite fast.
    """

    async def create() -> int:
        user = User(email=f"chat-{uuid.uuid4().hex[:12]}@example.com", password_hash="unused")
        session.add(user)
        await session.commit()
        await session.refresh(user)
        assert user.id is not None
        return user.id

    return create


@pytest.fixture(scope="session")
def fake_cohere_server() -> Iterator[FakeCohere]:
    with FakeCohereServer() as fake:
        yield fake


@pytest.fixture
def fake_cohere(fake_cohere_server: FakeCohere) -> Iterator[FakeCohere]:
    fake_cohere_server.reset()
    yield fake_cohere_server
    fake_cohere_server.reset()


@pytest.fixture(scope="session")
def demo_server(settings: Settings) -> Iterator[LiveServer]:
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def ai_server(settings: Settings, fake_cohere_server: FakeCohere) -> Iterator[LiveServer]:
    ai = settings.model_copy(
        update={
            "cohere_api_key": SecretStr(API_KEY),
            "cohere_base_url": fake_cohere_server.base_url,
            "ai_timeout_seconds": 10.0,
            "ai_max_retries": 0,
        }
    )
    with serving(ai) as server:
        yield server
