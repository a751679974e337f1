"""`invoke dev`: the API (SQLite) and the frontend on this machine, no cluster."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from invoke.context import Context

from . import config
from .console import console, done, skipped, step
from .prereqs import require
from .shell import run

VENV = config.ROOT / ".venv-api"
LOCK = config.ROOT / "api" / "requirements.lock"
STAMP = VENV / ".lock-sha256"


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return VENV / folder / name


def lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest() if LOCK.exists() else "no-lock"


def ensure_api_venv(c: Context, uv: str = "uv") -> None:
    """Create .venv-api from api/requirements.lock + `-e api` unless the lock is unchanged."""
    if (
        STAMP.exists()
        and STAMP.read_text().strip() == lock_digest()
        and venv_bin("pakaura-api").exists()
    ):
        skipped(".venv-api matches api/requirements.lock")
        return
    step("creating .venv-api from api/requirements.lock")
    run(
        c,
        [uv, "venv", "--allow-existing", "-p", "3.11", str(VENV)],
        fix="install uv (`pip install uv`) or run scripts/bootstrap.sh",
    )
    python = str(venv_bin("python"))
    run(c, [uv, "pip", "install", "--python", python, "--require-hashes", "-r", str(LOCK)])
    run(c, [uv, "pip", "install", "--python", python, "--no-deps", "-e", str(config.ROOT / "api")])
    STAMP.write_text(lock_digest())
    done(".venv-api ready")


def ensure_node_modules(c: Context) -> None:
    frontend = config.ROOT / "frontend"
    modules = frontend / "node_modules" / ".package-lock.json"
    lock = frontend / "package-lock.json"
    if modules.exists() and lock.exists() and modules.stat().st_mtime >= lock.stat().st_mtime:
        skipped("frontend/node_modules is current")
        return
    step("installing frontend dependencies (npm ci)")
    run(
        c,
        ["npm", "ci", "--prefix", str(frontend), "--no-audit", "--no-fund"],
        fix="check Node 20 and frontend/package-lock.json",
    )
    done("frontend dependencies installed")


def spawn(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a long-running server in its own process group so Ctrl-C can stop it cleanly."""
    # argv is built here from fixed program names and our own venv paths, never user input
    return subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, start_new_session=True)  # noqa: S603


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_dev(c: Context, api_port: int = 8000, frontend_port: int = 3000) -> int:
    """Migrate the SQLite database, then serve API and frontend until Ctrl-C or one exits."""
    tools = require("uv", "npm")
    ensure_api_venv(c, tools["uv"])
    ensure_node_modules(c)
    api_env = {
        "PAKAURA_ENV": "local",
        "PAKAURA_DATA_DIR": str(config.ROOT / ".pakaura"),  # SQLite file, wherever invoke runs
        "FRONTEND_URL": f"http://localhost:{frontend_port}",
    }
    step("migrating the local SQLite database (.pakaura/)")
    run(c, [str(venv_bin("pakaura-api")), "migrate"], env=api_env)
    processes: list[subprocess.Popen[bytes]] = []
    # The servers run in their own sessions (so a stray signal does not half-kill them): Ctrl-C,
    # a closed terminal or a `kill` of this process must still stop both.
    caught = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))
    previous = {sig: signal.signal(sig, _interrupt) for sig in caught}
    try:  # started inside the try so a Ctrl-C at any point stops what already runs
        processes.append(
            spawn(
                # loopback only: the dev server is for this machine
                [
                    str(venv_bin("pakaura-api")),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(api_port),
                ],
                config.ROOT,
                api_env,
            )
        )
        processes.append(
            spawn(
                ["npm", "run", "dev", "--", "--port", str(frontend_port)],
                config.ROOT / "frontend",
                {
                    "API_INTERNAL_URL": f"http://localhost:{api_port}",
                    "PORT": str(frontend_port),
                    "NEXT_TELEMETRY_DISABLED": "1",
                },
            )
        )
        console.print(
            f"[bold green]API[/] http://localhost:{api_port}/api/docs   "
            f"[bold green]app[/] http://localhost:{frontend_port}   (Ctrl-C stops both)"
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        names = ["API", "frontend"]
        failed_index = next(i for i, p in enumerate(processes) if p.poll() is not None)
        failed = processes[failed_index]
        console.print(
            f"[red]the {names[failed_index]} exited with {failed.returncode}; stopping the other[/]"
        )
        return failed.returncode or 1
    except KeyboardInterrupt:
        console.print("stopping API and frontend …")
        return 0
    finally:
        stop(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.stdout.flush()
