"""`invoke dev`: the API (SQLite) and the web app on this machine, no cluster.

What the user sees: one line per step (long ones with progress), then a short ready banner as the
last thing printed at start-up; after it, the servers' own lines, prefixed. A port that is taken
is named with the option that avoids it; a server that stops is named with its last log lines and
the other one is stopped too; Ctrl-C (or a closed terminal, or `kill`) stops both.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from invoke.context import Context

from . import config
from .console import console, done, progress, seconds, skipped, step, warn
from .errors import MissingPrerequisiteError, TaskError
from .prereqs import require
from .shell import run

VENV = config.ROOT / ".venv-api"
LOCK = config.ROOT / "api" / "requirements.lock"
STAMP = VENV / ".lock-sha256"

API_READY_PATH = "/api/v1/health"
WEB_READY_PATH = "/healthz"
# Next's dev server compiles each page on its first request: do it before saying "ready".
WEB_WARM_PATHS = ("/", "/signin", "/signup")
TAIL_LINES = 12
OWN_LINES_SECONDS = 10.0
STOP_SECONDS = 12.0  # the API drains for up to 10 s (pakaura-api's graceful shutdown)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PORT_TAKEN = re.compile(r"address already in use|EADDRINUSE", re.IGNORECASE)


def env_default(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class DevOptions:
    """Where the servers listen. Defaults come from PAKAURA_DEV_HOST / PAKAURA_API_PORT /
    PAKAURA_WEB_PORT when set (so the README's command can run unchanged on other ports)."""

    host: str = "127.0.0.1"
    api_port: int = 8000
    web_port: int = 3000
    ready_timeout: float = 300.0  # the first compile on a slow 2-core machine takes minutes

    @classmethod
    def from_env(
        cls, host: str | None = None, api_port: int | None = None, web_port: int | None = None
    ) -> DevOptions:
        return cls(
            host=host or env_default("PAKAURA_DEV_HOST", "127.0.0.1"),
            api_port=int(api_port or env_default("PAKAURA_API_PORT", "8000")),
            web_port=int(web_port or env_default("PAKAURA_WEB_PORT", "3000")),
            ready_timeout=float(env_default("PAKAURA_DEV_TIMEOUT", "300")),
        )

    @property
    def local_host(self) -> str:
        """The address this machine uses to reach the servers (a wildcard bind included)."""
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)  # noqa: S104

    def url(self, port: int, path: str = "") -> str:
        """What to open in a browser: `localhost` for a loopback or wildcard bind."""
        host = "localhost" if self.local_host in LOOPBACK else self.host
        return f"http://{host}:{port}{path}"

    def local_url(self, port: int, path: str = "") -> str:
        host = f"[{self.local_host}]" if ":" in self.local_host else self.local_host
        return f"http://{host}:{port}{path}"


# --- dependencies -------------------------------------------------------------------------------


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
    with progress("creating .venv-api from api/requirements.lock", ".venv-api ready"):
        run(
            c,
            [uv, "venv", "--allow-existing", "-p", "3.11", str(VENV)],
            fix="install uv (`pip install uv`) or run scripts/bootstrap.sh",
        )
        python = str(venv_bin("python"))
        run(c, [uv, "pip", "install", "--python", python, "--require-hashes", "-r", str(LOCK)])
        api = str(config.ROOT / "api")
        run(c, [uv, "pip", "install", "--python", python, "--no-deps", "-e", api])
        STAMP.write_text(lock_digest())


def ensure_node_modules(c: Context, npm: str = "npm") -> None:
    frontend = config.ROOT / "frontend"
    modules = frontend / "node_modules" / ".package-lock.json"
    lock = frontend / "package-lock.json"
    if modules.exists() and lock.exists() and modules.stat().st_mtime >= lock.stat().st_mtime:
        skipped("frontend/node_modules is current")
        return
    with progress(
        "installing the web app's dependencies (npm ci; a few minutes the first time)",
        "web app dependencies installed",
    ):
        run(
            c,
            [npm, "ci", "--prefix", str(frontend), "--no-audit", "--no-fund"],
            fix="check Node 20 and frontend/package-lock.json",
        )


