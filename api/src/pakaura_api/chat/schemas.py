"""The chat feature's public shapes: what the route passes in and gets back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pakaura_api.models import ActionPublic as ChatAction
from pakaura_api.models import Mode

# A turn's actions are reported in the API's public shape (`ActionPublic`): one definition serves
# the chat response, the stored messages and the chat package.
__all__ = ["ChatAction", "ChatConfig", "ChatReply", "StoredTurn", "Turn"]


class ChatConfig(BaseModel):
    """Provider settings for one turn; `api_key` None or empty means demo mode."""

    model_config = ConfigDict(frozen=True)

    api_key: str | None = Field(default=None, repr=False)  # never printed, never logged
    base_url: str = "https://api.cohere.com"
    model: str = "command-a-03-2025"
    temperature: float = Field(default=0.3, ge=0, le=1)
    max_tokens: int = Field(default=300, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=1, ge=0)
    max_rounds: int = Field(default=5, ge=1)


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


@dataclass(frozen=True, slots=True)
class StoredTurn:
    """History read without the ORM: building a `Message` object per row cost ~20 us each."""

    role: str
    content: str
    actions: list[dict[str, Any]] | None
