"""The newcomer's path, for real: a fresh clone of this checkout's HEAD, the README's commands typed
as written, with the user's own PATH (nothing of this test run's virtualenvs on it)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from newcomer_support import FIGURES, ROOT, newcomer_env, run


def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh clone of the checkout's HEAD (commit first: uncommitted changes are not in it)."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = tmp_path_factory.mktemp("newcomer") / "pakaura"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", head], cwd=target, check=True)
    FIGURES["clone"] = f"{head[:12]} (HEAD of {ROOT.name})"
    yield target
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(scope="session")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fresh clone shared by the tests that only need some clone."""
    yield from fresh_clone(tmp_path_factory)


@pytest.fixture
def pristine_clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone of its own, nothing run in it yet (for the first-run timings)."""
    yield from fresh_clone(tmp_path_factory)


@pytest.fixture(scope="session")
def bootstrapped(clone: Path) -> Path:
    """The clone after `./scripts/bootstrap.sh` (a no-op when a test already ran it)."""
    started = time.monotonic()
    result = run(["./scripts/bootstrap.sh"], clone, newcomer_env(clone), 600, "bootstrap.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    FIGURES.setdefault("bootstrap (session clone)", f"{time.monotonic() - started:.1f} s")
    return clone


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("newcomer figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name:<28} {value}")
