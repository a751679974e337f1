"""A conversation driver for chat tests: keeps the history the way the chat route stores it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pakaura_api.chat import ChatConfig, ChatReply, respond
from pakaura_api.chat.tools import TaskAccess
from pakaura_api.config import Settings
from pakaura_api.models import Message, Role, Task
from pakaura_api.security import Principal
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

# The settings' own defaults (no environment, no key): the chat's configuration comes from there.
DEFAULTS = Settings.model_construct()
DEMO = ChatConfig.from_settings(DEFAULTS)


class Conversation:
    def __init__(self, session: AsyncSession, user_id: int, config: ChatConfig = DEMO) -> None:
        self.session = session
        self.user_id = user_id
        self.config = config
        self.history: list[Message] = []

    async def say(self, text: str) -> ChatReply:
        answer = await respond(access(self.session, self.user_id), text, self.history, self.config)
        self.history += [
            Message(conversation_id=0, role=Role.user, content=text),
            Message(
                conversation_id=0,
                role=Role.assistant,
                content=answer.reply,
                mode=answer.mode,
                actions=[action.model_dump(mode="json") for action in answer.actions],
            ),
        ]
        return answer


def access(session: AsyncSession, user_id: int, cap: int = 10_000) -> TaskAccess:
    """The user's tasks as the chat tools reach them: the session's pool in autocommit, with a
    token of the user's (first) version."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    principal = Principal(user_id, 0, uuid.uuid4().hex, datetime.now(UTC) + timedelta(hours=1))
    return TaskAccess(engine.execution_options(isolation_level="AUTOCOMMIT"), principal, cap)


async def tasks_of(session: AsyncSession, user_id: int) -> Sequence[Task]:
    """Straight from the table (not through the code under test), oldest first."""
    query = (
        select(Task)
        .where(Task.user_id == user_id, Task.deleted_at == None)  # noqa: E711 (soft delete)
        .order_by(Task.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    rows = await session.exec(query)
    return rows.all()


async def titles_of(session: AsyncSession, user_id: int) -> list[str]:
    return [task.title for task in await tasks_of(session, user_id)]


async def add(session: AsyncSession, user_id: int, title: str, *, completed: bool = False) -> Task:
    task = Task(user_id=user_id, title=title, completed=completed)
    session.add(task)
    await session.commit()
    await session.refresh(task)
    return task
