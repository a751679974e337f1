"""Pakaura's test plan: one nox session per kind of check (`nox -l` lists them).

Every session installs exactly what it needs from the lock files in `requirements/`, so a session
runs the same on a laptop and in CI. `nox` with no arguments runs what `.ci/run` runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
REQ = ROOT / "requirements"
PYTHON = "3.11"

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "api",
    "bench",
    "frontend",
    "chart",
    "tasks",
    "workflow",
    "containers",
]


def install_locked(session: nox.Session, *names: str) -> None:
    """Install the pinned, hash-checked lock files requirements/<name>.txt."""
    args: list[str] = []
    for name in names:
        args += ["-r", str(REQ / f"{name}.txt")]
    session.install("--require-hashes", *args)


def install_api(session: nox.Session) -> None:
    """The API's locked runtime dependencies plus the package itself (no dependency resolution)."""
    session.install("--require-hashes", "-r", str(ROOT / "api" / "requirements.lock"))
    session.install("--no-deps", "-e", str(ROOT / "api"))


# --- sessions (each section is owned by the part of the project it checks) ---------------------


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format) over all Python, mypy --strict on the API, shellcheck on scripts."""
    install_api(session)
    install_locked(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "api/src")
    scripts = sorted(str(p) for p in (ROOT / "scripts").glob("*.sh")) + [".ci/run"]
    session.run("shellcheck", *scripts, external=True)


@nox.session(python=PYTHON)
def api(session: nox.Session) -> None:
    """The API test suite against a real PostgreSQL (TEST_DATABASE_URL), coverage gate 90%."""
    install_api(session)
    install_locked(session, "api-test")
    session.run(
        "pytest",
        "api/tests",
        "--cov=pakaura_api",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
        env={"COVERAGE_RCFILE": str(ROOT / "api" / "pyproject.toml")},
    )


@nox.session(python=PYTHON)
def tasks(session: nox.Session) -> None:
    """tasks.py and scripts/ai-deploy.sh: MockContext unit tests, then shellcheck on the scripts."""
    install_locked(session, "tasks")
    session.run("pytest", "tests/tasks", "-q", *session.posargs)
    session.run(
        "shellcheck",
        "scripts/ai-deploy.sh",
        "scripts/bootstrap.sh",
        "scripts/install-actionlint.sh",
        external=True,
    )


@nox.session(python=False)
def workflow(session: nox.Session) -> None:
    """actionlint (pinned, built from the Go module proxy) over .github/workflows; it also runs
    shellcheck on every `run:` block because shellcheck is on PATH."""
    actionlint = (
        session.run("bash", "scripts/install-actionlint.sh", silent=True, external=True)
        .strip()
        .splitlines()[-1]
    )
    session.run(actionlint, "-color", *session.posargs, external=True)


@nox.session(python=PYTHON)
def acceptance(session: nox.Session) -> None:
    """The live-cluster acceptance suite (not a default session: it needs a cluster).

    `nox -s acceptance` uses the current kubeconfig context; `-- --cluster kind` creates a
    throwaway kind cluster; `-- --capabilities control_plane` runs only what such a cluster offers.
    With no reachable cluster it exits non-zero saying so.
    """
    install_locked(session, "acceptance")
    session.run(
        "pytest",
        "tests/acceptance",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT)},
    )
