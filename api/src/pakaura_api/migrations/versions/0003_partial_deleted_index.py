"""Index only the soft-deleted tasks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

`ix_tasks_deleted_at` indexed every task, live ones as NULL. The planner then combined it with
`ix_tasks_user_id` for "this user's live tasks" (a list, a create's cap count, a task by id),
reading the NULL entries of every live task of every user: a create spent 0.4 ms in PostgreSQL
once the table held 15,000 tasks, and more as it grows. Only the purge needs the index (`deleted_at
< cutoff`), and it only looks at deleted rows. Live rows no longer cost an index entry either.
Backward compatible: no code names the index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DELETED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_deleted_at")
        batch.create_index(
            "ix_tasks_deleted_at",
            ["deleted_at"],
            unique=False,
            postgresql_where=DELETED,
            sqlite_where=DELETED,
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_deleted_at")
        batch.create_index("ix_tasks_deleted_at", ["deleted_at"], unique=False)
