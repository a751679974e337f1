"""The real command line on SQLite with no environment at all: migrate, serve, logs, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from .pgserver import free_port, wait_until_serving

CLI = [sys.executable, "-m", "pakaura_api"]
# No settings at all: only what any shell has.
BARE_ENV = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}


@contextmanager
def serving(
    cwd: Path, *args: str, env: dict[str, str] = BARE_ENV
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`pakaura-api serve` on a free port, its output captured: (the process, the API's base
    URL). Killed afterwards if the test did not stop it."""
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield server, f"http://127.0.0.1:{port}/api/v1"
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()


def test_migrate_then_serve_with_no_environment(tmp_path) -> None:
    migrate = subprocess.run(
        [*CLI, "migrate"], env=BARE_ENV, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert (tmp_path / ".pakaura" / "pakaura.sqlite3").exists()
    assert (tmp_path / ".pakaura" / "jwt-secret").exists()

    with serving(tmp_path, "--workers", "1") as (server, base):
        wait_until_serving(f"{base}/health/ready", server, timeout=15, interval=0.1)
        signup = httpx.post(
            f"{base}/auth/signup",
            json={"email": "local@example.com", "password": "tawny-otter-lantern"},
        )
        assert signup.status_code == 201
        token = signup.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "trace-me-42"}
        created = httpx.post(f"{base}/tasks", json={"title": "local task"}, headers=headers)
        assert created.status_code == 201
        assert created.headers["x-request-id"] == "trace-me-42"
        listed = httpx.get(f"{base}/tasks", headers={"Authorization": f"Bearer {token}"})
        assert [t["title"] for t in listed.json()] == ["local task"]
        assert len(listed.headers["x-request-id"]) == 32
        chat = httpx.post(f"{base}/chat", json={"message": "hello"}, headers=headers)
        assert chat.status_code == 200
        assert chat.json()["mode"] == "demo"
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    # uvicorn exits by re-raising the SIGTERM it handled, after a complete graceful shutdown.
    assert server.returncode in (0, -signal.SIGTERM), output

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    events = [line["event"] for line in lines]
    assert events[0] == "settings"
    assert "jwt_secret" in lines[0]
    assert lines[0]["jwt_secret"] == "**********"
    assert "api.stopped" in events  # graceful shutdown ran the lifespan's end
    assert events[-1] == f"Finished server process [{server.pid}]"
    requests = [line for line in lines if line["event"] == "request"]
    assert any(r["request_id"] == "trace-me-42" and r["path"] == "/api/v1/tasks" for r in requests)
    assert all(
        {"method", "path", "status", "duration_ms", "level", "timestamp"} <= set(r)
        for r in requests
    )
    secret = (tmp_path / ".pakaura" / "jwt-secret").read_text().strip()
    for forbidden in (token, secret, "tawny-otter-lantern", "Bearer"):
        assert forbidden not in output


def test_two_workers_serve_and_all_stop_on_sigterm(tmp_path) -> None:
    from pakaura_api.cli import SHUTDOWN_BUDGET_SECONDS

    subprocess.run([*CLI, "migrate"], env=BARE_ENV, cwd=tmp_path, check=True, capture_output=True)
    with serving(tmp_path, env={**BARE_ENV, "API_WORKERS": "2"}) as (server, base):
        ready = wait_until_serving(f"{base}/health/ready", server, timeout=20)
        print(f"serve --workers 2: ready in {ready:.2f} s")
        for _ in range(20):
            assert httpx.get(f"{base}/health").status_code == 200
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=SHUTDOWN_BUDGET_SECONDS + 5)
        stopped = time.monotonic() - started
    print(f"SIGTERM -> all processes gone in {stopped:.2f} s")
    assert stopped < SHUTDOWN_BUDGET_SECONDS
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    events = [line["event"] for line in lines]
    assert events.count("api.started") == 2
    assert events.count("api.stopped") == 2  # each worker shut down gracefully
    assert any(
        e["event"] == "serve" and e["workers"] == 2 and e["host"] == "127.0.0.1" for e in lines
    )
