"""A conversation driver for chat tests: keeps the history the way the chat route stores it."""

from __future__ import annotations

from collections.abc import Sequence

from pakaura_api.chat import ChatConfig, ChatReply, respond
from pakaura_api.models import Message, Role, Task
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

DEMO = ChatConfig(api_key=None)


class Conversation:
    def __init__(self, session: AsyncSession, user_id: int, config: ChatConfig = DEMO) -> None:
        self.session = session
        self.user_id = user_id
        self.config = config
        self.history: list[Message] = []

    async def say(self, text: str) -> ChatReply:
        answer = await respond(self.session, self.user_id, text, self.history, self.config)
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
