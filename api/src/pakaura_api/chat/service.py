"""One chat turn, end to end: `chat_turn` (read → answer → store) and `respond` (the answer).

The turn never holds a database connection or transaction while the assistant thinks (a slow
provider would otherwise exhaust the pool for everyone):
1. `read_turn`: the token check, conversation ownership, history and — when the demo assistant
   will need them — the user's tasks, in ONE statement; the connection goes straight back;
2. `respond`: the AI (Cohere tool use) or the demo assistant; each tool call is its own statement
   on a connection checked out just for it (`TaskAccess`), applied once, when the tool runs;
3. `store_turn`: the conversation and both messages, ONE statement (PostgreSQL).

Demo mode is used when no key is configured and whenever the provider fails (401, 429, 5xx,
timeout, connection error, malformed answer). The fallback is logged (reason, status and a
redacted excerpt, never the key) and visible to the user as `mode="demo"`.

Mid-turn failure: tool calls the AI already made have really changed tasks. Re-running the message
through the demo assistant would do them twice ("add milk" → two milks), so when the AI already
changed something, the reply summarises those actions instead; the demo assistant only runs the
message when the AI changed nothing. Retrying a provider call never re-runs a tool call: calls are
run only from an answer that arrived.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from pakaura_api.chat import replies
from pakaura_api.chat.agent import deadline_after, run_turn
from pakaura_api.chat.cohere_client import CohereClient, CohereError
from pakaura_api.chat.demo.assistant import demo_respond, needs_tasks
from pakaura_api.chat.demo.intents import Parsed, parse
from pakaura_api.chat.schemas import (
    ChatAction,
    ChatConfig,
    ChatReply,
    Turn,
    TurnCancelled,
    TurnEvents,
)
from pakaura_api.chat.tools import TaskAccess
from pakaura_api.models import MESSAGE_MAX, TITLE_MAX, ChatResponse, Mode, utcnow
from pakaura_api.repository import conversations
from pakaura_api.security import Principal

logger = structlog.get_logger(__name__)

PROVIDER_TROUBLE = "(The AI assistant stopped responding, so I stopped there.)"
CANCELLED = "(Stopped: the reply was cancelled.)"
REPLY_STORED_MAX = MESSAGE_MAX * 4  # the column's size: a very long reply must not fail the turn
TITLE_CHARS = 80


class ConversationNotFound(Exception):  # noqa: N818 (reads as the condition it reports)
    """Not one of this user's conversations."""


async def respond(
    access: TaskAccess,
    message: str,
    history: Sequence[Turn],
    config: ChatConfig,
    today: date | None = None,
    parsed: Parsed | None = None,
    events: TurnEvents | None = None,
) -> ChatReply:
    """Answer one user message; every task change made is listed in `actions`. A cancelled
    (streamed) turn stops at the next safe point and answers with what was done."""
    today = today or date.today()
    mode = Mode.ai if config.api_key else Mode.demo
    actions: list[ChatAction] = []
    try:
        if not config.api_key:
            return await demo_respond(access, message, history, today, parsed, events)
        return await _ai_respond(access, message, history, config, today, actions, events)
    except TurnCancelled:
        summary = replies.summarise(actions, today)
        return ChatReply(reply=f"{summary} {CANCELLED}".strip(), mode=mode, actions=actions)


async def _ai_respond(
    access: TaskAccess,
    message: str,
    history: Sequence[Turn],
    config: ChatConfig,
    today: date,
    actions: list[ChatAction],
    events: TurnEvents | None,
) -> ChatReply:
    assert config.api_key
    try:
        async with CohereClient(
            api_key=config.api_key,
            base_url=config.base_url,
            timeout_seconds=config.timeout_seconds,
            max_retries=config.max_retries,
        ) as client:
            text = await run_turn(
                client,
                access,
                message,
                history,
                config,
                actions,
                deadline=deadline_after(config.timeout_seconds),
                today=today,
                events=events,
            )
    except CohereError as exc:
        logger.warning(
            "chat_fallback_to_demo",
            reason=exc.reason,
            status_code=exc.status_code,
            detail=str(exc),  # a redacted excerpt at most (cohere_client)
            actions_already_done=len(actions),
        )
        if actions:
            summary = replies.summarise(actions, today)
            return ChatReply(reply=f"{summary} {PROVIDER_TROUBLE}", mode=Mode.demo, actions=actions)
        return await demo_respond(access, message, history, today, events=events)
    return ChatReply(reply=text, mode=Mode.ai, actions=actions)


