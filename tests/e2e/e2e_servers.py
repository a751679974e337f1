"""The real services the browser tests drive: the API (`pakaura-api`) and the frontend's
production build (`node server.js` from `.next/standalone`, laid out as the Dockerfile does).
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STANDALONE = FRONTEND / ".next" / "standalone"
ARTIFACTS = ROOT / "artifacts" / "e2e"
SCREENSHOTS = ARTIFACTS / "screenshots"  # CI keeps artifacts/; the report lists these

# Free ports and waiting until a server answers: the local-server helpers the test suites share
# (api/tests/pgserver.py, standard library only). Appended, so this suite's own modules win.
sys.path.append(str(ROOT / "api" / "tests"))
from pgserver import free_port, wait_until_serving  # noqa: E402


def memory_mib(pid: int, field: str = "VmRSS") -> float | None:
    """A live process's memory figure from /proc/<pid>/status (Linux), in MiB: `VmRSS` (resident
    now) or `VmHWM` (the peak so far); None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mib(pid: int) -> float | None:
    """Resident memory of a live process."""
    return memory_mib(pid, "VmRSS")


@dataclass
class Service:
    """A child process with its own port and log file that can be stopped and started again."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_path: str
    cwd: Path = ROOT
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait for readiness; returns the seconds from spawn to the first 200."""
        self.log = (ARTIFACTS / f"{self.name}.log").open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env={**os.environ, **self.env, "PORT": str(self.port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until_serving(
            self.url + self.ready_path,
            self.process,
            interval=0.1,
            probe_timeout=2,
            log=lambda: f"logs in {ARTIFACTS}",
        )
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()
        self.process = None


def pakaura_api_executable() -> str:
    """The console script installed next to this interpreter (the nox session's venv)."""
    beside = Path(sys.executable).parent / "pakaura-api"
    found = str(beside) if beside.exists() else shutil.which("pakaura-api")
    if not found:
        raise RuntimeError("pakaura-api is not installed in this environment")
    return found


def api_service(database_url: str, frontend_url: str) -> Service:
    executable = pakaura_api_executable()
    env = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "COHERE_API_KEY": "",  # demo mode: the tests never depend on an AI provider
        "FRONTEND_URL": frontend_url,
        "LOG_LEVEL": "INFO",
    }
    # `migrate` once, then `serve` on each start.
    migrate = subprocess.run(
        [executable, "migrate"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
        check=False,
    )
    (ARTIFACTS / "api-migrate.log").write_bytes(migrate.stdout + migrate.stderr)
    if migrate.returncode != 0:
        raise RuntimeError(f"pakaura-api migrate failed; see {ARTIFACTS / 'api-migrate.log'}")
    service = Service("api", [], env, "/api/v1/health/ready")
    service.command = [executable, "serve", "--host", "127.0.0.1", "--port", str(service.port)]
    return service


def prepare_standalone() -> Path:
    """Lay out the standalone server as the container image does (static + public beside it)."""
    server = STANDALONE / "server.js"
    if not server.exists():
        raise RuntimeError("frontend/.next/standalone is missing: run `npm run build` in frontend/")
    static = STANDALONE / ".next" / "static"
    shutil.rmtree(static, ignore_errors=True)
    shutil.copytree(FRONTEND / ".next" / "static", static)
    public = STANDALONE / "public"
    shutil.rmtree(public, ignore_errors=True)
    shutil.copytree(FRONTEND / "public", public)
    return server


def frontend_service(api_url: str, port: int) -> Service:
    server = prepare_standalone()
    node = shutil.which("node")
    if not node:
        raise RuntimeError("node is not on PATH")
    env = {
        "API_INTERNAL_URL": api_url,
        "HOSTNAME": "127.0.0.1",
        "NODE_ENV": "production",
        "NEXT_TELEMETRY_DISABLED": "1",
    }
    return Service("frontend", [node, str(server)], env, "/", cwd=STANDALONE, port=port)


class CommandSwitch:
    """Stops and starts the API of a deployment this suite did not start (E2E_BASE_URL), with
    the commands the caller gives (e.g. `docker-compose stop api`), then waits until the API is
    ready again, seen through the frontend's /api proxy as a browser would."""

    def __init__(self, stop_command: str, start_command: str, base_url: str) -> None:
        self.stop_command = shlex.split(stop_command)
        self.start_command = shlex.split(start_command)
        self.ready_url = base_url.rstrip("/") + "/api/v1/health/ready"

    def stop(self) -> None:
        subprocess.run(self.stop_command, check=True, timeout=120, capture_output=True)

    def start(self) -> None:
        subprocess.run(self.start_command, check=True, timeout=120, capture_output=True)
        wait_until_serving(self.ready_url, interval=0.2, probe_timeout=2)