# --- ports --------------------------------------------------------------------------------------


def port_taken(host: str, port: int) -> bool:
    """True when a server could not listen on host:port (something else holds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and Node do
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port_after(host: str, port: int, avoid: set[int]) -> int:
    candidate = port + 1
    while candidate in avoid or port_taken(host, candidate):
        candidate += 1
    return candidate


def port_fix(taken: dict[str, int], options: DevOptions) -> str:
    used = {options.api_port, options.web_port}
    flags = " ".join(
        f"--{flag}-port {free_port_after(options.host, port, used)}" for flag, port in taken.items()
    )
    shown = ", ".join(f"`lsof -i :{port}`" for port in taken.values())
    return f"stop what listens there ({shown} shows it) or use other ports: `invoke dev {flags}`"


def check_ports(options: DevOptions) -> None:
    """Both ports free before anything starts, else exit 2 naming each taken port and the fix."""
    wanted = {"api": (options.api_port, "the API"), "web": (options.web_port, "the web app")}
    taken = {flag: port for flag, (port, _) in wanted.items() if port_taken(options.host, port)}
    if taken:
        names = " and ".join(f"{port} ({wanted[flag][1]})" for flag, port in taken.items())
        plural = "ports" if len(taken) > 1 else "port"
        verb = "are" if len(taken) > 1 else "is"
        raise MissingPrerequisiteError(
            f"{plural} {names} {verb} already in use on {options.host}", port_fix(taken, options)
        )


# --- the API's own account of its settings ------------------------------------------------------


@dataclass(frozen=True)
class ApiFacts:
    """What the API says about itself in its `settings` log line (one source for the banner)."""

    database: str = "SQLite in .pakaura/"
    ai_mode: bool = False
    model: str = ""

    @classmethod
    def from_log(cls, output: str) -> ApiFacts:
        for line in output.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and record.get("event") == "settings":
                url = str(record.get("database_url") or "")
                sqlite = re.match(r"sqlite(\+\w+)?:///(.+)$", url)
                return cls(
                    database=f"SQLite {sqlite.group(2)}" if sqlite else url or cls.database,
                    ai_mode=bool(record.get("cohere_api_key")),
                    model=str(record.get("ai_model") or ""),
                )
        return cls()

    @property
    def mode(self) -> str:
        if self.ai_mode:
            return f"AI mode (Cohere {self.model})".replace(" )", ")")
        return "demo mode (no COHERE_API_KEY: the built-in assistant answers)"


# --- the two servers ----------------------------------------------------------------------------


@dataclass
class Server:
    """A server in its own process group, its output kept in a log file and its last lines."""

    key: str  # short name: log file and line prefix
    name: str  # what the user reads: "the API", "the web app"
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[str] | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    live: threading.Event = field(default_factory=threading.Event)
    last_output: float = 0.0  # time.monotonic() of its latest line
    # the log lines of our own readiness requests: kept in the log file, not shown during the
    # first OWN_LINES_SECONDS after the banner (Next may print them only after it)
    own_requests: list[re.Pattern[str]] = field(default_factory=list)
    shown_from: float = 0.0
    _reader: threading.Thread | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # argv is built here from fixed program names and our own venv paths, never user input
        self.process = subprocess.Popen(  # noqa: S603
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,  # its own group: stopped as a whole, never half
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[str]) -> None:
        with self.log_path.open("w") as log:
            for raw in stream:
                line = ANSI.sub("", raw.rstrip())
                log.write(line + "\n")
                log.flush()
                self.last_output = time.monotonic()
                if line.strip():
                    self.tail.append(line)
                own = time.monotonic() < self.shown_from + OWN_LINES_SECONDS and any(
                    pattern.search(line) for pattern in self.own_requests
                )
                if self.live.is_set() and not own:
                    console.print(f"[dim]{self.key:<3} │[/] {line}", highlight=False, markup=True)

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def last_lines(self) -> list[str]:
        if self._reader is not None:
            self._reader.join(timeout=2)  # the pipe may still hold its last words
        return list(self.tail)

    def signal(self, sig: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    def group_alive(self) -> bool:
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


def stop_all(servers: list[Server], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM to every group, then SIGKILL to whatever is left of them after timeout."""
    for server in servers:
        server.live.clear()
        server.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for server in servers:
        if server.process is None:
            continue
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.signal(signal.SIGKILL)
            server.process.wait()
        # children that outlive their parent (Next's workers) get a moment, then SIGKILL
        grace = time.monotonic() + 3
        while server.group_alive() and time.monotonic() < grace:
            time.sleep(0.1)
        server.signal(signal.SIGKILL)


