"""Shared pieces of the resilience suite: real servers on loopback, attacked and crowded.

Each test module here starts what it attacks as real processes (`pakaura-api serve` on a free
loopback port; a private PostgreSQL server when it needs to stop or watch the database: see
api/tests/pgserver.py), bounds every loop in count and in time, and prints its figures.
Modules by other parts of the project sit beside these and bring their own fixtures; the names
here are specific (`api_server`, `private_pg`, `run_writers`) so they never collide.

Run: `nox -s resilience` (TEST_DATABASE_URL is not used: nothing here touches the shared server).
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The API suite's local servers (a private PostgreSQL, free ports, readiness): api/tests/pgserver.py
sys.path.insert(0, str(ROOT / "api" / "tests"))
import pgserver  # noqa: E402
from pgserver import free_port, wait_until_serving  # noqa: E402

PASSWORD = "resilience-otter-lantern-7"
JWT_SECRET = "resilience-" + "k" * 40
# Every server gets only the environment it needs (plus PYTHONPATH, so that the same suite can
# be pointed at another checkout of the API to measure "before" figures).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "PYTHONPATH", "COVERAGE_PROCESS_START")


@dataclass
class ApiServer:
    """One `pakaura-api serve` process tree (its own session, so kill -9 takes every worker)."""

    database_url: str
    data_dir: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if k in PASSED_THROUGH},
            "DATABASE_URL": self.database_url,
            "JWT_SECRET": JWT_SECRET,
            "PAKAURA_DATA_DIR": str(self.data_dir),
            "PAKAURA_ENV": "production",
            "COHERE_API_KEY": "",
            "LOG_LEVEL": "WARNING",
            **self.env_overrides,
        }

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "pakaura_api", "migrate", "--wait-seconds", "30"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, timeout: float = 60) -> float:
        """Start and wait until every worker answers; returns the seconds it took."""
        log = (self.data_dir / f"api-{self.port}.log").open("ab")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pakaura_api",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_serving(f"{self.url}/health", self.process, timeout=timeout, log=self.log_tail)
        return time.monotonic() - started

    def kill(self) -> None:
        """kill -9 of the whole process tree (supervisor and workers)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 20) -> str:
        path = self.data_dir / f"api-{self.port}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def signup(self, client: httpx.Client | None = None) -> str:
        email = f"res-{uuid.uuid4().hex[:12]}@example.com"
        http = client or httpx.Client(timeout=30)
        response = http.post(f"{self.url}/auth/signup", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return str(response.json()["access_token"])


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Callable[..., ApiServer]]:
    """`api_server(database_url, workers=2, **env)` → a migrated, running API (stopped after)."""
    servers: list[ApiServer] = []

    def start(database_url: str | None = None, workers: int = 2, **env: str) -> ApiServer:
        url = database_url or f"sqlite:///{tmp_path / 'pakaura.sqlite3'}"
        server = ApiServer(url, tmp_path, {k.upper(): v for k, v in env.items()}, workers)
        server.migrate()
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def private_pg() -> Iterator[Any]:
    """A PostgreSQL server of this test's own: the one it may stop, kill or restart."""
    if pgserver.postgres_bin() is None:
        pytest.fail(
            "PostgreSQL server binaries (initdb) are not installed: apt-get install postgresql",
            pytrace=False,
        )
    with pgserver.PrivatePostgres() as server:
        yield server


# --- load with a ledger -----------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients saw: every status with its time, and every acknowledged write."""

    started: float = field(default_factory=time.monotonic)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    events: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, status)
    acknowledged: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)

    def record(self, status: str, latency: float) -> None:
        self.statuses[status] += 1
        self.events.append((time.monotonic() - self.started, status))
        self.latencies.append(latency)

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.startswith("5"))


def run_writers(
    base_url: str,
    tokens: list[str],
    writers: int,
    seconds: float,
    *,
    max_per_writer: int = 5000,
    during: Callable[[Ledger], None] | None = None,
) -> Ledger:
    """`writers` clients create tasks for `seconds` (each at most `max_per_writer` times), round
    robin over `tokens`; titles are unique, so the ledger can be checked against the database.
    `during(ledger)` runs in a thread meanwhile (to kill or stop something mid-load)."""
    ledger = Ledger()
    run = uuid.uuid4().hex[:6]

    async def writer(n: int, client: httpx.AsyncClient, deadline: float) -> None:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        for i in range(max_per_writer):
            if time.monotonic() > deadline:
                return
            title = f"{run}-w{n}-{i}"
            sent = time.monotonic()
            try:
                response = await client.post(
                    f"{base_url}/tasks", json={"title": title}, headers=headers
                )
            except httpx.TransportError as error:  # the server is down (kill -9): not acked
                ledger.record(type(error).__name__, time.monotonic() - sent)
                await asyncio.sleep(0.05)
                continue
            ledger.record(str(response.status_code), time.monotonic() - sent)
            if response.status_code == 201:
                ledger.acknowledged.add(title)
            elif response.status_code == 503:
                assert response.headers.get("retry-after"), "503 without Retry-After"
                await asyncio.sleep(0.05)

    async def main() -> None:
        limits = httpx.Limits(max_connections=writers, max_keepalive_connections=writers)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            deadline = time.monotonic() + seconds
            tasks = [writer(n, client, deadline) for n in range(writers)]
            if during is not None:
                tasks.append(asyncio.to_thread(during, ledger))
            await asyncio.gather(*tasks)

    asyncio.run(main())
    return ledger


def stored_titles(database_url: str) -> set[str]:
    """Straight from the database (not through the API under test)."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            return {row[0] for row in conn.execute("SELECT title FROM tasks")}
    with psycopg.connect(database_url) as conn:
        return {row[0] for row in conn.execute("SELECT title FROM tasks")}


def report(name: str, ledger: Ledger, seconds: float, lost: int, **extra: object) -> None:
    total = sum(ledger.statuses.values())
    figures = ", ".join(f"{k}={v}" for k, v in extra.items())
    print(
        f"\n[{name}] {total} requests in {seconds:.0f} s ({total / seconds:.0f}/s), "
        f"statuses {dict(ledger.statuses)}, acknowledged {len(ledger.acknowledged)}, "
        f"lost {lost}, 5xx {ledger.server_errors()}, p99 {ledger.p99_ms():.0f} ms"
        + (f", {figures}" if figures else "")
    )
