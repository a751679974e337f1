"""Migrations: from empty, re-run, concurrent runs, downgrade, models in step, SQLite too, and a
database already migrated by a newer version (after a rollback) left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from pakaura_api.config import load_settings
from pakaura_api.migrate import alembic_config, alembic_head, run_migrations
from pakaura_api.repository.tasks import _PAGES
from pakaura_api.revisions import head_revision, is_ahead, known_revisions
from pakaura_api.terms import TaskSort, TaskStatus
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
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
    assert head_revision() == alembic_head() == "0005"


def test_known_revisions_without_alembic_match_alembic() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert known_revisions() == {r.revision for r in script.walk_revisions()}
    assert not is_ahead(head_revision())
    assert is_ahead("9f3e1c0a7b2d")


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


NEWER = "9f3e1c0a7b2d"  # a revision id (Alembic style) this version does not ship


def _stamp_newer(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (NEWER,))


def _tables(url: str) -> dict[str, list[str]]:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    found = inspect(engine)
    tables = {
        name: sorted(c["name"] for c in found.get_columns(name)) for name in found.get_table_names()
    }
    engine.dispose()
    return tables


def test_migrate_leaves_a_schema_ahead_of_this_version_alone(create_database, tmp_path) -> None:
    """`invoke rollback` to an older image runs its migration Job against a database a newer
    version migrated: nothing changes, one line says why, and the Job succeeds (exit 0)."""
    url = create_database()
    run_migrations(_pg_settings(url, tmp_path))
    _stamp_newer(url)
    before = _tables(url)
    env = _clean_env(DATABASE_URL=url, JWT_SECRET=TEST_JWT_SECRET, PAKAURA_DATA_DIR=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "pakaura_api", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ahead = [line for line in run.stdout.splitlines() if "ahead of this version" in line]
    assert len(ahead) == 1, run.stdout
    line = json.loads(ahead[0])
    assert line["event"] == "migrate.schema_ahead"
    assert line["level"] == "warning"
    assert (line["revision"], line["head"]) == (NEWER, head_revision())
    assert "nothing to do" in line["detail"]
    assert "migrate.failed" not in run.stdout
    assert "migrate.done" not in run.stdout
    assert _version(url) == NEWER
    assert _tables(url) == before
    # in-process too: the answer is the schema's revision, not this version's head
    assert run_migrations(_pg_settings(url, tmp_path)) == NEWER
    assert _version(url) == NEWER


def test_sqlite_schema_ahead_of_this_version_is_left_alone(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    engine = create_engine(f"sqlite:///{tmp_path / 'pakaura.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    engine.dispose()
    assert run_migrations(settings) == NEWER


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


def test_only_soft_deleted_tasks_are_in_the_deleted_at_index(database_url, tmp_path) -> None:
    """Migration 0003: a full index on deleted_at let PostgreSQL read every live task's entry to
    find one user's live tasks. Partial on both databases, and unused for a user's live tasks."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        (definition,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tasks_deleted_at'"
        ).fetchone()
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN SELECT count(*) FROM tasks WHERE user_id = 1 AND deleted_at IS NULL"
            )
        )
    assert definition.endswith("WHERE (deleted_at IS NOT NULL)"), definition
    assert "ix_tasks_deleted_at" not in plan, plan
    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    engine = create_engine(f"sqlite:///{tmp_path / 'pakaura.sqlite3'}")
    with engine.connect() as conn:
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'ix_tasks_deleted_at'")
        ).scalar_one()
    engine.dispose()
    assert sql.endswith("WHERE deleted_at IS NOT NULL"), sql


def test_a_page_of_a_large_list_reads_only_its_rows(database_url: str) -> None:
    """Migration 0005: with 3,000 live tasks (and other users' tasks around them), a page of
    the list is read in order from `ix_tasks_user_live`, not sorted from all of them."""
    page = _PAGES[TaskStatus.all, TaskSort.created]
    sql = str(page.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[attr-defined]
    with psycopg.connect(database_url, autocommit=True) as conn:
        users = [
            conn.execute(
                "INSERT INTO users (email, name, password_hash, created_at, token_version,"
                " live_tasks) VALUES (%s, 'plan', 'x', now(), 0, 0) RETURNING id",
                (f"plan-{uuid.uuid4().hex}@example.com",),
            ).fetchone()[0]
            for _ in range(2)
        ]
        for user in users:
            conn.execute(
                "INSERT INTO tasks (user_id, title, description, priority, completed,"
                " created_at, updated_at) SELECT %s, 'task', '', 'medium', false,"
                " now() - g * interval '1 second', now() FROM generate_series(1, 3000) g",
                (user,),
            )
        conn.execute("ANALYZE tasks")
        params = {"auth_user_id": users[0], "auth_version": 0, "auth_jti": "j"}
        plan = json.dumps(
            conn.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, {**params, "limit": 101, "offset": 0}
            ).fetchone()[0]
        )
        conn.execute("DELETE FROM users WHERE id = ANY(%s)", (users,))
    assert "ix_tasks_user_live" in plan, plan
    assert '"Actual Rows": 3000' not in plan, plan  # no node read all of the user's tasks
