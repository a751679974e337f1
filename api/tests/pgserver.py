"""A private PostgreSQL server for tests that must stop, restart or watch the database.

The shared server (TEST_DATABASE_URL) is never stopped or reconfigured: a test that needs an
outage, a restart or a statement log gets its own throw-away cluster (`initdb` in a temporary
directory, a free loopback port, trust authentication on loopback only, removed at the end).
Used by `api/tests` (statement counts, dead-connection retry), `api/bench/run_bench.py` and
`tests/resilience/` (they import this file by path).

Statement counting reads the server's own log (`log_statement=all`): every statement the server
executed, including BEGIN/COMMIT/ROLLBACK sent by the driver itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
