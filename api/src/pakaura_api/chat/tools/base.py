"""What every chat tool shares: the tool record, the schema the model sees and result shapes.

A tool is a typed Pydantic input model plus an async function that acts on ONE user's tasks through
`pakaura_api.repository`. The input model's JSON schema (field descriptions included) is exactly the
`parameters` object sent to the model, so a field's description is the tool's documentation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from pakaura_api.chat.tools.access import TaskAccess
from pakaura_api.models import TITLE_MAX, ActionEffect

ToolResult = dict[str, Any]

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
class DemoCall:
    """A tool call the demo assistant read from a message (pure parsing, no I/O yet).

    For tools acting on one task (input model `TaskReference`), `reference` is the task as the
    user typed it, or None for "it"/"that" (the task the conversation last acted on).
    """

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None


# A tool's demo phrasings: the calls a normalised message asks for (several = alternative
# readings, e.g. the splits of "rename talk to mom to call mom"), or None when none match.
DemoParser = Callable[[str, date], list[DemoCall] | None]
# One sentence about a successful result: (arguments, result, today) -> text.
Describer = Callable[[dict[str, Any], ToolResult, date], str]


@dataclass(frozen=True)
class Tool(Generic[InputT]):
    """Everything about one chat tool. Register it in `TOOLS` (tools/__init__.py) and the model's
    tool list, the system prompt, the help and "didn't catch that" texts, the demo assistant's
    routing and the description of its changes all follow from this record."""

    name: str
    # For the model (Cohere `function.description`).
    description: str
    input_model: type[InputT]
    run: Callable[[TaskAccess, InputT], Awaitable[ToolResult]]
    # What a successful call does to the task list (`ActionPublic.effect`).
    effect: ActionEffect
    # What the assistant can do with it, completing "I can ... tasks" (prompt, help, unknown).
    can: str
    # Phrasings the demo assistant understands, shown in the help (a test routes each one).
    examples: tuple[str, ...]
    describe: Describer
    demo_parse: DemoParser
    # The demo assistant tries tools' phrasings lowest rank first: more specific ones first
    # ("mark X as not done" is a reopen before it is a completion).
    demo_rank: int
    destructive: bool = False
    # Whether it looks at existing tasks: the demo assistant then reads the user's tasks in the
    # turn's one read, beforehand (add_task never does: one round trip less).
    reads_tasks: bool = True

    @property
    def changes_tasks(self) -> bool:
        return self.effect is not ActionEffect.none

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
        result = _inline(super().generate(schema, mode))
        result.pop("title", None)
        for prop in result.get("properties", {}).values():
            if prop.get("default", ...) is None:
                del prop["default"]
        return result


def _inline(schema: JsonSchemaValue) -> JsonSchemaValue:
    """Definitions (the shared enums) written out where they are used: no `$ref` for a model."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = dict(definitions[node["$ref"].rsplit("/", 1)[-1]])
                target.pop("title", None)
                node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    inlined: JsonSchemaValue = resolve(schema)
    return inlined


def task_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """The task as tools report it (and as the UI/model reads it)."""
    due_date = row["due_date"]
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "priority": str(row["priority"]),
        "due_date": due_date.isoformat() if due_date else None,
        "completed": row["completed"],
    }


# A task that was there when the tool looked and gone when it wrote (deleted meanwhile).
GONE = "That task was just deleted."


def ok(task: Mapping[str, Any], **extra: Any) -> ToolResult:
    return {"ok": True, "task": task_summary(task), **extra}


def error(message: str, candidates: list[dict[str, Any]] | None = None) -> ToolResult:
    result: ToolResult = {"ok": False, "error": message}
    if candidates:
        result["candidates"] = [task_summary(task) for task in candidates]
    return result
