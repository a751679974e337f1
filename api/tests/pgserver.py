"""Local servers for tests: a private PostgreSQL server, free loopback ports, and waiting until a
server process answers (standard library only).

The shared server (TEST_DATABASE_URL) is never stopped or reconfigured: a test that needs an
outage, a restart or a statement log gets its own throw-away cluster (`initdb` in a temporary
directory, a free loopback port, trust authentication on loopback only, removed at the end).
Used by `api/tests` (statement counts, dead-connection retry, `pakaura-api serve`) and, imported
from this folder, by `api/bench/run_bench.py`, `tests/resilience/` and `tests/e2e/`: one
`free_port` and one `wait_until_serving` for every suite that starts servers of its own.

Statement counting reads the server's own log (`log_statement=all`): every statement the server
executed, including BEGIN/COMMIT/ROLLBACK sent by the driver itself.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLE = "pakaura"
# A logged statement: simple protocol ("statement: …") or extended protocol ("execute <name>: …").
_STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s*(.*)$")


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian layout, else PATH)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NotServingError(RuntimeError):
    """A server process exited, or did not answer 200 in time."""


# The servers are on loopback: never through a proxy the environment may name.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 1) -> int:
    """The status of GET `url`; 0 when nothing answers."""
    try:
        with _DIRECT.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return 0


def wait_until_serving(
    url: str,
    process: subprocess.Popen[Any] | None = None,
    *,
    timeout: float = 60,
    interval: float = 0.05,
    probe_timeout: float = 1,
    log: Callable[[], str] | None = None,
) -> float:
    """Poll GET `url` until it answers 200; returns the seconds it took. `NotServingError` as
    soon as `process` has exited, or after `timeout` seconds; its message ends with `log()`
    (e.g. the server's last lines) when given."""

    def failed(problem: str) -> NotServingError:
        return NotServingError(f"{url}: {problem}" + (f"\n{log()}" if log else ""))

    started = time.monotonic()
    while True:
        if http_status(url, probe_timeout) == 200:
            return time.monotonic() - started
        if process is not None and process.poll() is not None:
            raise failed(f"the server exited with code {process.returncode}")
        if time.monotonic() - started > timeout:
            raise failed(f"no 200 within {timeout:.0f} s")
        time.sleep(interval)


@dataclass
class PrivatePostgres:
    """`with PrivatePostgres() as pg:` → a running server; `pg.url(db)`, `pg.stop()`,
    `pg.start()`, `pg.restart()`, `pg.kill()`; `pg.statements()` for the statement log."""

    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pakaura-pg-")))
    bindir: Path | None = field(default_factory=postgres_bin)

    def __post_init__(self) -> None:
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.socket_dir = self.root / "socket"

    # --- lifecycle -----------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", ROLE, "-A", "trust", "--no-sync")
        config = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "on",  # durability tests need the real thing
            "max_connections": "200",
            "logging_collector": "off",
            "log_line_prefix": "'%m [%p] '",
            **self.settings,
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            for name, value in config.items():
                conf.write(f"{name} = {value}\n")

    def start(self, timeout: float = 30) -> None:
        if not self.data.exists():
            self.init()
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """The postmaster dies at once (kill -9); `start()` recovers from the WAL."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().splitlines()[0])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.destroy()

    # --- use -----------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str) -> str:
        result = self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            ROLE,
            "-d",
            "postgres",
            "-qAtc",
            statement,
        )
        return result.stdout.strip()

    def log_position(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def statements(self, since: int = 0) -> list[str]:
        """Statements the server logged after byte offset `since` (needs log_statement=all)."""
        with self.log.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode(errors="replace")
        return [m.group(1).strip() for line in text.splitlines() if (m := _STATEMENT.search(line))]

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        """`with pg.counting() as statements: …` → the statements logged inside the block."""
        start = self.log_position()
        found: list[str] = []
        yield found
        time.sleep(0.05)  # backends write their log lines unbuffered; let the last one land
        found.extend(self.statements(start))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
