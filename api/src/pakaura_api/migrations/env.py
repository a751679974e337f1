"""Alembic environment: always given a live connection by `pakaura_api.migrate` (or the tests)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import pakaura_api.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `pakaura-api migrate`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
