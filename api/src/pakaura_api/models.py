"""Database tables and the public shapes derived from them (one family per entity).

Alembic migrations in `migrations/versions/` are written by hand from these tables and must be kept
in step: `nox -s api` checks that autogenerate finds no difference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, model_validator
from sqlalchemy import JSON, Column, DateTime, Index, text
from sqlmodel import Field, SQLModel

from pakaura_api.emails import InvalidEmailError, normalize_email

# The shared terms live in `terms.py`; re-exported here (`X as X`) for existing imports.
from pakaura_api.terms import Mode as Mode
from pakaura_api.terms import Priority as Priority
from pakaura_api.terms import Role as Role
from pakaura_api.terms import TaskStatus as TaskStatus

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
MESSAGE_MAX = 4000
PASSWORD_MIN = 12
PASSWORD_MAX = 256
EMAIL_MAX = 320
# Ids are 32-bit INTEGER columns: anything outside cannot exist (and must answer 404, not 500).
ID_MAX = 2**31 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it as bad input rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _stripped_text(value: str) -> str:
    value = _no_nul(value).strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _email(value: str) -> str:
    try:
        return normalize_email(_stripped_text(value))
    except InvalidEmailError as error:
        raise ValueError(str(error)) from None


def _password(value: str) -> str:
    # The static half of the policy; the strength estimate runs in the route (off the loop).
    if "\x00" in value:
        raise ValueError("The password must not contain NUL characters.")
    if not value.strip():
        raise ValueError("The password must not be blank.")
    if len(value) < PASSWORD_MIN:
        raise ValueError(f"The password must have at least {PASSWORD_MIN} characters.")
    return value


def _as_utc(value: datetime) -> datetime:
    # SQLite drops the offset of stored timestamps; every timestamp we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
NewPassword = Annotated[str, AfterValidator(_password)]
Text = Annotated[str, AfterValidator(_no_nul)]
Email = Annotated[str, AfterValidator(_email)]
NonBlankText = Annotated[str, AfterValidator(_stripped_text)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, **kwargs),
    )


# --- users -------------------------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_MAX, unique=True, index=True)  # normalised (emails.py)
    name: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=255)
    created_at: datetime = _timestamp()
    # Part of every token; a password change increments it, revoking every older token.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The user's tasks that are not deleted, kept by triggers on `tasks` (migration 0004): the
    # per-user cap is checked against it on each create without counting the tasks.
    live_tasks: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class RevokedToken(SQLModel, table=True):
    """Tokens signed out before they expire (`POST /auth/logout`); purged once expired."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class LoginThrottle(SQLModel, table=True):
    """Failed logins per key (a client address, or a client and email), shared by all workers."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)  # sha256 hex of the key
    failures: int
    last_failure_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class UserPublic(SQLModel):
    id: int
    email: str
    name: str | None


class SignupRequest(SQLModel):
    email: Email = Field(max_length=EMAIL_MAX)
    password: NewPassword = Field(max_length=PASSWORD_MAX)
    name: Text | None = Field(default=None, max_length=100)


class LoginRequest(SQLModel):
    email: Text = Field(min_length=1, max_length=EMAIL_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class PasswordChangeRequest(SQLModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: NewPassword = Field(max_length=PASSWORD_MAX)


class TokenResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    user: UserPublic


# --- tasks -------------------------------------------------------------------------------------


class TaskBase(SQLModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    priority: Priority = Priority.medium
    due_date: date | None = None


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    # Only the soft-deleted rows (what the purge looks for): an index of every row's deleted_at
    # let the planner "narrow" a user's tasks by `deleted_at IS NULL`, reading the index
    # entries of every live task of every user on each list, create and count (migration 0003).
    # And each user's live tasks in the list's order (read backwards: newest first), so a page
    # reads its own rows instead of sorting all of the user's tasks (migration 0005).
    __table_args__ = (
        Index(
            "ix_tasks_deleted_at",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
        Index(
            "ix_tasks_user_live",
            "user_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    completed: bool = False
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(onupdate=utcnow)
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # Soft delete: set by DELETE, cleared by restore within the undo window, purged after it.
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class TaskCreate(TaskBase):
    title: NonBlankText = Field(min_length=1, max_length=TITLE_MAX)
    description: Text = Field(default="", max_length=DESCRIPTION_MAX)


class TaskUpdate(SQLModel):
    """A partial change: only the fields sent are applied; `due_date: null` clears the date."""

    title: NonBlankText | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: Text | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: Priority | None = None
    due_date: date | None = None
    completed: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required_columns(self) -> TaskUpdate:
        for name in ("title", "description", "priority", "completed"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskPublic(TaskBase):
    id: int
    completed: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime
    completed_at: UtcDatetime | None


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
    # (conversation, id): "the last 20 turns" reads 20 index entries, however long the thread.
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", ondelete="CASCADE")
    role: Role
    content: str = Field(max_length=MESSAGE_MAX * 4)
    mode: Mode | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = _timestamp()


class ConversationPublic(SQLModel):
    id: int
    title: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ActionEffect(StrEnum):
    """What a chat action did to the task list: the web app applies it without knowing tools."""

    none = "none"  # nothing changed (e.g. a list)
    upsert = "upsert"  # `result.task` was created or changed
    delete = "delete"  # `result.task` was deleted


class ActionPublic(SQLModel):
    """One task change made during a chat turn (the UI refreshes from these)."""

    tool: str
    effect: ActionEffect
    arguments: dict[str, Any]
    result: dict[str, Any]


class MessagePublic(SQLModel):
    id: int
    role: Role
    content: str
    mode: Mode | None
    actions: list[ActionPublic]
    created_at: UtcDatetime


class ChatRequest(SQLModel):
    message: NonBlankText = Field(min_length=1, max_length=MESSAGE_MAX)
    conversation_id: int | None = None


class ChatResponse(SQLModel):
    conversation_id: int
    reply: str
    mode: Mode
    actions: list[ActionPublic]
