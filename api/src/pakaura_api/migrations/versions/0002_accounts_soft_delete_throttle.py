"""Token versions, revoked tokens, login throttling in the database, soft-deleted tasks, and
canonical (NFKC + case-folded) emails.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Emails: every stored address is rewritten to its canonical form (`pakaura_api.emails`). When two
accounts fold to the same address, the one already stored in canonical form keeps it (its owner
already signs in with it), else the oldest; the others are left unchanged and reported by id in
the migration log (sign-in folds what is typed, so an operator must merge or rename them).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from pakaura_api.emails import lookup_form

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_tasks_deleted_at", ["deleted_at"], unique=False)
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_login_throttle_last_failure_at", "login_throttle", ["last_failure_at"])
    _canonical_emails()


def _canonical_emails() -> None:
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("email", sa.String()))
    groups: dict[str, list[tuple[int, str]]] = {}
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id))
    for user_id, email in rows:
        groups.setdefault(lookup_form(str(email)), []).append((int(str(user_id)), str(email)))
    for canonical, members in groups.items():
        holders = [user_id for user_id, email in members if email == canonical]
        keeper = holders[0] if holders else members[0][0]
        if not holders:
            bind.execute(sa.update(users).where(users.c.id == keeper).values(email=canonical))
        others = [user_id for user_id, _ in members if user_id != keeper]
        if others:
            log.warning(
                "accounts %s fold to the same email as account %s and were left unchanged",
                others,
                keeper,
            )


def downgrade() -> None:
    op.drop_index("ix_login_throttle_last_failure_at", table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_deleted_at")
        batch.drop_column("deleted_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
