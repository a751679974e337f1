"""Chat with the assistant, and the stored conversations.

This route owns storage (conversation, bounded history, both turns); `pakaura_api.chat.respond`
owns the answer and the task actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.chat import ChatConfig, respond
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


async def _recent_history(session: AsyncSession, conversation_id: int) -> Sequence[Message]:
    newest = await session.exec(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(col(Message.id).desc())
        .limit(HISTORY_LIMIT)
    )
    return list(reversed(newest.all()))


def _title_from(message: str) -> str:
    first_line = message.strip().splitlines()[0]
    return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"


@router.post("/chat", responses=NOT_FOUND)
async def chat(
    body: ChatRequest, request: Request, session: SessionDep, user_id: CurrentUserId
) -> ChatResponse:
    """Send a message; the assistant answers and may add, change or delete the user's tasks."""
    config: ChatConfig = request.app.state.chat_config
    if body.conversation_id is not None:
        conversation = await _own_conversation(session, user_id, body.conversation_id)
        history = await _recent_history(session, body.conversation_id)
    else:
        conversation = Conversation(user_id=user_id, title=_title_from(body.message)[:TITLE_MAX])
        history = []
    answer = await respond(session, user_id, body.message, history, config)
    conversation.updated_at = utcnow()
    session.add(conversation)
    if conversation.id is None:
        await session.flush()  # a new conversation gets its id (an existing one saves a trip)
    assert conversation.id is not None
    actions = [action.model_dump(mode="json") for action in answer.actions]
    session.add(Message(conversation_id=conversation.id, role=Role.user, content=body.message))
    session.add(
        Message(
            conversation_id=conversation.id,
            role=Role.assistant,
            content=answer.reply[:REPLY_STORED_MAX],
            mode=answer.mode,
            actions=actions,
        )
    )
    await session.commit()
    return ChatResponse.model_validate(
        {
            "conversation_id": conversation.id,
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
    return [MessagePublic.model_validate(row) for row in rows.all()]
