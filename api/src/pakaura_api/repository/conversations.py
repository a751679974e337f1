"""Conversation and message storage, scoped to one user (the chat's queries).

A chat turn never holds a connection while the assistant thinks, so it talks to the database in
short, separate steps, each ONE statement (one round trip) on a connection checked out just for it:
- `read_turn`: ownership of the conversation, its last messages and (when the demo assistant
  needs them) the user's tasks, as one UNION ALL;
- the tools' task changes (each its own statement, see `chat/tools/access.py`);
- `store_turn`: the conversation (new, or its `updated_at` touched) and both messages of the turn.
  On PostgreSQL one statement (a data-modifying CTE); SQLite has no such CTEs, so there it is one
  short transaction of two statements.
The pages served by `GET /conversations` and `GET /conversations/{id}/messages` are one statement
each, too (ownership folded in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    bindparam,
    cast,
    insert,
    literal,
    null,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from pakaura_api import db
from pakaura_api.models import ID_MAX, Conversation, Message, Task
from pakaura_api.repository.tokens import AUTH, TokenNoLongerValid, auth_params
from pakaura_api.security import Principal
from pakaura_api.terms import Mode, Role

HISTORY_LIMIT = 20  # messages a turn reads back: bounds prompt size and latency


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A stored message as the assistant reads it (plain row: no ORM object per message)."""

    role: str
    content: str
    actions: list[dict[str, Any]] | None


@dataclass(frozen=True, slots=True)
class TurnContext:
    history: list[StoredMessage]
    # The user's tasks (summary fields), newest first; None when not asked for.
    tasks: list[dict[str, Any]] | None


def valid_id(value: int) -> bool:
    """Ids are 32-bit INTEGER columns: anything outside cannot exist (404, never a 500)."""
    return 0 < value <= ID_MAX


# --- one turn's read ---------------------------------------------------------------------------

# Columns of the union; absent values are typed NULLs so every branch has the same shape.
_KIND, _ID, _TEXT, _DETAIL, _LABEL, _ACTIONS, _DUE, _DONE, _AT = range(9)


def _typed_null(type_: Any) -> Any:
    return cast(null(), type_)


def _history_branch() -> Any:
    owned = (
        select(col(Conversation.id))
        .where(
            col(Conversation.id) == bindparam("conversation_id"),
            col(Conversation.user_id) == bindparam("user_id"),
        )
        .scalar_subquery()
    )
    recent = (
        select(Message)
        .where(col(Message.conversation_id) == owned)
        .order_by(col(Message.id).desc())
        .limit(HISTORY_LIMIT)
        .subquery("recent")
    )
    return select(
        literal("m", String).label("kind"),
        recent.c.id,
        recent.c.content,
        _typed_null(String),
        cast(recent.c.role, String),
        recent.c.actions,
        _typed_null(Date),
        _typed_null(Boolean),
        recent.c.created_at,
    )


def _auth_branch() -> Any:
    """One row when the token is still valid (`tokens.AUTH`): the turn's token check, folded in."""
    return select(
        literal("a", String),
        AUTH.c.id,
        _typed_null(String),
        _typed_null(String),
        _typed_null(String),
        _typed_null(JSON),
        _typed_null(Date),
        _typed_null(Boolean),
        _typed_null(DateTime(timezone=True)),
    ).select_from(AUTH)


def _owner_branch() -> Any:
    return select(
        literal("c", String),
        col(Conversation.id),
        _typed_null(String),
        _typed_null(String),
        _typed_null(String),
        _typed_null(JSON),
        _typed_null(Date),
        _typed_null(Boolean),
        col(Conversation.updated_at),
    ).where(
        col(Conversation.id) == bindparam("conversation_id"),
        col(Conversation.user_id) == bindparam("user_id"),
    )


