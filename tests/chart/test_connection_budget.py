"""Workers and connection pools (issue 11): API_WORKERS from api.workers or the CPU limit, pools per
worker, PostgreSQL's max_connections passed to the server, and the chart refusing any combination
whose connections could exceed it."""

from __future__ import annotations

import pytest

from .rendering import CHART, count, find, helm, render


def config(*args: str) -> dict[str, str]:
    return find(render(args), "ConfigMap", "pakaura-config")["data"]


@pytest.mark.parametrize(
    ("cpu", "workers"), [("500m", "1"), ("1", "1"), ("1500m", "2"), ("2", "2"), ("2.5", "3")]
)
def test_workers_default_to_the_cpu_limit_rounded_up(cpu: str, workers: str) -> None:
    data = config(
        "--set-string", f"api.resources.limits.cpu={cpu}", "--set", "postgresql.maxConnections=200"
    )
    assert data["API_WORKERS"] == workers
    count("connection budget assertions")


def test_a_cpu_limit_written_as_a_number_counts_too() -> None:
    """`cpu: 2` (a number, as Kubernetes accepts it) works like `cpu: "2"`."""
    data = config("--set", "api.resources.limits.cpu=2", "--set", "postgresql.maxConnections=200")
    assert data["API_WORKERS"] == "2"
    count("connection budget assertions")


def test_explicit_workers_and_pools_reach_the_api() -> None:
    data = config(
        "--set", "api.workers=3", "--set", "api.database.poolSize=4",
        "--set", "api.database.maxOverflow=2",
    )  # fmt: skip
    assert (data["API_WORKERS"], data["DB_POOL_SIZE"], data["DB_POOL_MAX_OVERFLOW"]) == (
        "3",
        "4",
        "2",
    )
    count("connection budget assertions")


def test_postgresql_gets_max_connections_as_a_server_argument() -> None:
    docs = render(("--set", "postgresql.maxConnections=150"))
    main = find(docs, "StatefulSet", "postgresql")["spec"]["template"]["spec"]["containers"][0]
    assert main["args"] == ["postgres", "-c", "max_connections=150"]
    assert "command" not in main, "the image's entrypoint must still initialise the volume"
    count("connection budget assertions", 2)


def budget_error(*args: str) -> str:
    result = helm("template", "pakaura", str(CHART), *args)
    assert result.returncode != 0, f"accepted: {args}"
    return result.stderr


def test_defaults_fit_and_the_limit_is_exact() -> None:
    """Defaults: (2 + 1 surge) x 1 x (10 + 0) + 2 + 10 reserve = 42; at max_connections 42 it fits,
    at 41 it does not."""
    assert render(("--set", "postgresql.maxConnections=42"))
    message = budget_error("--set", "postgresql.maxConnections=41")
    assert (
        "Database connection budget exceeded: (2 API pods + 1 during a rollout) x 1 workers x "
        "(poolSize 10 + maxOverflow 0) = 30, + 12 for the migration Job, the backup and "
        "api.database.reservedConnections = 42, but postgresql.maxConnections is 41."
    ) in message
    count("connection budget assertions", 2)


def test_autoscaling_counts_max_replicas_and_backup_counts_too() -> None:
    message = budget_error(
        "--set", "api.autoscaling.enabled=true", "--set", "api.autoscaling.maxReplicas=9",
        "--set", "backup.enabled=true",
    )  # fmt: skip
    assert "(9 API pods + 1 during a rollout) x 1 workers" in message
    assert "= 100, + 13 for the migration Job" in message
    assert "raise postgresql.maxConnections" in message
    count("connection budget assertions", 3)


def test_workers_multiply_the_pools() -> None:
    message = budget_error("--set", "api.workers=4")
    assert "x 4 workers x (poolSize 10 + maxOverflow 0) = 120" in message
    count("connection budget assertions")


def test_external_database_is_checked_against_its_own_limit() -> None:
    external = ("--set", "postgresql.enabled=false", "--set", "externalDatabase.host=db.example")
    assert render((*external, "--set", "externalDatabase.maxConnections=50"))
    message = budget_error(*external, "--set", "externalDatabase.maxConnections=20")
    assert "but externalDatabase.maxConnections is 20" in message
    count("connection budget assertions", 2)
