"""Migrations: from empty, re-run, concurrent runs, downgrade, models in step, SQLite too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pakaura_api.config import load_settings
from pakaura_api.migrate import alembic_config, alembic_head, run_migrations
from pakaura_api.revisions import head_revision
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from .conftest import TEST_JWT_SECRET

TABLES = {"alembic_version", "users", "tasks", "conversations", "messages"}


def _version(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _pg_settings(url: str, tmp_path: Path):
    return load_settings(database_url=url, jwt_secret=TEST_JWT_SECRET, pakaura_data_dir=tmp_path)


def _assert_models_match(sync_url: str) -> None:
    engine = create_engine(sync_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_head_without_alembic_matches_alembic() -> None:
    assert head_revision() == alembic_head() == "0002"


def test_upgrade_from_empty_then_noop_then_downgrade(create_database, tmp_path) -> None:
    url = create_database()
    settings = _pg_settings(url, tmp_path)
    assert run_migrations(settings) == head_revision()
    assert _version(url) == head_revision()
    engine = create_engine(settings.database(sync=True))
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert run_migrations(settings) == head_revision()  # second run changes nothing
    assert _version(url) == head_revision()
    _assert_models_match(settings.database(sync=True).render_as_string(hide_password=False))

    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), "base")
        conn.commit()
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    run_migrations(settings)
    assert _version(url) == head_revision()


def _migrate_process(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pakaura_api", "migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "COVERAGE_RCFILE")}
    return {**keep, **extra}


def test_two_concurrent_migrations_both_succeed(create_database, tmp_path) -> None:
    url = create_database()
    env = _clean_env(DATABASE_URL=url, JWT_SECRET=TEST_JWT_SECRET, PAKAURA_DATA_DIR=str(tmp_path))
    runs = [_migrate_process(env) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _version(url) == head_revision()
    upgrades = sum(out.count(f"-> {head_revision()}") for out in outputs)
    assert upgrades == 1, outputs  # the lock made the second run a no-op
    assert all('"migrate.done"' in out for out in outputs)


def test_migrate_gives_up_on_an_unreachable_database(tmp_path) -> None:
    env = _clean_env(
        DATABASE_URL="postgresql://pakaura:x@127.0.0.1:1/none",
        JWT_SECRET=TEST_JWT_SECRET,
    )
    run = subprocess.run(
        [sys.executable, "-m", "pakaura_api", "migrate", "--wait-seconds", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "migrate.database_unavailable" in run.stdout
    assert "migrate.failed" in run.stdout


def test_sqlite_migrations_match_the_models(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path)
    assert settings.is_local
    assert run_migrations(settings) == head_revision()
    assert run_migrations(settings) == head_revision()
    assert (tmp_path / "pakaura.sqlite3").exists()
    _assert_models_match(f"sqlite:///{tmp_path / 'pakaura.sqlite3'}")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_database_url_schemes_are_normalised(scheme: str) -> None:
    settings = load_settings(database_url=f"{scheme}://u:p@h:5432/d", jwt_secret=TEST_JWT_SECRET)
    assert settings.database().drivername == "postgresql+psycopg"
    assert settings.database(sync=True).drivername == "postgresql+psycopg"
