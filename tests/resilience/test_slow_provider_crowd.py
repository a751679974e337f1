"""A slow AI provider must not take the API down for everyone (issue: 22 turns → 500s).

Self-contained: starts the real API (`pakaura-api migrate` + `pakaura-api serve`) on a free
loopback port against a fresh PostgreSQL database on the shared server (TEST_DATABASE_URL, an
admin URL; default role pakaura/pakaura on 127.0.0.1:5432) or a fresh SQLite file, with a fake
Cohere server that stalls every first call of a turn for STALL_SECONDS before asking for one
`add_task`. Then:

1. a crowd of CROWD_USERS users sends TURNS_PER_USER concurrent chat turns each (>= 40 turns in
   flight, plus turns over the per-user limit, which must get 429 with `Retry-After`);
2. while the crowd waits on the provider, another user's plain requests (list, create, list
   conversations) must all succeed with p99 < 1 s;
3. when the provider answers, every accepted turn completes (200) and has added exactly one task
   (a turn's change is never applied twice), and nothing anywhere answered 500.

Every loop is bounded in count and time; figures are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from .conftest import free_port, pgserver, wait_until_serving

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://pakaura:pakaura@127.0.0.1:5432/pakaura"
)
FAKE_KEY = "resilience-fake-cohere-key"
STALL_SECONDS = 20.0
CROWD_USERS = 20
TURNS_PER_USER = 3  # the per-user limit (default 2) lets 2 through: 40 in flight, 20 refused
OTHER_USER_SECONDS = 8.0  # how long the other user keeps working while the crowd waits
OTHER_USER_MAX_REQUESTS = 600
OTHER_USER_WORKERS = 4
START_TIMEOUT_SECONDS = 30.0
P99_LIMIT_SECONDS = 1.0


# --- the fake provider ---------------------------------------------------------------------------


class _StallingCohere(BaseHTTPRequestHandler):
    """`POST /v2/chat`: a turn's first call stalls, then asks for `add_task`; once the tool result
    is in the messages it answers with a text at once."""

    stall_seconds = STALL_SECONDS
    closing = threading.Event()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        if self.headers.get("authorization") != f"Bearer {FAKE_KEY}":
            self._send(401, {"id": "err", "message": "invalid api token"})
            return
        messages = body.get("messages", [])
        if any(message.get("role") == "tool" for message in messages):
            self._send(
                200,
                {
                    "id": "done",
                    "finish_reason": "COMPLETE",
                    "message": {"role": "assistant", "content": [{"type": "text", "text": "Ok."}]},
                },
            )
            return
        self.closing.wait(self.stall_seconds)  # bounded; ends early when the server stops
        title = f"crowd {uuid.uuid4().hex[:8]}"
        self._send(
            200,
            {
                "id": "call",
                "finish_reason": "TOOL_CALL",
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "add_1",
                            "type": "function",
                            "function": {
                                "name": "add_task",
                                "arguments": json.dumps({"title": title}),
                            },
                        }
                    ],
                },
            },
        )

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the API gave up on this call (its timeout): nothing to answer
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fake_cohere() -> Iterator[str]:
    _StallingCohere.closing.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StallingCohere)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _StallingCohere.closing.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


# --- databases and the API process ---------------------------------------------------------------


def _admin() -> str:
    return make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"pakaura_resilience_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(ADMIN_URL).set(drivername="postgresql", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("pakaura-api")
    if script.exists():
        return [str(script)]
    found = shutil.which("pakaura-api")
    return [found] if found else [sys.executable, "-m", "pakaura_api"]


@dataclass
class Api:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 15, width: int = 300) -> str:
        """The API's last log lines, each cut short (tracebacks are long)."""
        last = self.log.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(line[:width] for line in last)


def _start_api(env: dict[str, str], tmp_path: Path) -> Api:
    full_env = {**os.environ, **env}
    migrated = subprocess.run(
        [*_cli(), "migrate", "--wait-seconds", "20"],
        env=full_env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr.decode() + migrated.stdout.decode()
    port = free_port()
    log = tmp_path / "api.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*_cli(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    api = Api(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_serving(
            f"{api.url}/api/v1/health/ready",
            process,
            timeout=START_TIMEOUT_SECONDS,
            interval=0.1,
            log=api.tail,
        )
    except pgserver.NotServingError:
        _stop(api)
        raise
    return api


def _stop(api: Api) -> None:
    if api.process.poll() is None:
        api.process.send_signal(signal.SIGTERM)
        try:
            api.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            api.process.kill()
            api.process.wait(timeout=5)


# --- the crowd -----------------------------------------------------------------------------------


