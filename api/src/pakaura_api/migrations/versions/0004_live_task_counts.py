"""Each user's number of live tasks, kept by the database.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

A new task is refused once its user has `MAX_TASKS_PER_USER` live tasks. Counting them on every
create read every one of the user's tasks (0.14 ms of PostgreSQL for a user with 400; linear,
so ~3.5 ms near the default cap of 10,000). `users.live_tasks` is that count, kept by triggers
on `tasks`, so every writer (the routes, the chat tools, the purge, a cascade, an older version
of the API after a rollback) keeps it right without knowing about it; a create reads one row.

The triggers are created before the count is filled in, in the migration's transaction: on
PostgreSQL, CREATE TRIGGER locks `tasks` against writes until the commit, so no task written
by a running older version is missed or counted twice. SQLite: a future batch migration that
recreates `tasks` must create the triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A task is live while deleted_at is NULL; each trigger moves one task in or out of a count.
_POSTGRESQL = [
    """
    CREATE FUNCTION tasks_count_live() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
            UPDATE users SET live_tasks = live_tasks - 1 WHERE id = OLD.user_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
            UPDATE users SET live_tasks = live_tasks + 1 WHERE id = NEW.user_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER tasks_live_insert AFTER INSERT ON tasks
    FOR EACH ROW WHEN (NEW.deleted_at IS NULL) EXECUTE FUNCTION tasks_count_live()
    """,
    """
    CREATE TRIGGER tasks_live_delete AFTER DELETE ON tasks
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL) EXECUTE FUNCTION tasks_count_live()
    """,
    """
    CREATE TRIGGER tasks_live_update AFTER UPDATE OF deleted_at, user_id ON tasks
    FOR EACH ROW WHEN ((OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL)
                       OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION tasks_count_live()
    """,
]
_SQLITE = [
    """
    CREATE TRIGGER tasks_live_insert AFTER INSERT ON tasks WHEN NEW.deleted_at IS NULL
    BEGIN UPDATE users SET live_tasks = live_tasks + 1 WHERE id = NEW.user_id; END
    """,
    """
    CREATE TRIGGER tasks_live_delete AFTER DELETE ON tasks WHEN OLD.deleted_at IS NULL
    BEGIN UPDATE users SET live_tasks = live_tasks - 1 WHERE id = OLD.user_id; END
    """,
    """
    CREATE TRIGGER tasks_live_update AFTER UPDATE OF deleted_at, user_id ON tasks
    WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) OR OLD.user_id <> NEW.user_id
    BEGIN
        UPDATE users SET live_tasks = live_tasks - (OLD.deleted_at IS NULL) WHERE id = OLD.user_id;
        UPDATE users SET live_tasks = live_tasks + (NEW.deleted_at IS NULL) WHERE id = NEW.user_id;
    END
    """,
]
_BACKFILL = """
    UPDATE users SET live_tasks = (
        SELECT count(*) FROM tasks WHERE tasks.user_id = users.id AND tasks.deleted_at IS NULL
    )
"""


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("live_tasks", sa.Integer(), nullable=False, server_default="0"))
    for statement in _POSTGRESQL if _is_postgresql() else _SQLITE:
        op.execute(statement)
    op.execute(_BACKFILL)


def downgrade() -> None:
    for name in ("tasks_live_insert", "tasks_live_delete", "tasks_live_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON tasks" if _is_postgresql() else ""))
    if _is_postgresql():
        op.execute("DROP FUNCTION IF EXISTS tasks_count_live()")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("live_tasks")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