def servers(options: DevOptions, api_env: dict[str, str], logs: Path) -> list[Server]:
    """The API (`pakaura-api serve`) and the web app (`npm run dev`), on options' host/ports."""
    api = Server(
        "api",
        "the API",
        [
            str(venv_bin("pakaura-api")),
            "serve",
            "--host",
            options.host,
            "--port",
            str(options.api_port),
        ],
        config.ROOT,
        api_env,
        options.api_port,
        logs / "api.log",
        own_requests=[re.compile(rf"path={re.escape(API_READY_PATH)}\b")],
    )
    web = Server(
        "web",
        "the web app",
        ["npm", "run", "dev", "--", "--hostname", options.host, "--port", str(options.web_port)],
        config.ROOT / "frontend",
        {
            "API_INTERNAL_URL": options.local_url(options.api_port),
            "PORT": str(options.web_port),
            "NEXT_TELEMETRY_DISABLED": "1",
        },
        options.web_port,
        logs / "web.log",
        own_requests=[
            re.compile(rf"\bGET {re.escape(path)} \d{{3}}\b")
            for path in (WEB_READY_PATH, *WEB_WARM_PATHS)
        ],
    )
    return [api, web]


class ServerStoppedError(TaskError):
    """A server exited: named, with its last lines shown above the error line."""


def died(server: Server, options: DevOptions, others: list[Server]) -> ServerStoppedError:
    lines = server.last_lines()
    console.print(
        f"[bold]last lines of {server.name}[/] ({server.log_path.relative_to(config.ROOT)}):",
        highlight=False,
    )
    for line in lines or ["(it printed nothing)"]:
        console.print(f"  {line}", highlight=False, markup=False)
    if any(PORT_TAKEN.search(line) for line in lines):
        flag = "api" if server.key == "api" else "web"
        return ServerStoppedError(
            f"{server.name} could not listen on port {server.port}: it is already in use",
            port_fix({flag: server.port}, options),
            config.ExitCode.MISSING_PREREQUISITE,
        )
    also = [other.name for other in others if other is not server and other.exit_code is None]
    return ServerStoppedError(
        f"{server.name} stopped with exit code {server.exit_code}"
        + (f"; stopping {' and '.join(also)} too" if also else ""),
        f"the lines above say why (whole log: {server.log_path}); then run `invoke dev` again",
    )


def http_status(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our server)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return 0


def wait_until(
    predicate_url: str,
    server: Server,
    all_servers: list[Server],
    options: DevOptions,
    deadline: float,
    accept: range = range(200, 300),
) -> None:
    """Poll until url answers a status in accept; fail early if any server stops."""
    while True:
        for each in all_servers:
            if each.exit_code is not None:
                raise died(each, options, all_servers)
        remaining = deadline - time.monotonic()
        if http_status(predicate_url, timeout=max(1.0, min(remaining, 120.0))) in accept:
            return
        if time.monotonic() >= deadline:
            for line in server.last_lines():
                console.print(f"  {line}", highlight=False, markup=False)
            raise TaskError(
                f"{server.name} did not answer {predicate_url} within "
                f"{options.ready_timeout:.0f} s",
                f"its log is {server.log_path}; on a slow machine allow more time: "
                f"`PAKAURA_DEV_TIMEOUT={int(options.ready_timeout * 2)} invoke dev`",
            )
        time.sleep(0.3)


