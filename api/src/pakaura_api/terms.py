"""The API's shared vocabulary, defined once: task status filters, priorities, roles and modes.

Models, routes, the repository, the chat tools and the demo parser all import these enums, so a
new value is added in exactly one place. Each member's name equals its value: stored labels and
query parameters are served as-is (the task list reads the stored priority as a plain string).
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Which tasks a list shows (`GET /tasks?status=`, the chat's list tool)."""

    all = "all"
    pending = "pending"
    completed = "completed"


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class TaskSort(StrEnum):
    """Orders of `GET /tasks?sort=`: newest first, soonest due first, most urgent first."""

    created = "created"
    due = "due"
    priority = "priority"


class Role(StrEnum):
    """Who wrote a stored chat message."""

    user = "user"
    assistant = "assistant"


class Mode(StrEnum):
    """Who answered a chat turn: the configured model or the offline demo assistant."""

    ai = "ai"
    demo = "demo"


for _enum in (TaskStatus, Priority, TaskSort, Role, Mode):  # pragma: no branch
    if any(member.name != member.value for member in _enum):  # pragma: no cover
        raise RuntimeError(f"{_enum.__name__}: each member's name must equal its value")
