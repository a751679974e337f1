"""Chat test fixtures. The database, app, `client`, `session` and `make_user` come from the shared
`api/tests/conftest.py` (a fresh, migrated PostgreSQL database per run); this adds a user-id
factory and the fake Cohere server."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from pakaura_api.config import Settings
from pakaura_api.main import create_app
from pakaura_api.models import User
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

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


@dataclass
class Server:
    url: str
    app: FastAPI


@contextmanager
def serving(settings: Settings) -> Iterator[Server]:
    """The app on a real uvicorn server (own thread and event loop, free loopback port): for
    clients that need a socket, e.g. to read a stream as it arrives or to hang up mid-stream."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    application = create_app(settings)
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", app=application)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def demo_server(settings: Settings) -> Iterator[Server]:
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def ai_server(settings: Settings, fake_cohere_server: FakeCohere) -> Iterator[Server]:
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
