"""The chat feature's public shapes: what the route passes in and gets back."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pakaura_api.config import Settings
from pakaura_api.models import ActionPublic as ChatAction
from pakaura_api.models import Mode
from pakaura_api.repository.conversations import StoredMessage as StoredTurn

# A turn's actions are reported in the API's public shape (`ActionPublic`): one definition serves
# the chat response, the stored messages and the chat package.
__all__ = [
    "ChatAction",
    "ChatConfig",
    "ChatReply",
    "StoredTurn",
    "Turn",
    "TurnCancelled",
    "TurnEvents",
]


class ChatConfig(BaseModel):
    """Provider settings for one turn, from the one `Settings` object (`from_settings`); no
    defaults here. `api_key` None means demo mode."""

    model_config = ConfigDict(frozen=True)

    api_key: str | None = Field(repr=False)  # never printed, never logged
    base_url: str
    model: str
    temperature: float
    max_tokens: int
    timeout_seconds: float
    max_retries: int
    max_rounds: int = Field(default=5, ge=1)  # a looping model cannot hold a request forever

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ChatConfig:
        key = settings.cohere_api_key.get_secret_value().strip() if settings.cohere_api_key else ""
        values: dict[str, Any] = {
            "api_key": key or None,
            "base_url": settings.cohere_base_url,
            "model": settings.ai_model,
            "temperature": settings.ai_temperature,
            "max_tokens": settings.ai_max_tokens,
            "timeout_seconds": settings.ai_timeout_seconds,
            "max_retries": settings.ai_max_retries,
        }
        return cls(**{**values, **overrides})


class ChatReply(BaseModel):
    reply: str
    mode: Mode
    actions: list[ChatAction]


class Turn(Protocol):
    """A stored turn as the assistant reads it: a `Message`, or a `StoredTurn` (a plain row)."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...

    @property
    def actions(self) -> list[dict[str, Any]] | None: ...


class TurnEvents(Protocol):
    """Where a streamed turn's progress goes, as it happens (`chat/streaming.py`)."""

    @property
    def cancelled(self) -> bool:
        """The client went away: stop at the next safe point (never inside a tool call)."""
        ...

    @property
    def streamed(self) -> str:
        """The reply text sent so far."""
        ...

    async def delta(self, text: str) -> None: ...

    async def action(self, action: ChatAction) -> None: ...


class TurnCancelled(Exception):  # noqa: N818 (reads as the condition it reports)
    """Raised at a safe point (before a provider call or a tool call) of a cancelled turn."""
