"""Shared fixtures: a fresh, migrated PostgreSQL database per test run, the app, clients, users.

Fixture names are stable (the chat tests reuse them): `database_url`, `settings`, `app`,
`client`, `session`, `make_client`, `make_user`, `auth_headers`, `create_database`,
`private_postgres` (a server of our own, see `pgserver.py`) and `counted_client` (statement
counts, see `statements.py`).
Never touches an existing database: every database made here has a unique name and is dropped.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from alembic import command
from fastapi import FastAPI
from pakaura_api.config import Settings, load_settings
from pakaura_api.logging import configure_logging
from pakaura_api.main import create_app
from pakaura_api.migrate import alembic_config, run_migrations
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from .pgserver import PrivatePostgres, free_port, postgres_bin
from .proxy import TcpProxy
from .statements import CountedClient

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://pakaura:pakaura@localhost:5432/pakaura"
)
TEST_JWT_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


def _admin_conninfo() -> str:
    url = make_url(ADMIN_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _database_url(name: str) -> str:
    url = make_url(ADMIN_URL).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates uniquely named empty databases and drops them all at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, prefix: str = "pakaura_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return _database_url(name)

    def drop_all(self) -> None:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def create_database() -> Iterator[DatabaseFactory]:
    """`create_database()` → URL of a new empty PostgreSQL database (dropped after the run)."""
    factory = DatabaseFactory()
    yield factory
    factory.drop_all()


def migrate_to(url: str, revision: str) -> None:
    """Upgrade the PostgreSQL database at `url` to `revision` with Alembic: a migration's test
    starts from the revision before it, writes rows, then migrates."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(create_database: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The run's database, migrated to head with the same code as `pakaura-api migrate`."""
    url = create_database()
    run_migrations(_settings_for(url, tmp_path_factory.mktemp("migrate")), wait_seconds=10)
    return url


def _settings_for(url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "jwt_secret": TEST_JWT_SECRET,
        "pakaura_env": "production",
        "pakaura_data_dir": data_dir,
        "cohere_api_key": "",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Production-mode settings on the test database, demo chat (no Cohere key)."""
    configure_logging("WARNING")  # JSON lines like production, without a line per request
    return _settings_for(database_url, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()
    await application.state.probe_engine.dispose()


def _client(application: FastAPI) -> httpx.AsyncClient:
    # Login throttling is kept in the database, per client address: each client gets its own
    # address (set by the trusted peer 127.0.0.1 as a proxy would), so tests never share counts.
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application),
        base_url="http://testserver",
        headers={"X-Forwarded-For": unique_client_address()},
    )


def unique_client_address() -> str:
    """A fresh address from 198.18.0.0/15 (the benchmarking range: never a real client)."""
    value = uuid.uuid4().int
    return f"198.{18 + value % 2}.{value // 2 % 256}.{value // 512 % 254 + 1}"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as http:
        yield http


MakeClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client(settings: Settings) -> MakeClient:
    """`async with make_client(ai_timeout_seconds=1) as client:` → a client on its own app,
    built from the test settings with those fields changed (its own login limiter, too)."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        custom = _settings_for(
            settings.database().render_as_string(hide_password=False),
            settings.pakaura_data_dir,
            **overrides,
        )
        application = create_app(custom)
        try:
            async with _client(application) as http:
                http.app = application  # type: ignore[attr-defined]
                yield http
        finally:
            await application.state.engine.dispose()
            await application.state.probe_engine.dispose()

    return factory


@pytest.fixture
async def proxied_database(database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """The test database behind a `TcpProxy` (its `set_mode` cuts it off): (proxy, its URL)."""
    target = make_url(database_url)
    proxy = TcpProxy(target.host or "localhost", target.port or 5432)
    await proxy.start()
    try:
        through_proxy = target.set(host="127.0.0.1", port=proxy.port)
        yield proxy, through_proxy.render_as_string(hide_password=False)
    finally:
        await proxy.close()


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.sessionmaker() as db:
        yield db


@dataclass
class SignedUpUser:
    id: int
    email: str
    password: str
    token: str
    name: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


MakeUser = Callable[..., Awaitable[SignedUpUser]]


async def sign_up(
    client: httpx.AsyncClient,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> SignedUpUser:
    """A new user signed up through the API (a unique email unless given)."""
    email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
    response = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, "name": name}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    token = body["access_token"]
    return SignedUpUser(
        id=body["user"]["id"],
        email=email,
        password=password,
        token=token,
        name=name,
        headers={"Authorization": f"Bearer {token}"},
    )


async def signed_up_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """Authorization headers of a new user signed up through `client` (any app's client)."""
    return (await sign_up(client)).headers


@pytest.fixture
def make_user(client: httpx.AsyncClient) -> MakeUser:
    """`await make_user()` → a new signed-up user (unique email) with `.headers` for requests."""

    async def factory(
        email: str | None = None, password: str = PASSWORD, name: str | None = "Test User"
    ) -> SignedUpUser:
        return await sign_up(client, email, password, name)

    return factory


@pytest.fixture
async def auth_headers(make_user: MakeUser) -> dict[str, str]:
    """Authorization headers of a fresh user."""
    return (await make_user()).headers


@dataclass
class LiveServer:
    url: str
    app: FastAPI


@contextmanager
def serving(settings: Settings) -> Iterator[LiveServer]:
    """The app on a real uvicorn server (own thread and event loop, free loopback port): for
    clients that need a socket (schemathesis, reading a stream as it arrives, hanging up
    mid-stream). In-process, so coverage sees the code it runs."""
    port = free_port()
    application = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=application)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """A real server on the test database, for the whole run."""
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test run's own (loopback, free port, statement log on): the
    one a test may restart or stop. Never the shared server."""
    if postgres_bin() is None:
        pytest.fail(
            "PostgreSQL server binaries (initdb) are not installed: apt-get install postgresql",
            pytrace=False,
        )
    with PrivatePostgres(settings={"log_statement": "'all'"}) as server:
        yield server


@pytest.fixture
async def counted_client(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> AsyncIterator[CountedClient]:
    """An app on a fresh database of `private_postgres`: count what each request executes."""
    url = private_postgres.create_database(f"counted_{uuid.uuid4().hex[:8]}")
    settings = _settings_for(url, tmp_path)
    run_migrations(settings, wait_seconds=10)
    application = create_app(settings)
    try:
        async with _client(application) as http:
            yield CountedClient(http=http, server=private_postgres)
    finally:
        await application.state.engine.dispose()
        await application.state.probe_engine.dispose()
