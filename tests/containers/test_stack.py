"""Pakaura's images and compose.yaml, run for real: hardening, health, the browser flow,
PostgreSQL outages and restarts, and secrets kept out of the logs.

The tests share one stack (session fixture) and run in file order: the restart tests come after
the read-only checks, and the log check comes last so it sees every container's output.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from typing import Any

import pytest

from .harness import (
    API_IMAGE,
    ARTIFACTS,
    DOCKER,
    FRONTEND_IMAGE,
    LOG_ARCHIVE,
    PROJECT,
    REPORT,
    ROOT,
    VERSION,
    Stack,
    docker,
    get,
    inspect,
    request,
    run,
    wait_until,
)

# service -> the uid:gid it must run as (the images' USER, or compose's `user:` for PostgreSQL)
RUNNING_USERS = {"api": "10001:10001", "frontend": "1001:1001", "postgresql": "70:70"}
# Values that must never appear in any log, added to as the tests create them.
SECRET_VALUES: set[str] = set()


def exec_in(container: str, *cmd: str) -> subprocess.CompletedProcess[str]:
    return run(DOCKER, "exec", container, *cmd, check=False, timeout=60)


@pytest.mark.parametrize(
    ("image", "user", "absent"),
    [
        (API_IMAGE, "10001:10001", "gcc cc c++ make /opt/venv/bin/pip"),
        (FRONTEND_IMAGE, "1001:1001", "gcc cc c++ make npm npx yarn"),
    ],
)
def test_image_metadata(images: dict[str, Any], image: str, user: str, absent: str) -> None:
    """Numeric non-root USER, OCI version label, a health check, no build tools or package
    managers at run time, and no trace of the build-only EXTRA_CA_CERTS argument."""
    config = inspect(image)["Config"]
    assert config["User"] == user
    assert config["Labels"]["org.opencontainers.image.version"] == VERSION
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert not any(var.startswith("EXTRA_CA_CERTS") for var in config["Env"])
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
    assert "BEGIN CERTIFICATE" not in history
    found = run(
        DOCKER, "run", "--rm", "--entrypoint", "sh", image, "-c",
        f"for t in {absent}; do command -v $t; done; true",
        check=False,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "", f"found in the runtime image: {found.stdout}"


def test_migration_completes_before_api_starts_and_api_is_ready(stack: Stack) -> None:
    migrate = inspect(stack.container("migrate"))
    api = inspect(stack.container("api"))
    assert migrate["State"]["Status"] == "exited"
    assert migrate["State"]["ExitCode"] == 0
    assert migrate["Config"]["User"] == "10001:10001"
    assert migrate["HostConfig"]["ReadonlyRootfs"] is True
    assert migrate["State"]["FinishedAt"] <= api["State"]["StartedAt"]

    status, body = get(f"{stack.api_url}/api/v1/health/ready")
    assert (status, body["status"]) == (200, "ready")
    status, body = get(f"{stack.api_url}/api/v1/health")
    assert status == 200
    assert body["version"] == VERSION


def test_frontend_serves_pages_and_proxies_the_api(stack: Stack) -> None:
    status, page = get(f"{stack.frontend_url}/")
    assert status == 200
    assert "<html" in page.lower()
    assert get(f"{stack.frontend_url}/healthz") == (200, {"status": "ok"})
    status, body = get(f"{stack.frontend_url}/api/v1/health")
    assert status == 200
    assert body["version"] == VERSION


def test_image_health_checks_report_healthy(stack: Stack) -> None:
    def all_healthy() -> bool:
        states = {s: inspect(stack.container(s))["State"] for s in RUNNING_USERS}
        return all(state.get("Health", {}).get("Status") == "healthy" for state in states.values())

    wait_until(all_healthy, timeout=90, what="docker health status 'healthy' on every service")


@pytest.mark.parametrize("service", sorted(RUNNING_USERS))
def test_runs_non_root_with_read_only_root(stack: Stack, service: str) -> None:
    container = stack.container(service)
    info = inspect(container)
    host = info["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Init"] is True

    ids = exec_in(container, "sh", "-c", 'echo "$(id -u):$(id -g)"')
    assert ids.stdout.strip() == RUNNING_USERS[service]
    denied = exec_in(container, "touch", "/x")
    assert denied.returncode != 0
    assert "Read-only file system" in denied.stderr
    assert exec_in(container, "touch", "/tmp/probe").returncode == 0  # noqa: S108 (in the container)
    if service == "frontend":
        assert exec_in(container, "touch", "/app/.next/cache/probe").returncode == 0


def test_browser_flow_against_the_containers(stack: Stack) -> None:
    """The frontend helper's Playwright suite (tests/e2e) driving the containers."""
    assert (ROOT / "tests" / "e2e").is_dir()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={
            **os.environ,
            **stack.env,  # compose reads this run's secrets and ports from it
            "E2E_BASE_URL": stack.frontend_url,
            "E2E_API_URL": stack.api_url,  # its OpenAPI document says which features it has
            # The outage test stops and restarts the API container, so nothing is skipped.
            "E2E_API_STOP": shlex.join(stack.compose_command("stop", "api")),
            "E2E_API_START": shlex.join(stack.compose_command("start", "api")),
            "COLUMNS": "240",  # pytest's summary lines keep the reason (80 columns cut it off)
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "e2e.log").write_text(result.stdout + result.stderr)  # whole tracebacks
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    REPORT["e2e"] = {"summary": summary, "seconds": round(time.monotonic() - started, 1)}
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", summary), summary
    assert "skipped" not in summary, summary
    assert "deselected" not in summary, summary


