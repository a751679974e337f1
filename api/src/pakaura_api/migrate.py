"""`pakaura-api migrate`: wait for the database, then `alembic upgrade head` under a lock.

Alembic is configured in code (no alembic.ini) and the scripts ship inside the package, so the
installed wheel can migrate. On PostgreSQL a session advisory lock serialises concurrent runs
(two replicas, a re-run Job): the second waits, then finds the schema at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from pakaura_api.config import Settings
from pakaura_api.revisions import head_revision

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant shared by all Pakaura migrators; "pakaura" in ASCII, to be recognisable in pg_locks.
ADVISORY_LOCK_KEY = 0x70616B61757261
log = structlog.get_logger("pakaura_api.migrate")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def alembic_head() -> str | None:
    """Alembic's own idea of the head (the tests check `revisions.head_revision` agrees)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning(
        "migrate.database_unavailable",
        attempt=state.attempt_number,
        retry_in_seconds=round(wait, 1),
        error=type(error).__name__,
    )


def run_migrations(settings: Settings, wait_seconds: float = 60) -> str:
    """Bring the schema to head; returns the head revision. Safe to run again or concurrently."""
    url = settings.database(sync=True)
    is_postgres = url.get_backend_name() == "postgresql"
    connect_args = {"connect_timeout": 5} if is_postgres else {}
    if not is_postgres:
        settings.pakaura_data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    log.info("migrate.start", database=url.render_as_string(hide_password=True))
    try:
        retrying = Retrying(
            retry=retry_if_exception_type(OperationalError),
            stop=stop_after_delay(wait_seconds),
            wait=wait_exponential(multiplier=0.5, max=5),
            before_sleep=_log_retry,
            reraise=True,
        )
        connection = retrying(engine.connect)
        with connection:
            if is_postgres:
                log.info("migrate.waiting_for_lock")
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
            try:
                command.upgrade(alembic_config(connection), "head")
                connection.commit()
            finally:
                if is_postgres:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    )
                    connection.commit()
    finally:
        engine.dispose()
    head = head_revision()
    log.info("migrate.done", revision=head)
    return head
