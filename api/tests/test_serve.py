"""The real command line on SQLite with no environment at all: migrate, serve, logs, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_migrate_then_serve_with_no_environment(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    cli = [sys.executable, "-m", "pakaura_api"]
    migrate = subprocess.run(
        [*cli, "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert (tmp_path / ".pakaura" / "pakaura.sqlite3").exists()
    assert (tmp_path / ".pakaura" / "jwt-secret").exists()

    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server never became ready"
            time.sleep(0.1)
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
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
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


def _wait_ready(base: str, server: subprocess.Popen[str], seconds: float = 20) -> float:
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        assert server.poll() is None, "server exited"
        assert time.monotonic() - started < seconds, "server never became ready"
        time.sleep(0.05)


def test_two_workers_serve_and_all_stop_on_sigterm(tmp_path) -> None:
    from pakaura_api.cli import SHUTDOWN_BUDGET_SECONDS

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    cli = [sys.executable, "-m", "pakaura_api"]
    subprocess.run([*cli, "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env={**env, "API_WORKERS": "2"},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        ready = _wait_ready(base, server)
        print(f"serve --workers 2: ready in {ready:.2f} s")
        for _ in range(20):
            assert httpx.get(f"{base}/health").status_code == 200
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=SHUTDOWN_BUDGET_SECONDS + 5)
        stopped = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    print(f"SIGTERM -> all processes gone in {stopped:.2f} s")
    assert stopped < SHUTDOWN_BUDGET_SECONDS
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    events = [line["event"] for line in lines]
    assert events.count("api.started") == 2
    assert events.count("api.stopped") == 2  # each worker shut down gracefully
    assert any(
        e["event"] == "serve" and e["workers"] == 2 and e["host"] == "127.0.0.1" for e in lines
    )
