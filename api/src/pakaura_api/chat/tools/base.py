"""What every chat tool shares: the tool record, the schema the model sees and result shapes.

A tool is a typed Pydantic input model plus an async function that acts on ONE user's tasks through
`pakaura_api.repository`. The input model's JSON schema (field descriptions included) is exactly the
`parameters` object sent to the model, so a field's description is the tool's documentation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.models import TITLE_MAX, Task

ToolResult = dict[str, Any]
PriorityName = Literal["low", "medium", "high"]

InputT = TypeVar("InputT", bound=BaseModel)


class ToolInput(BaseModel):
    """Base of every tool input: unknown fields are rejected so a confused model gets an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskReference(ToolInput):
    """Fields shared by tools that act on one existing task."""

    task_id: int | None = Field(
        default=None, description="Id of the task, when known from an earlier tool result."
    )
    title: str | None = Field(
        default=None,
        max_length=TITLE_MAX,
        description="The task's title or a distinctive part of it, when the id is not known.",
    )

    @model_validator(mode="after")
    def _needs_a_reference(self) -> TaskReference:
        if self.task_id is None and not self.title:
            raise ValueError("give task_id or title")
        return self


@dataclass(frozen=True)
class Tool(Generic[InputT]):
    name: str
    description: str
    input_model: type[InputT]
    run: Callable[[AsyncSession, int, InputT], Awaitable[ToolResult]]
    destructive: bool = False
    # Read-only tools never appear in a turn's `actions` (those list task changes only).
    changes_tasks: bool = True

    def parameters(self) -> dict[str, Any]:
        return self.input_model.model_json_schema(schema_generator=_ModelFacingSchema)

    def cohere_definition(self) -> dict[str, Any]:
        description = self.description
        if self.destructive:
            description += " Destructive: cannot be undone."
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": description,
                "parameters": self.parameters(),
            },
        }


class _ModelFacingSchema(GenerateJsonSchema):
    """Pydantic's schema minus the noise a model does not need.

    Optional fields become plain typed, non-required properties (instead of `anyOf [X, null]`)
    and auto-generated titles are dropped; descriptions, enums, formats and defaults stay.
    """

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(self, schema: Any, mode: Any = "validation") -> JsonSchemaValue:
        result = super().generate(schema, mode)
        result.pop("title", None)
        for prop in result.get("properties", {}).values():
            if prop.get("default", ...) is None:
                del prop["default"]
        return result


def task_summary(task: Task) -> dict[str, Any]:
    """The task as tools report it (and as the UI/model reads it)."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "priority": str(task.priority),
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "completed": task.completed,
    }


def record_summary(record: dict[str, Any]) -> dict[str, Any]:
    """`task_summary` of a row from `repository.list_task_records`."""
    due_date = record["due_date"]
    return {
        "id": record["id"],
        "title": record["title"],
        "description": record["description"],
        "priority": str(record["priority"]),
        "due_date": due_date.isoformat() if due_date else None,
        "completed": record["completed"],
    }


def ok(task: Task, **extra: Any) -> ToolResult:
    return {"ok": True, "task": task_summary(task), **extra}


def error(message: str, candidates: list[Task] | None = None) -> ToolResult:
    result: ToolResult = {"ok": False, "error": message}
    if candidates:
        result["candidates"] = [task_summary(task) for task in candidates]
    return result