def _tasks_branch() -> Any:
    return select(
        literal("t", String),
        col(Task.id),
        col(Task.title),
        col(Task.description),
        cast(col(Task.priority), String),
        _typed_null(JSON),
        col(Task.due_date),
        col(Task.completed),
        col(Task.created_at),
    ).where(col(Task.user_id) == bindparam("user_id"), *_visible_tasks())


def _visible_tasks() -> list[Any]:
    # Soft-deleted tasks (when the table has `deleted_at`) are invisible to the chat.
    deleted_at = Task.__table__.c.get("deleted_at")  # type: ignore[attr-defined]
    return [] if deleted_at is None else [deleted_at.is_(None)]


def _read(conversation: bool, tasks: bool) -> Any:
    branches = [_history_branch(), _owner_branch()] if conversation else []
    branches.append(_auth_branch())
    if tasks:
        branches.append(_tasks_branch())
    return union_all(*branches)


# Built once per shape: (conversation?, tasks?).
_READS = {(c, t): _read(c, t) for c in (True, False) for t in (True, False)}


async def read_turn(
    engine: AsyncEngine, principal: Principal, conversation_id: int | None, with_tasks: bool
) -> TurnContext | None:
    """What a turn needs, in one round trip on a connection held for that statement only: the
    token check, and the conversation's history and the user's tasks when asked for. None when
    `conversation_id` is not one of this user's; `TokenNoLongerValid` for a revoked token."""
    if conversation_id is not None and not valid_id(conversation_id):
        conversation_id = 0  # cannot exist: still check the token first
    query = _READS[conversation_id is not None, with_tasks]
    params = {
        **auth_params(principal),
        "user_id": principal.user_id,
        "conversation_id": conversation_id,
    }

    async def read(connection: db.Connection) -> list[Any]:
        return list(await db.fetch(connection, query, params))

    rows = await db.run_prebuilt(engine, read, read_only=True)
    history: list[tuple[int, StoredMessage]] = []
    tasks: list[tuple[datetime, int, dict[str, Any]]] = []
    owned = conversation_id is None
    authorized = False
    for row in rows:
        kind = row[_KIND]
        if kind == "a":
            authorized = True
        elif kind == "c":
            owned = True
        elif kind == "m":
            history.append((row[_ID], StoredMessage(row[_LABEL], row[_TEXT], row[_ACTIONS])))
        else:
            due = row[_DUE]
            record = {
                "id": row[_ID],
                "title": row[_TEXT],
                "description": row[_DETAIL],
                "priority": row[_LABEL],
                "due_date": _date(due),
                "completed": bool(row[_DONE]),
            }
            tasks.append((_aware(row[_AT]), row[_ID], record))
    if not authorized:
        raise TokenNoLongerValid
    if not owned:
        return None
    history.sort(key=lambda pair: pair[0])
    tasks.sort(key=lambda triple: (triple[0], triple[1]), reverse=True)  # newest first
    return TurnContext(
        history=[message for _, message in history],
        tasks=[record for *_, record in tasks] if with_tasks else None,
    )


def _date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # a typed NULL's column type can leave SQLite's text as is
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- one turn's write --------------------------------------------------------------------------

_MESSAGE_COLUMNS = ("role", "content", "mode", "actions")
_MESSAGES: Any = Message.__table__  # type: ignore[attr-defined]


def _typed(typed: Any, parameter: str, column: str) -> Any:
    type_ = _MESSAGES.c[column].type
    return typed(bindparam(parameter, type_=type_), type_)


def _messages(conversation: Any, typed: Any) -> Any:
    """INSERT of both messages of the turn into the conversation `conversation` yields.

    INSERT … SELECT … UNION ALL SELECT, not a multi-row VALUES (which SQLAlchemy compiles anew
    for every call). `typed` is `cast` on PostgreSQL (the union's columns need their types) and
    `type_coerce` on SQLite (where CAST to JSON would mean NUMERIC)."""
    rows = union_all(
        *(
            select(
                conversation,
                *(_typed(typed, f"{who}_{name}", name) for name in _MESSAGE_COLUMNS),
                _typed(typed, "now", "created_at"),
            )
            for who in ("user", "assistant")
        )
    )
    return insert(Message).from_select(["conversation_id", *_MESSAGE_COLUMNS, "created_at"], rows)


