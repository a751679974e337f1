"""AI mode on the real client code against a fake Cohere server (real HTTP, real PostgreSQL)."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest
from pakaura_api.chat import ChatConfig, respond
from pakaura_api.chat.tools import COHERE_TOOLS
from pakaura_api.models import Message, Mode, Role
from sqlmodel.ext.asyncio.session import AsyncSession
from structlog.testing import capture_logs

from .conftest import NewUser
from .fake_cohere import API_KEY, Call, FakeCohere, unused_port
from .helpers import DEFAULTS, Conversation, access, add, tasks_of, titles_of


def ai_config(fake: FakeCohere, **overrides: Any) -> ChatConfig:
    values: dict[str, Any] = {"api_key": API_KEY, "base_url": fake.base_url, "timeout_seconds": 5.0}
    return ChatConfig.from_settings(DEFAULTS, **{**values, **overrides})


async def test_full_tool_loop_adds_completes_and_deletes(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    fake_cohere.rounds = [
        [
            Call("add_task", {"title": "demo Kubernetes", "priority": "high"}),
            Call("add_task", {"title": "Buy milk", "due_date": "2026-12-03"}),
        ],
        [Call("complete_task", {"title": "demo kubernetes"})],
        [Call("delete_task", {"title": "buy milk"}), Call("list_tasks", {"status": "all"})],
    ]
    fake_cohere.final_text = "Added and completed demo Kubernetes; deleted Buy milk."
    answer = await respond(access(session, user), "Do the things", [], ai_config(fake_cohere))

    assert answer.mode is Mode.ai
    assert answer.reply == fake_cohere.final_text
    assert [action.tool for action in answer.actions] == [
        "add_task",
        "add_task",
        "complete_task",
        "delete_task",
    ]  # list_tasks changes nothing, so it is not an action
    [task] = await tasks_of(session, user)
    assert (task.title, task.completed, task.priority) == ("demo Kubernetes", True, "high")

    requests = fake_cohere.requests
    assert len(requests) == 4
    first = requests[0]
    assert first["model"] == DEFAULTS.ai_model
    assert first["temperature"] == DEFAULTS.ai_temperature
    assert first["max_tokens"] == DEFAULTS.ai_max_tokens
    assert first["stream"] is False
    assert first["tools"] == COHERE_TOOLS
    assert first["messages"][0]["role"] == "system"
    assert date.today().isoformat() in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": "Do the things"}
    assert fake_cohere.headers[0]["authorization"] == f"Bearer {API_KEY}"

    # Round 2 carries the assistant's tool calls and one tool message per call, matched by id.
    second = requests[1]["messages"]
    assistant, *tool_messages = second[-3:]
    assert assistant["role"] == "assistant"
    assert assistant["tool_plan"] == "I will use the tools."
    call_ids = [call["id"] for call in assistant["tool_calls"]]
    assert call_ids == ["add_task_0_0", "add_task_0_1"]
    assert assistant["tool_calls"][0] == {
        "id": "add_task_0_0",
        "type": "function",
        "function": {
            "name": "add_task",
            "arguments": json.dumps({"title": "demo Kubernetes", "priority": "high"}),
        },
    }
    assert [message["role"] for message in tool_messages] == ["tool", "tool"]
    assert [message["tool_call_id"] for message in tool_messages] == call_ids
    document = tool_messages[1]["content"][0]
    assert document["type"] == "document"
    data = json.loads(document["document"]["data"])
    assert data["ok"] is True
    assert data["task"]["title"] == "Buy milk"
    assert data["task"]["due_date"] == "2026-12-03"
    # The last round saw the results of all earlier rounds.
    assert sum(message["role"] == "tool" for message in requests[3]["messages"]) == 5


def test_tool_schemas_are_the_input_models_with_descriptions() -> None:
    by_name = {tool["function"]["name"]: tool["function"] for tool in COHERE_TOOLS}
    assert set(by_name) == {
        "add_task",
        "list_tasks",
        "complete_task",
        "reopen_task",
        "update_task",
        "delete_task",
    }
    add_params = by_name["add_task"]["parameters"]
    assert add_params["required"] == ["title"]
    assert add_params["properties"]["priority"]["enum"] == ["low", "medium", "high"]
    assert add_params["properties"]["due_date"] == {
        "description": add_params["properties"]["due_date"]["description"],
        "format": "date",
        "type": "string",
    }
    for function in by_name.values():
        text = json.dumps(function)
        assert "$ref" not in text
        assert "anyOf" not in text
        for prop in function["parameters"]["properties"].values():
            assert prop["description"]
    assert "Destructive" in by_name["delete_task"]["description"]
    assert "Destructive" not in by_name["complete_task"]["description"]


async def test_history_is_replayed_before_the_new_message(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    fake_cohere.final_text = "Sure."
    history = [
        Message(conversation_id=0, role=Role.user, content="Add a task to demo Kubernetes"),
        Message(
            conversation_id=0,
            role=Role.assistant,
            content='Added "demo Kubernetes".',
            mode=Mode.ai,
            actions=[
                {
                    "tool": "add_task",
                    "arguments": {"title": "demo Kubernetes"},
                    "result": {"ok": True, "task": {"id": 41, "title": "demo Kubernetes"}},
                }
            ],
        ),
    ] + [Message(conversation_id=0, role=Role.user, content=f"old {n}") for n in range(30)]
    answer = await respond(access(session, user), "Delete it", history, ai_config(fake_cohere))
    assert answer.mode is Mode.ai
    messages = fake_cohere.requests[0]["messages"]
    assert messages[0]["role"] == "system"
    assert messages[-1] == {"role": "user", "content": "Delete it"}
    replayed = messages[1:-1]
    assert len(replayed) == 20  # bounded
    assert replayed[-1]["content"] == "old 29"

    short = history[:2]
    await respond(access(session, user), "Delete it", short, ai_config(fake_cohere))
    messages = fake_cohere.requests[1]["messages"]
    assert [message["role"] for message in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "Add a task to demo Kubernetes"
    assert 'task_id=41 "demo Kubernetes"' in messages[2]["content"]


async def test_round_cap_stops_a_looping_model(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    fake_cohere.rounds = [[Call("add_task", {"title": "again"})]]
    fake_cohere.repeat_tool_calls = True
    answer = await respond(access(session, user), "loop", [], ai_config(fake_cohere, max_rounds=3))
    assert len(fake_cohere.requests) == 3
    assert answer.mode is Mode.ai
    assert "stopped" in answer.reply
    assert len(answer.actions) == 3
    assert await titles_of(session, user) == ["again", "again", "again"]


async def test_invalid_tool_arguments_become_tool_errors(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    await add(session, user, "Keep me")
    fake_cohere.rounds = [
        [
            Call("add_task", "this is not json"),
            Call("add_task", "[1, 2]"),
            Call("add_task", {"title": ""}),
            Call("add_task", {"title": "x", "priority": "whenever"}),
            Call("add_task", {"title": "x", "due_date": "next blursday"}),
            Call("add_task", {"title": "x", "owner": "someone else"}),
            Call("complete_task", {}),
            Call("update_task", {"title": "Keep me"}),
            Call("delete_task", {"task_id": "drop table"}),
            Call("drop_database", {}),
        ]
    ]
    fake_cohere.final_text = "Something went wrong with those."
    answer = await respond(access(session, user), "garbage please", [], ai_config(fake_cohere))
    assert answer.mode is Mode.ai
    assert answer.reply == fake_cohere.final_text
    assert answer.actions == []
    assert await titles_of(session, user) == ["Keep me"]
    results = [
        json.loads(message["content"][0]["document"]["data"])
        for message in fake_cohere.requests[1]["messages"]
        if message["role"] == "tool"
    ]
    assert len(results) == 10
    assert all(result["ok"] is False for result in results)
    assert results[0]["error"] == "arguments are not valid JSON"
    assert results[1]["error"] == "arguments must be a JSON object"
    assert "title" in results[2]["error"]
    assert "priority" in results[3]["error"]
    assert "owner" in results[5]["error"]
    assert "give task_id or title" in results[6]["error"]
    assert "at least one change" in results[7]["error"]
    assert results[9]["error"] == "unknown tool 'drop_database'"


async def test_ambiguous_reference_from_the_model_lists_candidates(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    await add(session, user, "Write report")
    await add(session, user, "Review report")
    fake_cohere.rounds = [[Call("delete_task", {"title": "report"})]]
    answer = await respond(access(session, user), "delete report", [], ai_config(fake_cohere))
    assert answer.actions == []
    assert await titles_of(session, user) == ["Write report", "Review report"]
    [tool_message] = [m for m in fake_cohere.requests[1]["messages"] if m["role"] == "tool"]
    result = json.loads(tool_message["content"][0]["document"]["data"])
    assert result["ok"] is False
    assert sorted(c["title"] for c in result["candidates"]) == ["Review report", "Write report"]


async def test_delete_by_an_inexact_title_asks_the_model_to_confirm(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    report = await add(session, user, "Write report")
    fake_cohere.rounds = [[Call("delete_task", {"title": "report"})]]
    fake_cohere.final_text = 'Did you mean "Write report"?'
    answer = await respond(access(session, user), "delete report", [], ai_config(fake_cohere))
    assert answer.actions == []
    assert await titles_of(session, user) == ["Write report"]
    [tool_message] = [m for m in fake_cohere.requests[1]["messages"] if m["role"] == "tool"]
    result = json.loads(tool_message["content"][0]["document"]["data"])
    assert (result["ok"], result["confirm"], result["task"]["id"]) == (False, True, report.id)

    # The user agrees; the model deletes by id (exact), as the system prompt tells it to.
    fake_cohere.reset()
    fake_cohere.rounds = [[Call("delete_task", {"task_id": report.id})]]
    answer = await respond(access(session, user), "yes", [], ai_config(fake_cohere))
    assert [(a.tool, a.effect) for a in answer.actions] == [("delete_task", "delete")]
    assert await titles_of(session, user) == []


# --- falling back to demo mode ----------------------------------------------------------------

FALLBACKS = ["unauthorized", "429", "500", "slow", "malformed", "empty", "connection-refused"]


@pytest.mark.parametrize("failure", FALLBACKS)
async def test_provider_failure_falls_back_to_demo_in_time(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere, failure: str
) -> None:
    user = await new_user()
    timeout = 1.5
    config = ai_config(fake_cohere, timeout_seconds=timeout, max_retries=1)
    if failure == "unauthorized":
        config = config.model_copy(update={"api_key": "wrong-key"})
    elif failure == "connection-refused":
        config = config.model_copy(update={"base_url": f"http://127.0.0.1:{unused_port()}"})
    else:
        fake_cohere.failure = failure  # type: ignore[assignment]
        fake_cohere.slow_seconds = timeout + 5

    started = time.monotonic()
    with capture_logs() as logs:
        answer = await respond(access(session, user), "Add a task to demo Kubernetes", [], config)
    elapsed = time.monotonic() - started

    assert elapsed < timeout + 1, f"fallback took {elapsed:.2f}s"
    assert answer.mode is Mode.demo
    assert [action.tool for action in answer.actions] == ["add_task"]
    assert await titles_of(session, user) == ["demo Kubernetes"]
    [event] = [log for log in logs if log["event"] == "chat_fallback_to_demo"]
    assert event["log_level"] == "warning"
    assert API_KEY not in repr(logs)
    assert "wrong-key" not in repr(logs)
    if failure in ("429", "500"):
        assert len(fake_cohere.requests) == 2  # one retry, then give up
    if failure in ("unauthorized", "malformed", "slow"):
        assert len(fake_cohere.requests) <= 1  # never retried
    print(f"fallback[{failure}] {elapsed * 1000:.0f} ms")


async def test_failure_mid_loop_keeps_done_actions_and_does_not_repeat_them(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    fake_cohere.rounds = [
        [Call("add_task", {"title": "buy milk"})],
        [Call("add_task", {"title": "never reached"})],
    ]
    fake_cohere.failure = "500"
    fake_cohere.fail_from_request = 1
    config = ai_config(fake_cohere, max_retries=0)
    answer = await respond(access(session, user), "Add a task to buy milk", [], config)
    assert answer.mode is Mode.demo
    assert [action.tool for action in answer.actions] == ["add_task"]
    assert answer.actions[0].result["task"]["title"] == "buy milk"
    assert '"buy milk"' in answer.reply
    assert await titles_of(session, user) == ["buy milk"]  # not added a second time


async def test_failure_after_a_read_only_round_lets_demo_do_the_work(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    fake_cohere.rounds = [[Call("list_tasks", {})], [Call("add_task", {"title": "buy milk"})]]
    fake_cohere.failure = "429"
    fake_cohere.fail_from_request = 1
    config = ai_config(fake_cohere, max_retries=0)
    answer = await respond(access(session, user), "Add a task to buy milk", [], config)
    assert answer.mode is Mode.demo
    assert [action.tool for action in answer.actions] == ["add_task"]
    assert await titles_of(session, user) == ["buy milk"]


async def test_no_key_means_demo_without_calling_the_provider(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    user = await new_user()
    for key in (None, ""):
        config = ai_config(fake_cohere, api_key=key)
        answer = await respond(access(session, user), "Show my tasks", [], config)
        assert answer.mode is Mode.demo
    assert fake_cohere.requests == []


async def test_a_conversation_mixing_ai_and_demo_turns(
    session: AsyncSession, new_user: NewUser, fake_cohere: FakeCohere
) -> None:
    """The AI adds a task; the provider then dies; "delete it" still finds the AI's task."""
    user = await new_user()
    chat = Conversation(session, user, ai_config(fake_cohere, max_retries=0))
    fake_cohere.rounds = [[Call("add_task", {"title": "demo Kubernetes"})]]
    first = await chat.say("Add a task to demo Kubernetes")
    assert first.mode is Mode.ai
    fake_cohere.failure = "500"
    second = await chat.say("Delete it")
    assert second.mode is Mode.demo
    assert second.reply == 'Deleted "demo Kubernetes".'
    assert await titles_of(session, user) == []
