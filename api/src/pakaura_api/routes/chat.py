"""Chat with the assistant, and the stored conversations.

This route owns storage (conversation, bounded history, both turns); `pakaura_api.chat.respond`
owns the answer and the task actions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sql_select  # sqlmodel's `select` takes at most 4 columns
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.chat import ChatConfig, StoredTurn, respond
from pakaura_api.chat.tools import stored_action
from pakaura_api.deps import CurrentUserId, ReadSessionDep, SessionDep
from pakaura_api.models import (
    ID_MAX,
    MESSAGE_MAX,
    TITLE_MAX,
    ChatRequest,
    ChatResponse,
    Conversation,
    ConversationPublic,
    Message,
    MessagePublic,
    Role,
    utcnow,
)

router = APIRouter(tags=["chat"], responses={401: {"description": "Missing or invalid token"}})
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such conversation for this user"}
}
HISTORY_LIMIT = 20  # turns sent to the assistant: bounds prompt size and latency
REPLY_STORED_MAX = MESSAGE_MAX * 4  # the column's size: a very long reply must not fail the turn


# A chat turn's own storage is plain SQL from statements built once: the turn is the busiest
# write, and ORM objects (construction, unit-of-work flush) cost more CPU than its queries.
_recent = (
    sql_select(
        col(Message.id),
        col(Message.conversation_id),
        col(Message.role),
        col(Message.content),
        col(Message.actions),
    )
    .where(col(Message.conversation_id) == bindparam("conversation_id"))
    .order_by(col(Message.id).desc())
    .limit(HISTORY_LIMIT)
    .subquery("recent")
)
# Ownership and history in one round trip: no row at all means "not this user's conversation";
# a row of NULLs is an owned conversation without messages.
_OWNED_HISTORY = (
    sql_select(_recent.c.role, _recent.c.content, _recent.c.actions)
    .select_from(Conversation)
    .outerjoin(_recent, _recent.c.conversation_id == col(Conversation.id))
    .where(
        col(Conversation.id) == bindparam("conversation_id"),
        col(Conversation.user_id) == bindparam("user_id"),
    )
    .order_by(_recent.c.id.desc())
)
_NEW_CONVERSATION = insert(Conversation).returning(col(Conversation.id))
_TOUCH_CONVERSATION = (
    update(Conversation)
    .where(col(Conversation.id) == bindparam("conversation_id"))
    .values(updated_at=bindparam("now"))
)
_ADD_MESSAGES = insert(Message)  # both messages of a turn: one executemany (one pipeline)


async def _own_conversation(
    session: AsyncSession, user_id: int, conversation_id: int
) -> Conversation:
    conversation = None
    if 0 < conversation_id <= ID_MAX:
        conversation = (
            await session.exec(
                select(Conversation).where(
                    Conversation.id == conversation_id, Conversation.user_id == user_id
                )
            )
        ).first()
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Conversation not found")
    return conversation


async def _owned_history(
    connection: AsyncConnection, user_id: int, conversation_id: int
) -> list[StoredTurn]:
    """The conversation's last turns, oldest first; 404 unless it is this user's."""
    rows: list[Any] = []
    if 0 < conversation_id <= ID_MAX:
        params = {"conversation_id": conversation_id, "user_id": user_id}
        rows = list((await connection.execute(_OWNED_HISTORY, params)).all())
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Conversation not found")
    return [StoredTurn(role, content, actions) for role, content, actions in reversed(rows) if role]


def _title_from(message: str) -> str:
    first_line = message.strip().splitlines()[0]
    return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"


@router.post("/chat", responses=NOT_FOUND)
async def chat(
    body: ChatRequest, request: Request, session: SessionDep, user_id: CurrentUserId
) -> ChatResponse:
    """Send a message; the assistant answers and may add, change or delete the user's tasks."""
    config: ChatConfig = request.app.state.chat_config
    # One connection, one transaction for the whole turn (the session's: the tools use it too).
    connection = await session.connection()
    history: list[StoredTurn] = []
    if body.conversation_id is not None:
        history = await _owned_history(connection, user_id, body.conversation_id)
    answer = await respond(session, user_id, body.message, history, config)
    now = utcnow()
    if body.conversation_id is None:
        values = {"user_id": user_id, "title": _title_from(body.message)[:TITLE_MAX]}
        created = await connection.execute(
            _NEW_CONVERSATION, {**values, "created_at": now, "updated_at": now}
        )
        new_id = created.scalar_one()
        assert new_id is not None
        conversation_id = new_id
    else:
        conversation_id = body.conversation_id
        await connection.execute(
            _TOUCH_CONVERSATION, {"conversation_id": conversation_id, "now": now}
        )
    actions = [action.model_dump(mode="json") for action in answer.actions]
    turn = {"conversation_id": conversation_id, "created_at": now}
    await connection.execute(
        _ADD_MESSAGES,
        [
            {**turn, "role": Role.user, "content": body.message, "mode": None, "actions": []},
            {
                **turn,
                "role": Role.assistant,
                "content": answer.reply[:REPLY_STORED_MAX],
                "mode": answer.mode,
                "actions": actions,
            },
        ],
    )
    # The turn is one transaction: task changes made by the tools (flushed, not committed) and
    # both messages are stored together, with one COMMIT.
    await session.commit()
    return ChatResponse.model_validate(
        {
            "conversation_id": conversation_id,
            "reply": answer.reply,
            "mode": answer.mode,
            "actions": actions,
        }
    )


@router.get("/conversations")
async def list_conversations(
    session: ReadSessionDep, user_id: CurrentUserId
) -> list[ConversationPublic]:
    """The user's conversations, most recently active first."""
    rows = await session.exec(
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
    )
    return [ConversationPublic.model_validate(row) for row in rows.all()]


@router.get("/conversations/{conversation_id}/messages", responses=NOT_FOUND)
async def list_messages(
    conversation_id: int, session: ReadSessionDep, user_id: CurrentUserId
) -> list[MessagePublic]:
    """The stored turns of one conversation, oldest first, with each answer's mode and actions."""
    await _own_conversation(session, user_id, conversation_id)
    rows = await session.exec(
        select(Message).where(Message.conversation_id == conversation_id).order_by(col(Message.id))
    )
    return [
        MessagePublic.model_validate(
            {**row.model_dump(), "actions": [stored_action(a) for a in row.actions or []]}
        )
        for row in rows.all()
    ]
