"""Chat with the assistant, and the stored conversations.

Thin on purpose: `pakaura_api.chat.chat_turn` reads, answers and stores a turn (`POST /chat`;
`POST /chat/stream` the same, streamed: see `chat/streaming.py`);
`repository.conversations` has the queries. This module maps them to HTTP: the per-user and
per-process limits on turns running at once (429 + `Retry-After`), 404s, and the page headers.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pakaura_api.chat import (
    ChatBusy,
    ChatConfig,
    ChatLimiter,
    ConversationNotFound,
    TurnRequest,
    answer_turn,
    chat_turn,
    open_turn,
)
from pakaura_api.chat.streaming import EVENT_SCHEMA, HEADERS, MEDIA_TYPE, TurnStream
from pakaura_api.chat.tools import stored_action
from pakaura_api.deps import INVALID_TOKEN, CurrentPrincipal, SettingsDep, run_statement
from pakaura_api.models import (
    ChatRequest,
    ChatResponse,
    ConversationPublic,
    MessagePublic,
)
from pakaura_api.repository import TokenNoLongerValid, conversations

log = structlog.get_logger("pakaura_api")
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
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=CONVERSATIONS_MAX)] = CONVERSATIONS_DEFAULT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ConversationPublic]:
    """The user's conversations, most recently active first, `limit` at a time."""

    async def read(connection: AsyncConnection) -> tuple[list[dict[str, Any]], bool]:
        return await conversations.conversation_page(connection, principal, limit, offset)

    page, more = await run_statement(request, read, read_only=True)
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
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MESSAGES_MAX)] = MESSAGES_DEFAULT,
    before: Annotated[int | None, Query(ge=1, description="Only messages older than this")] = None,
) -> list[MessagePublic]:
    """The newest `limit` messages (older than `before` when given), oldest first, with each
    answer's mode and actions."""

    async def read(connection: AsyncConnection) -> tuple[list[dict[str, Any]], bool] | None:
        return await conversations.message_page(
            connection, principal, conversation_id, limit, before
        )

    found = await run_statement(request, read, read_only=True)
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


# Streamed turns run in tasks of their own (see `chat/streaming.py`); kept here until they end.
_STREAMED_TURNS: set[asyncio.Task[None]] = set()
STREAM_EVENTS = (
    "`meta` {conversation_id, mode} first; `delta` {text} (any number); `action` "
    "(ActionPublic, as each task change is applied); `done` (ChatResponse) last, or `error` "
    "{status, detail} when the turn fails after the stream began."
)


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": f"Server-sent events: {STREAM_EVENTS}",
            "content": {MEDIA_TYPE: {"schema": EVENT_SCHEMA}},
        },
        **NOT_FOUND,
        **BUSY,
    },
)
async def chat_stream(
    body: ChatRequest, request: Request, principal: CurrentPrincipal, settings: SettingsDep
) -> StreamingResponse:
    """Like `POST /chat`, with the answer streamed as it is written (server-sent events); the
    stored conversation is the same. Closing the stream stops the turn after the tool call
    being applied, and the conversation keeps what was done."""
    config: ChatConfig = request.app.state.chat_config
    limiter: ChatLimiter = request.app.state.chat_limiter
    engine = _engine(request)
    turn = TurnRequest(principal, body.message, body.conversation_id, settings.max_tasks_per_user)
    try:
        limiter.acquire(principal.user_id)
    except ChatBusy as error:
        raise _busy(error) from None
    try:
        opened = await open_turn(engine, config, turn, start_conversation=True)
    except ConversationNotFound:
        limiter.release(principal.user_id)
        raise _not_found() from None
    except BaseException:
        limiter.release(principal.user_id)
        raise
    assert opened.conversation_id is not None
    stream = TurnStream(opened.conversation_id, opened.mode)

    async def run() -> None:
        try:
            stream.done(await answer_turn(engine, config, opened, stream))
        except conversations.ConversationGone:
            stream.error(404, "Conversation not found")
        except TokenNoLongerValid:
            stream.error(401, INVALID_TOKEN)
        except (DBAPIError, PoolTimeoutError) as error:
            log.warning("chat.stream.database_unavailable", error=type(error).__name__)
            stream.error(503, "Database temporarily unavailable")
        except Exception:
            log.exception("chat.stream.failed")
            stream.error(500, "The reply failed; please try again")
        finally:
            limiter.release(principal.user_id)
            stream.close()

    task = asyncio.create_task(run())
    _STREAMED_TURNS.add(task)
    task.add_done_callback(_STREAMED_TURNS.discard)
    return StreamingResponse(stream.events(), media_type=MEDIA_TYPE, headers=HEADERS)