@dataclass
class Figures:
    crowd: Counter[int]
    crowd_retry_after: list[str]
    other: Counter[int]
    other_latencies: list[float]
    tasks_per_user: list[int]
    accepted_per_user: list[int]

    @property
    def other_p99(self) -> float:
        ordered = sorted(self.other_latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _sign_up(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": f"crowd-{uuid.uuid4().hex[:12]}@example.com",
            "password": f"Crowd-{uuid.uuid4().hex}-Resilience",
        },
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _crowd_and_other_user(base_url: str) -> Figures:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    timeout = httpx.Timeout(STALL_SECONDS + 30)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        crowd_users = [await _sign_up(client) for _ in range(CROWD_USERS)]
        other = await _sign_up(client)

        async def turn(headers: dict[str, str], n: int) -> httpx.Response:
            return await client.post(
                "/api/v1/chat", json={"message": f"add crowd task {n}"}, headers=headers
            )

        turns = [
            asyncio.create_task(turn(headers, n))
            for headers in crowd_users
            for n in range(TURNS_PER_USER)
        ]
        await asyncio.sleep(1.0)  # the crowd's turns are now waiting on the provider

        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        stop_at = time.monotonic() + OTHER_USER_SECONDS

        async def other_user(worker: int) -> None:
            n = 0
            while time.monotonic() < stop_at and len(latencies) < OTHER_USER_MAX_REQUESTS:
                n += 1
                started = time.perf_counter()
                if n % 3 == 0:
                    response = await client.post(
                        "/api/v1/tasks", json={"title": f"other {worker}-{n}"}, headers=other
                    )
                elif n % 3 == 1:
                    response = await client.get("/api/v1/tasks", headers=other)
                else:
                    response = await client.get("/api/v1/conversations", headers=other)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] += 1

        await asyncio.wait_for(
            asyncio.gather(*(other_user(w) for w in range(OTHER_USER_WORKERS))),
            timeout=OTHER_USER_SECONDS + 30,
        )
        done = await asyncio.wait_for(asyncio.gather(*turns), timeout=STALL_SECONDS + 40)

        tasks_per_user = []
        accepted_per_user = []
        for index, headers in enumerate(crowd_users):
            mine = done[index * TURNS_PER_USER : (index + 1) * TURNS_PER_USER]
            accepted_per_user.append(sum(response.status_code == 200 for response in mine))
            listed = await client.get("/api/v1/tasks", headers=headers)
            tasks_per_user.append(len(listed.json()) if listed.status_code == 200 else -1)
        return Figures(
            crowd=Counter(response.status_code for response in done),
            crowd_retry_after=[
                response.headers.get("retry-after", "")
                for response in done
                if response.status_code == 429
            ],
            other=statuses,
            other_latencies=latencies,
            tasks_per_user=tasks_per_user,
            accepted_per_user=accepted_per_user,
        )


def _report(label: str, figures: Figures) -> None:
    latencies = figures.other_latencies
    print(
        f"\n[slow-provider crowd: {label}] "
        f"crowd turns {sum(figures.crowd.values())}: {dict(sorted(figures.crowd.items()))}; "
        f"other user: {len(latencies)} requests {dict(sorted(figures.other.items()))}, "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {figures.other_p99 * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )


SCENARIOS = {
    # Room for the whole crowd in one process: 40 turns wait on the provider at once.
    "postgresql": {"CHAT_MAX_CONCURRENT": "64"},
    "sqlite": {"CHAT_MAX_CONCURRENT": "64"},
    # The defaults: the per-process limit (16) refuses the rest of the crowd.
    "postgresql-default-limits": {},
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_crowd_waiting_on_a_slow_provider_leaves_the_api_to_everyone_else(
    scenario: str, fake_cohere: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {
        "JWT_SECRET": "resilience-" + "s" * 40,
        "PAKAURA_ENV": "production",
        "PAKAURA_DATA_DIR": str(tmp_path / "data"),
        "COHERE_API_KEY": FAKE_KEY,
        "COHERE_BASE_URL": fake_cohere,
        "AI_TIMEOUT_SECONDS": str(STALL_SECONDS + 15),
        "AI_MAX_RETRIES": "0",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": "10",
        "DB_POOL_MAX_OVERFLOW": "10",
        # One worker: the turn limits are per process, so the expected 200/429 split is exact.
        "API_WORKERS": "1",
        **SCENARIOS[scenario],
    }
    if scenario.startswith("sqlite"):
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'pakaura.sqlite3'}"
    else:
        env["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    api = _start_api(env, tmp_path)
    try:
        started = time.monotonic()
        figures = asyncio.run(_crowd_and_other_user(api.url))
        _report(scenario, figures)
        print(f"  run took {time.monotonic() - started:.1f} s")
    finally:
        _stop(api)

    total = CROWD_USERS * TURNS_PER_USER
    per_process = int(SCENARIOS[scenario].get("CHAT_MAX_CONCURRENT", "16"))
    expected_accepted = min(CROWD_USERS * 2, per_process)
    assert 500 not in figures.crowd, f"crowd got 500s: {figures.crowd}\n{api.tail()}"
    assert figures.crowd[200] == expected_accepted, figures.crowd
    assert figures.crowd[429] == total - expected_accepted, figures.crowd
    assert all(value.isdigit() and int(value) >= 1 for value in figures.crowd_retry_after)
    # Each accepted turn added its one task, once.
    assert figures.tasks_per_user == figures.accepted_per_user
    # Everyone else was served, quickly, throughout.
    assert set(figures.other) <= {200, 201}, f"other user: {figures.other}\n{api.tail()}"
    assert len(figures.other_latencies) >= 20
    assert figures.other_p99 < P99_LIMIT_SECONDS, f"p99 {figures.other_p99:.2f}s\n{api.tail()}"
