"""The container suite's fixtures: build the images, run compose.yaml, and report numbers.

Needs a running Docker engine reachable through DOCKER_HOST (`nox -s containers` starts a
private one with scripts/container-engine.sh and loads the stand-in base images). Knobs:
PAKAURA_COLD_BUILD=0 skips the cold (cache-pruned) build; PAKAURA_SKIP_BUILD=1 reuses the
images already tagged. The report goes to artifacts/containers/report.json and the terminal.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from .harness import ARTIFACTS, LOG_ARCHIVE, REPORT, Stack, docker, free_port
from .images import IMAGES, build_all


@pytest.fixture(scope="session")
def images() -> dict[str, Any]:
    if os.environ.get("PAKAURA_SKIP_BUILD") == "1":
        REPORT["images"] = {
            spec.tag: {"build": "skipped (PAKAURA_SKIP_BUILD=1)"} for spec in IMAGES
        }
    else:
        cold = os.environ.get("PAKAURA_COLD_BUILD", "1") == "1"
        REPORT["images"] = build_all(cold)
        REPORT["cold_build_means"] = (
            "no build cache for our images (builder cache pruned); base images already present"
            if cold
            else "not measured (PAKAURA_COLD_BUILD=0)"
        )
    if any(entry.get("base_is_ci_stand_in") for entry in REPORT["images"].values()):
        REPORT["note"] = (
            "measured on CI stand-ins (infra/ci-images): python:3.11-slim = Debian bookworm with "
            "Python 3.11.2; node:20-alpine = Debian bookworm with the host's Node 20 (larger than "
            "the real Alpine image); postgres:16-alpine = PostgreSQL 15"
        )
    return REPORT["images"]


@pytest.fixture(scope="session")
def stack(images: dict[str, Any]) -> Iterator[Stack]:
    """compose.yaml up with fresh secrets and a fresh volume; down -v afterwards."""
    run_secrets = {
        "DB_PASSWORD": secrets.token_urlsafe(24),
        "JWT_SECRET": secrets.token_urlsafe(48),
    }
    api_port = int(os.environ.get("PAKAURA_API_PORT") or free_port())
    frontend_port = int(os.environ.get("PAKAURA_FRONTEND_PORT") or free_port())
    stack = Stack(run_secrets, api_port, frontend_port)
    stack.compose("down", "-v", "--remove-orphans", check=False)
    started = time.monotonic()
    try:
        stack.compose("up", "-d", "--no-build")
        stack.wait_ready()
        REPORT["stack_start_to_ready_s"] = round(time.monotonic() - started, 1)
        pg = stack.container("postgresql")
        REPORT["postgresql_server"] = docker("exec", pg, "postgres", "--version")
        yield stack
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        # Logs of the containers a test's `down` removed, then those of the last containers.
        (ARTIFACTS / "compose.log").write_text("\n".join([*LOG_ARCHIVE, stack.logs()]))
        stopped = time.monotonic()
        stack.compose("down", "-v", "--remove-orphans", check=False)
        REPORT["stack_down_s"] = round(time.monotonic() - stopped, 1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if "images" not in REPORT:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.json").write_text(json.dumps(REPORT, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "images" not in REPORT:
        return
    terminalreporter.section("containers report (artifacts/containers/report.json)")
    for line in json.dumps(REPORT, indent=2).splitlines():
        terminalreporter.write_line(line)
