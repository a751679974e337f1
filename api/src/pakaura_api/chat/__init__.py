"""The chat assistant: Cohere tool use when configured, an offline demo assistant otherwise.

Layout: `tools/` (one module per tool, the registry, shared reference resolution and `access.py`,
the tools' statements), `cohere_client.py` (HTTP), `agent.py` (the AI tool loop), `demo/` (parser,
dates, executor), `replies.py` (fixed sentences, built from the registry), `service.py`
(`chat_turn`: read → answer → store; `respond`: choosing the mode and falling back),
`limits.py` (turns at once per user and per process).
"""

from pakaura_api.chat.limits import ChatBusy, ChatLimiter, limiter_for
from pakaura_api.chat.schemas import ChatAction, ChatConfig, ChatReply, StoredTurn, Turn
from pakaura_api.chat.service import (
    ConversationNotFound,
    OpenTurn,
    TurnRequest,
    answer_turn,
    chat_turn,
    open_turn,
    respond,
)

__all__ = [
    "ChatAction",
    "ChatBusy",
    "ChatConfig",
    "ChatLimiter",
    "ChatReply",
    "ConversationNotFound",
    "OpenTurn",
    "StoredTurn",
    "Turn",
    "TurnRequest",
    "answer_turn",
    "chat_turn",
    "limiter_for",
    "open_turn",
    "respond",
]