_NEW_CONVERSATION = (
    insert(Conversation)
    .values(
        user_id=bindparam("owner"),
        title=bindparam("new_title"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(col(Conversation.id))
)
_TOUCH_CONVERSATION = (
    update(Conversation)
    .where(
        col(Conversation.id) == bindparam("conversation"),
        col(Conversation.user_id) == bindparam("owner"),
    )
    .values(updated_at=bindparam("now"))
    .returning(col(Conversation.id))
)


def _pg_store(new: bool) -> Any:
    """The conversation's INSERT (new) or touch as a CTE feeding the messages' INSERT."""
    target = (_NEW_CONVERSATION if new else _TOUCH_CONVERSATION).cte("conversation")
    conversation = select(target.c.id).scalar_subquery()
    return _messages(conversation, cast).add_cte(target).returning(col(Message.conversation_id))


_PG_STORE = {new: _pg_store(new) for new in (True, False)}
_ADD_MESSAGES = _messages(type_coerce(bindparam("conversation"), Integer), type_coerce)


async def start_conversation(engine: AsyncEngine, user_id: int, title: str, now: datetime) -> int:
    """A new, empty conversation (a streamed turn names its conversation before it answers)."""
    params = {"owner": user_id, "new_title": title, "now": now}

    async def create(connection: AsyncConnection) -> Any:
        return (await connection.execute(_NEW_CONVERSATION, params)).scalar_one()

    created = await db.run(engine, create, read_only=False)
    assert created is not None  # an INSERT … RETURNING id returns it
    return int(created)


class ConversationGone(Exception):  # noqa: N818 (reads as the condition it reports)
    """The conversation was deleted while the turn ran."""


@dataclass(frozen=True, slots=True)
class NewTurn:
    user_id: int
    conversation_id: int | None  # None: start a conversation titled `title`
    title: str
    message: str
    reply: str
    mode: Mode
    actions: list[dict[str, Any]]
    now: datetime


async def store_turn(engine: AsyncEngine, turn: NewTurn) -> int:
    """Store the turn (and the conversation when it is new); returns the conversation id.

    `engine` must be in autocommit: on PostgreSQL this is ONE statement; on SQLite a short
    transaction of two."""
    params: dict[str, Any] = {
        "owner": turn.user_id,
        "conversation": turn.conversation_id,
        "new_title": turn.title,
        "now": turn.now,
        "user_role": Role.user,
        "user_content": turn.message,
        "user_mode": None,
        "user_actions": [],
        "assistant_role": Role.assistant,
        "assistant_content": turn.reply,
        "assistant_mode": turn.mode,
        "assistant_actions": turn.actions,
    }
    new = turn.conversation_id is None

    async def store(connection: db.Connection) -> int:
        if connection.dialect.name == "postgresql":
            rows = await db.fetch(connection, _PG_STORE[new], params)
            stored = rows[0] if rows else None
            if stored is None or stored[0] is None:  # pragma: no cover (NOT NULL refuses first)
                raise ConversationGone
            return int(stored[0])
        assert isinstance(connection, AsyncConnection)  # elsewhere `run_prebuilt` gives this
        async with connection.begin():
            first = _NEW_CONVERSATION if new else _TOUCH_CONVERSATION
            conversation_id = (await connection.execute(first, params)).scalar()
            if conversation_id is None:
                raise ConversationGone
            params["conversation"] = conversation_id
            await connection.execute(_ADD_MESSAGES, params)
        return int(conversation_id)

    return await db.run_prebuilt(engine, store, read_only=False)


# --- pages (one statement each, the token check folded in) -------------------------------------


def _conversation_page() -> Any:
    page = (
        select(
            col(Conversation.id),
            col(Conversation.title),
            col(Conversation.created_at),
            col(Conversation.updated_at),
        )
        .where(col(Conversation.user_id) == bindparam("auth_user_id"))
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    # The valid token's one row, outer-joined to the page: no row at all means "token no longer
    # valid"; one row of NULLs means "no conversations (on this page)".
    return (
        select(page.c.id, page.c.title, page.c.created_at, page.c.updated_at)
        .select_from(AUTH)
        .outerjoin(page, true())
        .order_by(page.c.updated_at.desc(), page.c.id.desc())
    )


_CONVERSATION_PAGE = _conversation_page()


async def conversation_page(
    connection: AsyncConnection, principal: Principal, limit: int, offset: int
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` conversations from `offset`, most recently active first; and whether more
    exist (one row more is read to know). `TokenNoLongerValid` for a revoked token."""
    params = {**auth_params(principal), "limit": limit + 1, "offset": offset}
    rows = await db.fetch(connection, _CONVERSATION_PAGE, params)
    if not rows:
        raise TokenNoLongerValid
    found = [row for row in rows if row[0] is not None]
    page = [
        {"id": row[0], "title": row[1], "created_at": _aware(row[2]), "updated_at": _aware(row[3])}
        for row in found[:limit]
    ]
    return page, len(found) > limit


def _message_page(before: bool) -> Any:
    page = select(Message).where(col(Message.conversation_id) == bindparam("conversation_id"))
    if before:
        page = page.where(col(Message.id) < bindparam("before"))
    newest = page.order_by(col(Message.id).desc()).limit(bindparam("limit")).subquery("page")
    owned = (
        select(col(Conversation.id))
        .where(
            col(Conversation.id) == bindparam("conversation_id"),
            col(Conversation.user_id) == bindparam("auth_user_id"),
        )
        .subquery("owned")
    )
    # The valid token's one row, outer-joined to the owned conversation and its page: no row at
    # all means "token no longer valid"; no conversation id means "not this user's"; one row
    # without a message means "no messages (before that id)".
    return (
        select(
            owned.c.id,
            newest.c.id,
            cast(newest.c.role, String),
            newest.c.content,
            cast(newest.c.mode, String),
            newest.c.actions,
            newest.c.created_at,
        )
        .select_from(AUTH)
        .outerjoin(owned, true())
        .outerjoin(newest, owned.c.id.is_not(None))
        .order_by(newest.c.id.desc())
    )


_MESSAGE_PAGES = {before: _message_page(before) for before in (True, False)}


async def message_page(
    connection: AsyncConnection,
    principal: Principal,
    conversation_id: int,
    limit: int,
    before: int | None,
) -> tuple[list[dict[str, Any]], bool] | None:
    """The newest `limit` messages with `id < before` (all newest without it), oldest first,
    and whether older ones exist; None when it is not this user's conversation;
    `TokenNoLongerValid` for a revoked token."""
    if before is not None and before > ID_MAX:  # every id is older than that
        before = None
    params: dict[str, Any] = {
        **auth_params(principal),
        "conversation_id": conversation_id if valid_id(conversation_id) else 0,
        "limit": limit + 1,
        "before": before,
    }
    rows = await db.fetch(connection, _MESSAGE_PAGES[before is not None], params)
    if not rows:
        raise TokenNoLongerValid
    if rows[0][0] is None:
        return None
    found = [row[1:] for row in rows if row[1] is not None]
    page = [
        {
            "id": row[0],
            "role": row[1],
            "content": row[2],
            "mode": row[3],
            "actions": row[4] or [],
            "created_at": _aware(row[5]),
        }
        for row in reversed(found[:limit])
    ]
    return page, len(found) > limit


__all__ = [
    "HISTORY_LIMIT",
    "ConversationGone",
    "NewTurn",
    "StoredMessage",
    "TurnContext",
    "conversation_page",
    "message_page",
    "read_turn",
    "start_conversation",
    "store_turn",
    "valid_id",
]
