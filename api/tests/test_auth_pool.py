"""No request holds a pooled connection while it waits on something else.

Sign-up and login used to hold their session's connection for the whole route:
- while hashing a password (Argon2: tens of ms, two at a time per process), so a crowd of
  logins held every connection of the worker's pool and the task routes waited
  `DB_POOL_TIMEOUT_SECONDS`, then answered 503;
- and login, while the login throttle asked for a connection of its own: with as many logins at
  once as the pool has connections, each waited for the others' until the pool's timeout.
Here the hasher is held still, so the crowd waits inside it for as long as the test needs, and a
pool of ONE connection must still serve a task list at once, and every route on its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pakaura_api import security

from .conftest import MakeClient, SignedUpUser, sign_up

CROWD = 6  # more than the pool (1) and the hashing slots (2)
POOL_TIMEOUT = 3.0  # seconds a request may wait for a connection before its 503


class HeldHasher:
    """Wraps the real hasher; while held, every hash and verify waits inside it."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.open = threading.Event()
        self.open.set()
        self.entered = threading.Semaphore(0)

    def hold(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def _wait(self) -> None:
        if not self.open.is_set():
            self.entered.release()
            self.open.wait(timeout=30)

    def hash(self, password: str) -> str:
        self._wait()
        return str(self.real.hash(password))

    def verify(self, password: str, password_hash: str) -> bool:
        self._wait()
        return bool(self.real.verify(password, password_hash))

    def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert self.entered.acquire(timeout=10), "the crowd never reached the hasher"


@pytest.fixture
async def one_connection(make_client: MakeClient) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(db_pool_size=1, db_pool_timeout_seconds=POOL_TIMEOUT) as client:
        yield client


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldHasher]:
    held = HeldHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", held)
    try:
        yield held
    finally:
        held.release()  # never leave threads parked (they hold the hashing slots)


async def _list_while_the_crowd_waits(
    client: httpx.AsyncClient, user: SignedUpUser, hasher: HeldHasher
) -> None:
    """A task list answers 200 at once while the crowd is parked in the hasher."""
    # Both hashing slots are taken by the crowd and the rest queue for them: all of it past
    # the database look-up, if any.
    await asyncio.to_thread(hasher.wait_entered, 2)
    await asyncio.sleep(0.2)  # the queued ones reach the slots' semaphore too
    started = time.perf_counter()
    response = await client.get("/api/v1/tasks", headers=user.headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert elapsed < POOL_TIMEOUT / 3, f"the list waited {elapsed:.2f} s for a connection"


async def test_a_crowd_of_logins_leaves_the_pool_to_the_task_routes(
    one_connection: httpx.AsyncClient, hasher: HeldHasher
) -> None:
    user = await sign_up(one_connection)
    hasher.hold()
    credentials = {"email": user.email, "password": user.password}
    logins = [
        asyncio.create_task(one_connection.post("/api/v1/auth/login", json=credentials))
        for _ in range(CROWD)
    ]
    try:
        await _list_while_the_crowd_waits(one_connection, user, hasher)
    finally:
        hasher.release()
    answers = await asyncio.gather(*logins)
    assert [answer.status_code for answer in answers] == [200] * CROWD


async def test_a_crowd_of_signups_leaves_the_pool_to_the_task_routes(
    one_connection: httpx.AsyncClient, hasher: HeldHasher
) -> None:
    user = await sign_up(one_connection)
    hasher.hold()
    signups = [asyncio.create_task(sign_up(one_connection)) for _ in range(CROWD)]
    try:
        await _list_while_the_crowd_waits(one_connection, user, hasher)
    finally:
        hasher.release()
    created = await asyncio.gather(*signups)
    assert len({new.id for new in created}) == CROWD


async def test_a_taken_email_is_still_refused(one_connection: httpx.AsyncClient) -> None:
    """Hashing first changed the order, not the answer: 409, and the account is unchanged."""
    user = await sign_up(one_connection)
    again = await one_connection.post(
        "/api/v1/auth/signup", json={"email": user.email, "password": user.password + "x"}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "Email already registered"
    login = await one_connection.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password}
    )
    assert login.status_code == 200


Step = tuple[str, str, dict[str, Any] | None, int]  # method, path, JSON body, expected status


async def _each_at_once(client: httpx.AsyncClient, auth: dict[str, str], steps: list[Step]) -> Any:
    """Send the steps in order; each must get its status well within the pool's timeout.
    Returns the last answer's JSON (or None)."""
    response = None
    for method, path, body, expected in steps:
        started = time.perf_counter()
        response = await client.request(method, path, json=body, headers=auth)
        elapsed = time.perf_counter() - started
        assert response.status_code == expected, (path, response.text)
        assert elapsed < POOL_TIMEOUT / 3, f"{method} {path} waited {elapsed:.2f} s"
    return response.json() if response is not None and response.content else None


async def test_every_route_runs_on_one_connection(one_connection: httpx.AsyncClient) -> None:
    """No route takes a second connection while it holds one: on a pool of one that waits for
    itself until `DB_POOL_TIMEOUT_SECONDS` (as login did, its session held while the login
    throttle asked for a connection of its own)."""
    client = one_connection
    user = await sign_up(client)
    wrong = {"email": user.email, "password": "wrong password"}
    await _each_at_once(
        client,
        user.headers,
        [
            ("POST", "/api/v1/auth/login", {"email": user.email, "password": user.password}, 200),
            ("POST", "/api/v1/auth/login", wrong, 401),
            ("GET", "/api/v1/auth/me", None, 200),
            ("POST", "/api/v1/tasks", {"title": "demo Kubernetes"}, 201),
            ("GET", "/api/v1/tasks?sort=due", None, 200),
            ("POST", "/api/v1/chat", {"message": "Add a task to write the docs"}, 200),
            ("POST", "/api/v1/chat/stream", {"message": "Show my tasks"}, 200),
            ("POST", "/api/v1/chat", {"message": "Mark write the docs as done"}, 200),
        ],
    )
    task = (await client.get("/api/v1/tasks", headers=user.headers)).json()[0]["id"]
    conversation = (await client.get("/api/v1/conversations", headers=user.headers)).json()[0]
    new_password = {"current_password": user.password, "new_password": user.password + " again"}
    changed = await _each_at_once(
        client,
        user.headers,
        [
            ("GET", f"/api/v1/conversations/{conversation['id']}/messages", None, 200),
            ("PATCH", f"/api/v1/tasks/{task}", {"priority": "high"}, 200),
            ("GET", f"/api/v1/tasks/{task}", None, 200),
            ("DELETE", f"/api/v1/tasks/{task}", None, 204),
            ("POST", f"/api/v1/tasks/{task}/restore", None, 200),
            ("POST", "/api/v1/auth/password", new_password, 200),
        ],
    )
    fresh = {"Authorization": f"Bearer {changed['access_token']}"}
    await _each_at_once(client, fresh, [("POST", "/api/v1/auth/logout", None, 204)])
