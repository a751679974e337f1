"""A user's live tasks, newest first, straight from an index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

The task list (`ORDER BY created_at DESC, id DESC LIMIT n`) read every live task of its user
and sorted them for each page: 0.06 ms of PostgreSQL for a user with 50 tasks, 2.9 ms for one
at the default cap of 10,000. `ix_tasks_user_live` holds each user's live tasks in that order
(read backwards), so a page reads its own rows and stops. Partial (`deleted_at IS NULL`), like
the list. Backward compatible: no code names the index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_tasks_user_live",
        "tasks",
        ["user_id", "created_at", "id"],
        unique=False,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_user_live", table_name="tasks")
