"""The chat assistant: Cohere tool use when configured, an offline demo assistant otherwise.

Layout: `tools/` (one module per tool + shared reference resolution), `cohere_client.py` (HTTP),
`agent.py` (the AI tool loop), `demo/` (intent parser, date parser, executor), `replies.py`
(sentences about results), `service.py` (`respond`, choosing the mode and falling back).
"""

from pakaura_api.chat.schemas import ChatAction, ChatConfig, ChatReply, StoredTurn, Turn
from pakaura_api.chat.service import respond

__all__ = ["ChatAction", "ChatConfig", "ChatReply", "StoredTurn", "Turn", "respond"]
