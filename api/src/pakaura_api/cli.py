"""`pakaura-api serve | migrate`: the only entry points (container command, migration Job)."""

from __future__ import annotations

import argparse
import sys

import structlog

from pakaura_api import __version__
from pakaura_api.config import ConfigError, Settings, load_settings
from pakaura_api.logging import configure_logging

log = structlog.get_logger("pakaura_api")
GRACEFUL_SHUTDOWN_SECONDS = 10  # below Kubernetes' default 30 s termination grace period


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pakaura-api", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 (a container must listen on all)
    serve.add_argument("--port", type=int, default=8000)
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


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from pakaura_api.main import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,  # keep our JSON logging
        access_log=False,  # RequestContextMiddleware logs each request with its id
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = _settings()
    if args.command == "serve":
        serve(settings, args.host, args.port)
    else:
        from pakaura_api.migrate import run_migrations

        try:
            run_migrations(settings, wait_seconds=args.wait_seconds)
        except Exception as error:
            log.error("migrate.failed", error=f"{type(error).__name__}: {error}")
            raise SystemExit(1) from None
