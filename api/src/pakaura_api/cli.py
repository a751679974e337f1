"""`pakaura-api serve | migrate`: the only entry points (container command, migration Job).

`serve` runs uvicorn with the app factory's import string (`pakaura_api.main:app_factory`), so
`--workers N` starts N processes, each with its own app, pool and housekeeping. It binds
127.0.0.1 unless told `--host` (the images and the chart pass `--host 0.0.0.0`).

Shutdown: on SIGTERM (or SIGINT) the supervisor passes the signal to every worker; each stops
accepting connections, lets in-flight requests finish for up to GRACEFUL_SHUTDOWN_SECONDS, then
closes its pool. The whole process tree is gone within SHUTDOWN_BUDGET_SECONDS; Kubernetes'
`terminationGracePeriodSeconds` must be at least the preStop drain plus that budget.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import structlog

from pakaura_api import __version__
from pakaura_api.config import ConfigError, Settings, load_settings
from pakaura_api.logging import configure_logging

log = structlog.get_logger("pakaura_api")
GRACEFUL_SHUTDOWN_SECONDS = 10  # in-flight requests get this long after SIGTERM
SHUTDOWN_BUDGET_SECONDS = 15  # graceful period + closing pools and the supervisor; documented
APP_FACTORY = "pakaura_api.main:app_factory"
CGROUP = Path("/sys/fs/cgroup")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pakaura-api", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: API_WORKERS, else the container's CPU limit)",
    )
    migrate = commands.add_parser("migrate", help="wait for the database, upgrade to head")
    migrate.add_argument(
        "--wait-seconds", type=float, default=60, help="give up if the database is not up by then"
    )
    return parser


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ConfigError as error:
        # One line an operator can act on, not a traceback.
        print(f"pakaura-api: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    log.info("settings", **settings.masked())
    if settings.generated_dev_secret:
        log.warning(
            "jwt_secret.generated",
            path=str(settings.pakaura_data_dir / "jwt-secret"),
            note="local development only; set JWT_SECRET in any shared deployment",
        )
    return settings


def cpu_limit(cgroup: Path = CGROUP) -> int | None:
    """The CPUs this container may use (cgroup v2 `cpu.max`, else v1 CFS quota), rounded up;
    None when unlimited. The host's core count says nothing about a container's share."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        if quota == "max":
            return None
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return max(1, math.ceil(quota_us / period_us)) if quota_us > 0 else None


def default_workers(settings: Settings, cgroup: Path = CGROUP) -> int:
    """API_WORKERS, else the cgroup CPU limit, else the CPUs this process may run on."""
    if settings.api_workers is not None:
        return settings.api_workers
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    limit = cpu_limit(cgroup)
    return max(1, min(limit, usable or limit) if limit else (usable or 1))


def serve(settings: Settings, host: str, port: int, workers: int | None = None) -> None:
    import uvicorn

    count = workers or default_workers(settings)
    log.info("serve", host=host, port=port, workers=count)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=count,
        log_config=None,  # keep our JSON logging (each worker configures it in the factory)
        access_log=False,  # RequestContextMiddleware logs each request with its id
        server_header=False,
        # Forwarded headers are handled inside the app (FORWARDED_ALLOW_IPS), the same way in
        # tests and in production; uvicorn must not rewrite the client first.
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve" and args.workers is not None and args.workers < 1:
        print("pakaura-api: --workers must be at least 1", file=sys.stderr)
        raise SystemExit(2)
    settings = _settings()
    if args.command == "serve":
        serve(settings, args.host, args.port, args.workers)
    else:
        from pakaura_api.migrate import run_migrations

        try:
            run_migrations(settings, wait_seconds=args.wait_seconds)
        except Exception as error:
            log.error("migrate.failed", error=f"{type(error).__name__}: {error}")
            raise SystemExit(1) from None
