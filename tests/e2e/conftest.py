"""Browser tests against the real stack.

With `E2E_BASE_URL` set, they drive that running deployment (e.g. the containers or the cluster);
`E2E_API_URL` is then its API, whose OpenAPI document says which features it has.
Otherwise they start everything themselves: a throw-away PostgreSQL database made from
`TEST_DATABASE_URL`, the API (`pakaura-api migrate` + `serve`, no Cohere key, so demo mode) and
the frontend's production build, and tear it all down at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import Shoot
from e2e_servers import (
    ARTIFACTS,
    SCREENSHOTS,
    CommandSwitch,
    Service,
    api_service,
    free_port,
    frontend_service,
    rss_mib,
)
from playwright.sync_api import Page

DEFAULT_ADMIN_URL = "postgresql://pakaura:pakaura@localhost:5432/pakaura"
CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config: pytest.Config) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never `playwright install`), with no stray network traffic."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("E2E_CHROMIUM", CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
    }


@pytest.fixture(scope="session")
def self_started() -> bool:
    return not os.environ.get("E2E_BASE_URL")


@pytest.fixture(scope="session")
def e2e_database(self_started: bool) -> Iterator[str | None]:
    """A uniquely named database for this run, dropped afterwards (never the shared one)."""
    if not self_started:
        yield None
        return
    import psycopg  # from the API's lock; only needed when we start the stack ourselves

    admin_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
    name = f"pakaura_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", admin_url)
    database_url = database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield database_url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def stack(self_started: bool, e2e_database: str | None) -> Iterator[dict[str, Service | None]]:
    """The API and frontend services (both None when testing an E2E_BASE_URL deployment)."""
    if not self_started or e2e_database is None:
        yield {"api": None, "frontend": None}
        return
    frontend_port = free_port()
    api = api_service(e2e_database, f"http://127.0.0.1:{frontend_port}")
    frontend = frontend_service(api.url, frontend_port)
    figures: dict[str, Any] = {}
    try:
        api.start()
        figures["frontend_start_to_first_200_s"] = round(frontend.start(), 3)
        yield {"api": api, "frontend": frontend}
        if frontend.process:
            figures["frontend_rss_after_e2e_mib"] = rss_mib(frontend.process.pid)
    finally:
        frontend.stop()
        api.stop()
        (ARTIFACTS / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")


@pytest.fixture
def api_switch(stack: dict[str, Service | None], base_url: str) -> Service | CommandSwitch:
    """Something that can stop and start the API under test: the API this suite started, or
    the E2E_API_STOP / E2E_API_START commands for an E2E_BASE_URL deployment."""
    api = stack["api"]
    if api is not None:
        return api
    stop, start = os.environ.get("E2E_API_STOP"), os.environ.get("E2E_API_START")
    if not (stop and start):
        pytest.skip("set E2E_API_STOP and E2E_API_START to stop the API of an E2E_BASE_URL stack")
    return CommandSwitch(stop, start, base_url)


@pytest.fixture(scope="session")
def base_url(stack: dict[str, Service | None]) -> str:
    """pytest-playwright's base URL: page.goto("/") goes to the frontend under test."""
    frontend = stack["frontend"]
    if frontend is not None:
        return frontend.url
    return os.environ["E2E_BASE_URL"].rstrip("/")


@pytest.fixture(scope="session")
def api_paths(stack: dict[str, Service | None], base_url: str) -> set[str]:
    """The paths the API under test documents (its OpenAPI document): a test of a feature the
    API does not have fails naming it. The API is this suite's own, or E2E_API_URL (the web app
    does not proxy the document)."""
    import urllib.request

    api = stack["api"]
    url = (api.url if api else os.environ.get("E2E_API_URL", base_url)).rstrip("/")
    url += "/api/openapi.json"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local URL)
            return set(json.load(response).get("paths", {}))
    except (OSError, ValueError) as error:
        pytest.fail(f"cannot read the API's OpenAPI document at {url}: {error}", pytrace=False)


@pytest.fixture
def requires_api(api_paths: set[str]) -> Callable[[str], None]:
    def check(path: str) -> None:
        if path not in api_paths:
            pytest.fail(f"the API under test has no {path}", pytrace=False)

    return check


@pytest.fixture
def shoot(page: Page) -> Shoot:
    """Save a full-page screenshot as artifacts/e2e/screenshots/<name>.png."""

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
