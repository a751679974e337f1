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
from pakaura_api.chat.schemas import ChatAction, ChatConfig, ChatReply, Turn
from pakaura_api.chat.tools import TaskAccess
from pakaura_api.models import MESSAGE_MAX, TITLE_MAX, ChatResponse, Mode, utcnow
from pakaura_api.repository import conversations
from pakaura_api.security import Principal

logger = structlog.get_logger(__name__)

PROVIDER_TROUBLE = "(The AI assistant stopped responding, so I stopped there.)"
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
) -> ChatReply:
    """Answer one user message; every task change made is listed in `actions`."""
    today = today or date.today()
    if not config.api_key:
        return await demo_respond(access, message, history, today, parsed)

    actions: list[ChatAction] = []
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
        return await demo_respond(access, message, history, today)
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


async def chat_turn(engine: AsyncEngine, config: ChatConfig, turn: TurnRequest) -> ChatResponse:
    """Read, answer and store one turn (see the module docstring); `engine` is in autocommit."""
    today = date.today()
    message, conversation_id, user_id = turn.message, turn.conversation_id, turn.principal.user_id
    parsed = None if config.api_key else parse(message, today)
    context = await conversations.read_turn(
        engine,
        turn.principal,
        conversation_id,
        with_tasks=parsed is not None and needs_tasks(parsed),
    )
    if context is None:
        raise ConversationNotFound
    access = TaskAccess(engine, turn.principal, turn.task_cap, context.tasks)
    answer = await respond(access, message, context.history, config, today, parsed)
    actions = [done.model_dump(mode="json") for done in answer.actions]
    stored_id = await conversations.store_turn(
        engine,
        conversations.NewTurn(
            user_id=user_id,
            conversation_id=conversation_id,
            title=title_from(message),
            message=message,
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
