"""Database tables and the public shapes derived from them (one family per entity).

Alembic migrations in `migrations/versions/` are written by hand from these tables and must be kept
in step: `nox -s api` checks that autogenerate finds no difference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
MESSAGE_MAX = 4000


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, **kwargs),
    )


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Role(StrEnum):
    user = "user"
    assistant = "assistant"


class Mode(StrEnum):
    ai = "ai"
    demo = "demo"


# --- users -------------------------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=255)
    created_at: datetime = _timestamp()


class UserPublic(SQLModel):
    id: int
    email: str
    name: str | None


# --- tasks -------------------------------------------------------------------------------------


class TaskBase(SQLModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    priority: Priority = Priority.medium
    due_date: date | None = None


class Task(TaskBase, table=True):
    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    completed: bool = False
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(onupdate=utcnow)
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class TaskCreate(TaskBase):
    pass


class TaskUpdate(SQLModel):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: Priority | None = None
    due_date: date | None = None
    completed: bool | None = None


class TaskPublic(TaskBase):
    id: int
    completed: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


# --- conversations -----------------------------------------------------------------------------


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    title: str = Field(default="New conversation", max_length=TITLE_MAX)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(onupdate=utcnow)


class Message(SQLModel, table=True):
    """One stored turn. Assistant turns carry the task actions they made and who answered."""

    __tablename__ = "messages"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True, ondelete="CASCADE")
    role: Role
    content: str = Field(max_length=MESSAGE_MAX * 4)
    mode: Mode | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = _timestamp()