def test_readiness_follows_postgresql_and_recovers_by_itself(stack: Stack) -> None:
    api_before = inspect(stack.container("api"))["State"]
    stack.compose("stop", "postgresql")
    try:
        down_after = wait_until(
            lambda: get(f"{stack.api_url}/api/v1/health/ready")[0] == 503,
            timeout=30,
            what="readiness 503 while PostgreSQL is stopped",
        )
        # Liveness never touches the database, and the frontend does not depend on the API.
        assert get(f"{stack.api_url}/api/v1/health")[0] == 200
        assert get(f"{stack.frontend_url}/healthz")[0] == 200
    finally:
        stack.compose("start", "postgresql")
    recovered_after = wait_until(
        lambda: get(f"{stack.api_url}/api/v1/health/ready")[0] == 200,
        timeout=90,
        what="readiness 200 again after PostgreSQL started",
    )
    api_after = inspect(stack.container("api"))["State"]
    assert api_after["StartedAt"] == api_before["StartedAt"], "the API was restarted"
    REPORT["postgresql_outage"] = {
        "readiness_503_after_s": round(down_after, 1),
        "recovered_after_start_s": round(recovered_after, 1),
    }


def api_call(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
    """A request that may meet the one 503 the API answers by design on a pooled connection that
    died with a PostgreSQL restart (the pool is then renewed); counted in the report."""
    status, answer = request(method, url, body, token)
    if status == 503:
        REPORT["requests_503_after_db_restart"] = REPORT.get("requests_503_after_db_restart", 0) + 1
        status, answer = request(method, url, body, token)
    return status, answer


def test_frontend_outlives_the_api_and_proxies_its_absence(stack: Stack) -> None:
    """With the API container stopped the frontend still serves its probes and pages, and its
    /api proxy answers 503 (not a hang, not a 500); once the API is back, so is the proxy."""
    stack.compose("stop", "api")
    try:
        assert get(f"{stack.frontend_url}/")[0] == 200
        assert get(f"{stack.frontend_url}/healthz") == (200, {"status": "ok"})
        status, body = get(f"{stack.frontend_url}/api/v1/health", timeout=15)
        assert status == 503, (status, body)
    finally:
        stack.compose("start", "api")
    wait_until(
        lambda: get(f"{stack.frontend_url}/api/v1/health")[0] == 200,
        timeout=60,
        what="the frontend's /api proxy to reach the restarted API",
    )


def _signup(stack: Stack) -> tuple[str, str, str]:
    email = f"containers-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(18)
    status, body = api_call(
        "POST", f"{stack.api_url}/api/v1/auth/signup", {"email": email, "password": password}
    )
    assert status == 201, body
    SECRET_VALUES.update({password, body["access_token"]})
    return email, password, body["access_token"]


def _titles(stack: Stack, token: str) -> list[str]:
    status, body = api_call("GET", f"{stack.api_url}/api/v1/tasks?status=all", token=token)
    assert status == 200, body
    return [task["title"] for task in body]


def test_tasks_survive_postgresql_and_full_stack_restarts(stack: Stack) -> None:
    email, password, token = _signup(stack)
    title = f"survive restarts {secrets.token_hex(3)}"
    status, body = request("POST", f"{stack.api_url}/api/v1/tasks", {"title": title}, token)
    assert status == 201, body

    stack.compose("restart", "postgresql")
    stack.wait_ready(timeout=90)
    assert title in _titles(stack, token)

    LOG_ARCHIVE.append(stack.logs())
    stack.compose("down")  # no -v: the named volume keeps the data
    started = time.monotonic()
    stack.compose("up", "-d", "--no-build")
    stack.wait_ready()
    REPORT["stack_restart_to_ready_s"] = round(time.monotonic() - started, 1)

    status, body = request(
        "POST", f"{stack.api_url}/api/v1/auth/login", {"email": email, "password": password}
    )
    assert status == 200, body
    SECRET_VALUES.add(body["access_token"])
    assert title in _titles(stack, body["access_token"])


def test_no_secret_value_in_any_container_log(stack: Stack) -> None:
    values = {*SECRET_VALUES, *stack.secrets.values()}
    assert all(len(value) >= 16 for value in values)
    # The values did reach the services (so their absence from the logs means something).
    api_env = inspect(stack.container("api"))["Config"]["Env"]
    assert f"JWT_SECRET={stack.secrets['JWT_SECRET']}" in api_env
    assert f"DB_PASSWORD={stack.secrets['DB_PASSWORD']}" in api_env
    current = stack.logs()
    assert current.strip(), "no logs collected"
    every_log = "\n".join([*LOG_ARCHIVE, current])
    # docker logs of each container too (compose logs covers the services; this covers exits).
    project = f"label=com.docker.compose.project={PROJECT}"
    for container in docker("ps", "-a", "-q", "--filter", project).split():
        logs = run(DOCKER, "logs", container, check=False)
        every_log += logs.stdout + logs.stderr
    leaked = sorted(name for name, value in stack.secrets.items() if value in every_log)
    assert not leaked, f"secret values in container logs: {leaked}"
    assert not any(value in every_log for value in SECRET_VALUES), "a password or token leaked"
