"""The README's no-cluster command, typed as written in a fresh clone: it reaches the ready banner,
a real browser signs up and adds a task through the chat, and Ctrl-C leaves nothing behind.

Ports: the README's command runs unchanged; PAKAURA_API_PORT / PAKAURA_WEB_PORT (which `invoke
dev` reads) point it at free ports so the test never fights whatever else runs on 8000/3000.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from newcomer_support import FIGURES, ROOT, SLOW, newcomer_env
from playwright.sync_api import expect, sync_playwright

README_COMMAND = "./scripts/bootstrap.sh && .venv/bin/invoke dev"
READY = "Pakaura is ready"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
# as tests/e2e/conftest.py: Debian's Chromium, no stray network traffic
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
COLD_SECONDS = 900  # bootstrap + .venv-api + npm ci + the first compile, on a slow 2-core machine
WARM_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_inside(folder: Path) -> list[str]:
    """Every live process whose command line or working directory is inside folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(f"{proc.name}: {cmdline.strip()} (cwd {cwd})")
    return found


@dataclass
class Terminal:
    """The README's command in a terminal of its own (its own process group, like a shell)."""

    clone: Path
    env: dict[str, str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None
    started: float = 0.0

    def start(self, command: str) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.clone,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_for(self, pattern: str, timeout: float, what: str) -> float:
        """Seconds since start when a line matching pattern appeared; fails clearly otherwise."""
        assert self.process is not None
        deadline = time.monotonic() + timeout * SLOW
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for at, line in list(self.lines):
                if regex.search(line):
                    return at - self.started
            if self.process.poll() is not None:
                time.sleep(0.5)  # let the reader drain the pipe
                pytest.fail(
                    f"{what}: the command exited with {self.process.returncode} first; "
                    f"output:\n{self.text()[-4000:]}"
                )
            time.sleep(0.2)
        pytest.fail(
            f"{what}: not within {timeout * SLOW:.0f} s (PAKAURA_NEWCOMER_SLOWNESS=2 doubles the "
            f"waits); output so far:\n{self.text()[-4000:]}"
        )

    def ctrl_c(self, timeout: float = 60) -> int:
        """SIGINT to the process group, as a terminal's Ctrl-C does; the exit code."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            pytest.fail(f"Ctrl-C did not stop `invoke dev` within {timeout * SLOW:.0f} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def ports() -> dict[str, int]:
    return {"api": free_port(), "web": free_port()}


@pytest.fixture
def terminal(pristine_clone: Path, ports: dict[str, int]) -> Iterator[Terminal]:
    clone = pristine_clone
    env = newcomer_env(
        clone,
        PAKAURA_API_PORT=str(ports["api"]),
        PAKAURA_WEB_PORT=str(ports["web"]),
        PAKAURA_DEV_TIMEOUT=str(int(600 * SLOW)),
        PAKAURA_CONSOLE_WIDTH="120",
    )
    assert str(clone / ".venv") not in env["PATH"]
    session = Terminal(clone, env)
    yield session
    session.kill()
    for leftover in processes_inside(clone):  # never leave anything running, even on failure
        os.kill(int(leftover.split(":", 1)[0]), signal.SIGKILL)


def banner(terminal: Terminal) -> dict[str, str]:
    lines = terminal.text().splitlines()
    start = max(i for i, line in enumerate(lines) if READY in line)
    rows = {}
    for line in lines[start + 1 : start + 6]:
        label, _, value = line.strip().partition(" ")
        rows[label] = value.strip()
    return rows


def assert_nothing_left(terminal: Terminal, ports: dict[str, int]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
        processes_inside(terminal.clone) or any(listening(p) for p in ports.values())
    ):
        time.sleep(0.5)
    assert processes_inside(terminal.clone) == []
    assert [port for port in ports.values() if listening(port)] == []


def sign_up_and_add_a_task_by_chat(app_url: str, shots: Path) -> None:
    password = f"Harakeke-Tui-{secrets.token_hex(4)}-Kowhai"
    email = f"newcomer-{secrets.token_hex(4)}@example.com"
    task = "water the kowhai seedlings"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000 * SLOW)  # the dev server compiles routes on demand
            page.goto(app_url + "/signup")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Create account").click()
            box = page.get_by_label("Message the assistant")
            expect(box).to_be_visible()
            box.fill(f"Add a task to {task}")
            box.press("Enter")
            item = page.locator("li.task").filter(has_text=task)
            expect(item).to_have_count(1)
            page.screenshot(path=str(shots / "newcomer-task-added.png"))
        except Exception:
            page.screenshot(path=str(shots / "newcomer-failure.png"))
            raise
        finally:
            browser.close()


def test_the_readme_states_the_command_this_test_types() -> None:
    assert README_COMMAND in (ROOT / "README.md").read_text()


def test_readme_command_reaches_the_banner_a_browser_adds_a_task_and_ctrl_c_cleans_up(
    terminal: Terminal, ports: dict[str, int]
) -> None:
    shots = ROOT / "artifacts" / "newcomer"
    shots.mkdir(parents=True, exist_ok=True)

    # cold: nothing installed in the clone yet
    terminal.start(README_COMMAND)
    bootstrapped = terminal.wait_for(r"^bootstrap: ready", 600, "scripts/bootstrap.sh")
    ready = terminal.wait_for(READY, COLD_SECONDS, "invoke dev (cold) to print its ready banner")
    FIGURES["bootstrap"] = f"{bootstrapped:.1f} s"
    FIGURES["invoke dev cold to ready"] = f"{ready - bootstrapped:.1f} s"
    time.sleep(1.0)  # the banner is the last thing printed: nothing follows it by itself
    after = terminal.text().splitlines()
    banner_at = max(i for i, line in enumerate(after) if READY in line)
    assert len(after) == banner_at + 6, "\n".join(after[banner_at:])
    rows = banner(terminal)
    assert rows["app"] == f"http://localhost:{ports['web']}"
    assert rows["API"] == f"http://localhost:{ports['api']}/api/docs"
    assert rows["database"].startswith("SQLite ")
    assert rows["database"].endswith(".sqlite3")
    assert "Ctrl-C" in rows["stop"]
    assert "demo mode" in terminal.text() or "AI mode" in terminal.text()
    (shots / "newcomer-terminal.txt").write_text(terminal.text() + "\n")

    sign_up_and_add_a_task_by_chat(rows["app"], shots)

    assert terminal.ctrl_c() == 0
    assert terminal.text().rstrip().endswith("stopped")
    assert_nothing_left(terminal, ports)

    # warm: everything installed and compiled once already
    terminal.lines.clear()
    terminal.start(README_COMMAND)
    ready = terminal.wait_for(READY, WARM_SECONDS, "invoke dev (warm) to print its ready banner")
    FIGURES["invoke dev warm to ready"] = f"{ready:.1f} s"
    assert terminal.ctrl_c() == 0
    assert_nothing_left(terminal, ports)
