"""`respond`: one chat turn, answered by the AI when it can and by the demo assistant otherwise.

Demo mode is used when no key is configured and whenever the provider fails (401, 429, 5xx,
timeout, connection error, malformed answer). The fallback is logged (reason and status only,
never the key) and visible to the user as `mode="demo"`.

Mid-turn failure: tool calls the AI already made have really changed tasks. Re-running the message
through the demo assistant would do them twice ("add milk" → two milks), so when the AI already
changed something, the reply summarises those actions instead; the demo assistant only runs the
message when the AI changed nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.chat import replies
from pakaura_api.chat.agent import deadline_after, run_turn
from pakaura_api.chat.cohere_client import CohereClient, CohereError
from pakaura_api.chat.demo.assistant import demo_respond
from pakaura_api.chat.schemas import ChatAction, ChatConfig, ChatReply, Turn
from pakaura_api.models import Mode

logger = structlog.get_logger(__name__)

PROVIDER_TROUBLE = "(The AI assistant stopped responding, so I stopped there.)"


async def respond(
    session: AsyncSession,
    user_id: int,
    message: str,
    history: Sequence[Turn],
    config: ChatConfig,
) -> ChatReply:
    """Answer one user message; every task change made is listed in `actions`."""
    today = date.today()
    if not config.api_key:
        return await demo_respond(session, user_id, message, history, today)

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
                session,
                user_id,
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
            detail=str(exc),
            actions_already_done=len(actions),
        )
        if actions:
            summary = replies.summarise(actions, today)
            return ChatReply(reply=f"{summary} {PROVIDER_TROUBLE}", mode=Mode.demo, actions=actions)
        return await demo_respond(session, user_id, message, history, today)
    return ChatReply(reply=text, mode=Mode.ai, actions=actions)