def settle(servers: list[Server], quiet: float = 1.5, longest: float = 6.0) -> None:
    """Let the servers finish what they are printing (Next logs a request after answering it),
    so that the banner really is the last thing on the screen."""
    until = time.monotonic() + longest
    while time.monotonic() < until:
        latest = max((server.last_output for server in servers), default=0.0)
        if time.monotonic() - latest >= quiet:
            return
        time.sleep(0.1)


def banner(options: DevOptions, facts: ApiFacts, logs: Path, took: float) -> None:
    rel = logs.relative_to(config.ROOT)
    console.print(f"\n[bold green]✓ Pakaura is ready[/] in {seconds(took)} — {facts.mode}")
    rows = {
        "app": options.url(options.web_port),
        "API": options.url(options.api_port, "/api/docs"),
        "database": facts.database,
        "logs": f"{rel}/api.log, {rel}/web.log (new lines also below)",
        "stop": "Ctrl-C stops both servers",
    }
    for label, value in rows.items():
        console.print(f"  [bold]{label:<10}[/]{value}", highlight=False)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Ctrl-C, a closed terminal and `kill` all stop the servers the same way."""
    caught = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))
    previous = {sig: signal.signal(sig, _interrupt) for sig in caught}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_dev(c: Context, options: DevOptions) -> int:
    """Install what is missing, migrate SQLite, serve API + web app until Ctrl-C or one stops."""
    started = time.monotonic()
    tools = require("uv", "npm")
    check_ports(options)
    if options.local_host not in LOOPBACK:
        warn(f"listening on {options.host}: other machines that reach this one can use the app")
    ensure_api_venv(c, tools["uv"])
    ensure_node_modules(c, tools["npm"])
    data = config.ROOT / ".pakaura"
    api_env = {
        "PAKAURA_ENV": "local",
        "PAKAURA_DATA_DIR": str(data),  # SQLite file, wherever invoke runs
        "FRONTEND_URL": options.url(options.web_port),
        "LOG_FORMAT": env_default("LOG_FORMAT", "console"),  # the cluster keeps JSON
    }
    step("migrating the local database")
    # JSON here on purpose: the API's `settings` line says which database and mode it uses
    migrated = run(
        c, [str(venv_bin("pakaura-api")), "migrate"], env={**api_env, "LOG_FORMAT": "json"}
    )
    facts = ApiFacts.from_log(migrated.stdout or "")
    logs = data / "logs"
    started_servers: list[Server] = []
    with signals_interrupt():
        try:  # inside the try: a Ctrl-C at any point stops what already runs
            api, web = servers(options, api_env, logs)
            deadline = time.monotonic() + options.ready_timeout
            for server in (api, web):
                server.start()
                started_servers.append(server)
            with progress("starting the API", "API ready"):
                wait_until(
                    options.local_url(options.api_port, API_READY_PATH),
                    api,
                    started_servers,
                    options,
                    deadline,
                )
            with progress(
                "starting the web app and compiling its pages (a minute or two the first time)",
                "web app compiled",
            ):
                wait_until(
                    options.local_url(options.web_port, WEB_READY_PATH),
                    web,
                    started_servers,
                    options,
                    deadline,
                )
                for path in WEB_WARM_PATHS:
                    wait_until(
                        options.local_url(options.web_port, path),
                        web,
                        started_servers,
                        options,
                        deadline,
                        accept=range(200, 400),
                    )
            settle(started_servers)
            banner(options, facts, logs, time.monotonic() - started)
            for server in started_servers:
                server.shown_from = time.monotonic()
                server.live.set()
            while True:
                for server in started_servers:
                    if server.exit_code is not None:
                        raise died(server, options, started_servers)
                time.sleep(0.5)
        except KeyboardInterrupt:
            console.print("stopping the API and the web app …", highlight=False)
            stop_all(started_servers)
            done("stopped")
            return 0
        finally:
            stop_all(started_servers)
