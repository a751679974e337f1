"""Thin wrappers over Debian's docker CLI (20.10) and docker-compose (v1), plus plain HTTP.

Standard library only. The CLIs are named explicitly because a newer docker CLI without buildx
may come first on PATH; PAKAURA_DOCKER / PAKAURA_COMPOSE override them.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "containers"
VERSION = (ROOT / "VERSION").read_text().strip()
DOCKER = os.environ.get("PAKAURA_DOCKER", "/usr/bin/docker")
# Compose v2 works too: PAKAURA_COMPOSE="docker compose".
COMPOSE = shlex.split(os.environ.get("PAKAURA_COMPOSE", "/usr/bin/docker-compose"))
PROJECT = os.environ.get("PAKAURA_COMPOSE_PROJECT", "pakaura-ci")

API_IMAGE = f"pakaura-api:{VERSION}"
FRONTEND_IMAGE = f"pakaura-frontend:{VERSION}"

# What the session prints and writes to artifacts/containers/report.json; tests add timings.
REPORT: dict[str, Any] = {"version": VERSION}
# Logs of containers that a `down` removed, kept for the secrets check and the artifacts.
LOG_ARCHIVE: list[str] = []


def run(
    *cmd: str, env: Mapping[str, str] | None = None, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; raise with the output when it fails."""
    result = subprocess.run(
        cmd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


def docker(*args: str, check: bool = True, timeout: float = 900) -> str:
    return run(DOCKER, *args, check=check, timeout=timeout).stdout.strip()


def inspect(name: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(docker("inspect", name))
    return data[0]


def image_size(image: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """The compose.yaml stack under a fixed project name, with this run's secrets and ports."""

    secrets: dict[str, str]
    api_port: int
    frontend_port: int
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {
            **self.secrets,
            "API_PORT": str(self.api_port),
            "FRONTEND_PORT": str(self.frontend_port),
            "PAKAURA_VERSION": VERSION,
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def frontend_url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}"

    def compose_command(self, *args: str) -> list[str]:
        return [*COMPOSE, "-p", PROJECT, "-f", str(ROOT / "compose.yaml"), *args]

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> str:
        cmd = self.compose_command(*args)
        return run(*cmd, env=self.env, check=check, timeout=timeout).stdout.strip()

    def container(self, service: str) -> str:
        """The container id of a service (running or exited)."""
        ids = self.compose("ps", "-a", "-q", service).split()
        assert ids, f"no container for service {service}"
        return ids[0]

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--timestamps", check=False)

    def wait_ready(self, timeout: float = 180) -> float:
        """Seconds until the API is ready (schema at head) and the frontend answers."""
        started = time.monotonic()
        wait_until(
            lambda: get(f"{self.api_url}/api/v1/health/ready")[0] == 200
            and get(f"{self.frontend_url}/healthz")[0] == 200,
            timeout=timeout,
            what="API readiness and frontend /healthz",
        )
        return time.monotonic() - started


def request(
    method: str,
    url: str,
    body: Mapping[str, Any] | None = None,
    token: str | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    """(status, parsed JSON or text); status 0 when nothing answers."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 (loopback)
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        status, raw = int(error.code), error.read()
    except (urllib.error.URLError, OSError):
        return 0, None
    text = raw.decode(errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def get(url: str, timeout: float = 10) -> tuple[int, Any]:
    return request("GET", url, timeout=timeout)


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.5
) -> float:
    """Poll until predicate() is true; return the seconds it took, fail after timeout."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
