"""Chat with the assistant, and the stored conversations.

Thin on purpose: `pakaura_api.chat.chat_turn` reads, answers and stores a turn;
`repository.conversations` has the queries. This module maps them to HTTP: the per-user and
per-process limits on turns running at once (429 + `Retry-After`), 404s, and the page headers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncEngine

from pakaura_api.chat import (
    ChatBusy,
    ChatConfig,
    ChatLimiter,
    ConversationNotFound,
    TurnRequest,
    chat_turn,
)
from pakaura_api.chat.tools import stored_action
from pakaura_api.deps import CurrentPrincipal, CurrentUserId, SettingsDep
from pakaura_api.models import (
    ChatRequest,
    ChatResponse,
    ConversationPublic,
    MessagePublic,
)
from pakaura_api.repository import conversations

router = APIRouter(tags=["chat"], responses={401: {"description": "Missing or invalid token"}})
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such conversation for this user"}
}
BUSY: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many chat turns running at once (for this user or this server)",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}
CONVERSATIONS_DEFAULT, CONVERSATIONS_MAX = 50, 200
MESSAGES_DEFAULT, MESSAGES_MAX = 100, 500


def _engine(request: Request) -> AsyncEngine:
    """The app's pool in autocommit: each statement of a turn is its own short transaction."""
    engine: AsyncEngine = request.app.state.autocommit_engine
    return engine


def _busy(error: ChatBusy) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        error.detail,
        headers={"Retry-After": str(error.retry_after)},
    )


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "Conversation not found")


@router.post("/chat", responses={**NOT_FOUND, **BUSY})
async def chat(
    body: ChatRequest, request: Request, principal: CurrentPrincipal, settings: SettingsDep
) -> ChatResponse:
    """Send a message; the assistant answers and may add, change or delete the user's tasks."""
    config: ChatConfig = request.app.state.chat_config
    limiter: ChatLimiter = request.app.state.chat_limiter
    turn = TurnRequest(principal, body.message, body.conversation_id, settings.max_tasks_per_user)
    try:
        with limiter.turn(principal.user_id):
            return await chat_turn(_engine(request), config, turn)
    except ChatBusy as error:
        raise _busy(error) from None
    except (ConversationNotFound, conversations.ConversationGone):
        raise _not_found() from None


def _page_header(name: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "headers": {name: {"description": description, "schema": {"type": "integer"}}},
        }
    }


@router.get(
    "/conversations",
    responses=_page_header("X-Next-Offset", "The next page's offset; only when more exist"),
)
async def list_conversations(
    request: Request,
    response: Response,
    user_id: CurrentUserId,
    limit: Annotated[int, Query(ge=1, le=CONVERSATIONS_MAX)] = CONVERSATIONS_DEFAULT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ConversationPublic]:
    """The user's conversations, most recently active first, `limit` at a time."""
    async with _engine(request).connect() as connection:
        page, more = await conversations.conversation_page(connection, user_id, limit, offset)
    if more:
        response.headers["X-Next-Offset"] = str(offset + limit)
    return [ConversationPublic.model_validate(row) for row in page]


@router.get(
    "/conversations/{conversation_id}/messages",
    responses={
        **NOT_FOUND,
        **_page_header(
            "X-Next-Before", "Pass as `before` for older messages; only when older ones exist"
        ),
    },
)
async def list_messages(
    conversation_id: int,
    request: Request,
    response: Response,
    user_id: CurrentUserId,
    limit: Annotated[int, Query(ge=1, le=MESSAGES_MAX)] = MESSAGES_DEFAULT,
    before: Annotated[int | None, Query(ge=1, description="Only messages older than this")] = None,
) -> list[MessagePublic]:
    """The newest `limit` messages (older than `before` when given), oldest first, with each
    answer's mode and actions."""
    async with _engine(request).connect() as connection:
        found = await conversations.message_page(
            connection, user_id, conversation_id, limit, before
        )
    if found is None:
        raise _not_found()
    page, older = found
    if older and page:
        response.headers["X-Next-Before"] = str(page[0]["id"])
    return [
        MessagePublic.model_validate(
            {**row, "actions": [stored_action(action) for action in row["actions"]]}
        )
        for row in page
    ]