def title_from(message: str) -> str:
    """A conversation's title: its first message's first line, shortened."""
    first_line = message.strip().splitlines()[0]
    short = first_line if len(first_line) <= TITLE_CHARS else first_line[: TITLE_CHARS - 1] + "…"
    return short[:TITLE_MAX]


@dataclass(frozen=True, slots=True)
class TurnRequest:
    principal: Principal  # a decoded token: checked against the database in the turn's read
    message: str
    conversation_id: int | None
    task_cap: int  # MAX_TASKS_PER_USER


@dataclass(frozen=True, slots=True)
class OpenTurn:
    """A turn whose reads are done (and whose conversation exists, when streamed)."""

    request: TurnRequest
    context: conversations.TurnContext
    conversation_id: int | None
    parsed: Parsed | None
    today: date
    mode: Mode  # the mode it starts in (an AI turn may end in demo mode)


async def open_turn(
    engine: AsyncEngine, config: ChatConfig, turn: TurnRequest, *, start_conversation: bool = False
) -> OpenTurn:
    """The turn's one read (`ConversationNotFound`, `TokenNoLongerValid`). A streamed turn names
    its conversation first (`meta`), so `start_conversation` creates a new one now."""
    today = date.today()
    parsed = None if config.api_key else parse(turn.message, today)
    context = await conversations.read_turn(
        engine,
        turn.principal,
        turn.conversation_id,
        with_tasks=parsed is not None and needs_tasks(parsed),
    )
    if context is None:
        raise ConversationNotFound
    conversation_id = turn.conversation_id
    if conversation_id is None and start_conversation:
        conversation_id = await conversations.start_conversation(
            engine, turn.principal.user_id, title_from(turn.message), utcnow()
        )
    mode = Mode.ai if config.api_key else Mode.demo
    return OpenTurn(turn, context, conversation_id, parsed, today, mode)


async def answer_turn(
    engine: AsyncEngine, config: ChatConfig, opened: OpenTurn, events: TurnEvents | None = None
) -> ChatResponse:
    """Answer and store an opened turn; with `events`, streamed as it happens."""
    turn = opened.request
    access = TaskAccess(engine, turn.principal, turn.task_cap, opened.context.tasks)
    answer = await respond(
        access, turn.message, opened.context.history, config, opened.today, opened.parsed, events
    )
    if events is not None:
        await _stream_the_rest(events, answer.reply)
    actions = [done.model_dump(mode="json") for done in answer.actions]
    stored_id = await conversations.store_turn(
        engine,
        conversations.NewTurn(
            user_id=turn.principal.user_id,
            conversation_id=opened.conversation_id,
            title=title_from(turn.message),
            message=turn.message,
            reply=answer.reply[:REPLY_STORED_MAX],
            mode=answer.mode,
            actions=actions,
            now=utcnow(),
        ),
    )
    return ChatResponse.model_validate(
        {
            "conversation_id": stored_id,
            "reply": answer.reply,
            "mode": answer.mode,
            "actions": actions,
        }
    )


async def chat_turn(engine: AsyncEngine, config: ChatConfig, turn: TurnRequest) -> ChatResponse:
    """Read, answer and store one turn (see the module docstring); `engine` is in autocommit."""
    return await answer_turn(engine, config, await open_turn(engine, config, turn))


# Up to four words (each with the space before it) per piece; the reply's trailing space last.
_PIECES = re.compile(r"(?:\s*\S+){1,4}|\s+$")


async def _stream_the_rest(events: TurnEvents, reply: str) -> None:
    """Stream what the reader has not seen of the reply (a demo reply: all of it, a few words
    per `delta`). When the reply is not a continuation of what was streamed (the AI failed
    mid-answer and the demo assistant answered), `done` carries the reply to show instead."""
    if events.cancelled or not reply.startswith(events.streamed):
        return
    for piece in pieces(reply[len(events.streamed) :]):
        await events.delta(piece)


def pieces(text: str) -> list[str]:
    """`text` in pieces of a few words that join back into exactly `text`."""
    return _PIECES.findall(text)
