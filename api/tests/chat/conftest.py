"""Fixtures for the chat tests: a throw-away PostgreSQL database, users, and the fake Cohere.

The database is created with a unique name for this run and dropped afterwards (never a shared
DB). `TEST_DATABASE_URL` is the admin URL (default: the local development server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.models import User
from .fake_cohere import FakeCohere, FakeCohereServer

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://pakaura:pakaura@localhost:5432/pakaura"
)

MakeUser = Callable[[], Awaitable[int]]


@pytest.fixture(scope="session")
def chat_database_url() -> Iterator[str]:
    admin = make_url(ADMIN_URL).set(drivername="postgresql")
    name = f"pakaura_chat_test_{uuid.uuid4().hex[:12]}"
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def chat_engine(chat_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(chat_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(chat_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(chat_engine, expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def make_user(session: AsyncSession) -> MakeUser:
    """Each call creates a fresh user and returns its id (tests never share users)."""

    async def create() -> int:
        user = User(email=f"chat-{uuid.uuid4().hex[:10]}@example.com", password_hash="x")
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
