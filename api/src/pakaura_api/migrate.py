"""`pakaura-api migrate`: wait for the database, then `alembic upgrade head` under a lock.

Alembic is configured in code (no alembic.ini) and the scripts ship inside the package, so the
installed wheel can migrate. On PostgreSQL a session advisory lock serialises concurrent runs
(two replicas, a re-run Job): the second waits, then finds the schema at head and does nothing.

A database at a revision this version does not know was migrated by a newer version (`invoke
rollback` to an older image runs that image's migration Job): nothing is changed, one line says
so, and the run succeeds. Migrations are backward compatible for one version (expand/contract),
so the older code works against the newer schema; see api/README.md, "Migrations".
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
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
from pakaura_api.revisions import head_revision, is_ahead

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


def _ahead_of_this_version(connection: Connection) -> str | None:
    """The database's revision when this version does not know it (a newer one migrated it)."""
    current = MigrationContext.configure(connection).get_current_revision()
    connection.commit()  # end the read's implicit transaction; Alembic opens its own
    return current if current is not None and is_ahead(current) else None


def run_migrations(settings: Settings, wait_seconds: float = 60) -> str:
    """Bring the schema to head; returns the schema's revision afterwards (the head, or a newer
    revision this version leaves alone). Safe to run again or concurrently."""
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
                ahead = _ahead_of_this_version(connection)
                if ahead is None:
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
    if ahead is not None:
        log.warning(
            "migrate.schema_ahead",
            revision=ahead,
            head=head,
            detail=f"the schema is at {ahead}, ahead of this version (head {head}): a newer "
            "version migrated it; nothing to do (expand/contract migrations keep older "
            "versions working)",
        )
        return ahead
    log.info("migrate.done", revision=head)
    return head
