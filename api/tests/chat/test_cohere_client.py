"""The Cohere client itself: status mapping, retries, deadlines, parsing, no key leaks."""

from __future__ import annotations

import time

import pytest
from pakaura_api.chat.cohere_client import (
    AssistantMessage,
    CohereAuthError,
    CohereClient,
    CohereConnectionError,
    CohereError,
    CohereMalformedResponseError,
    CohereRateLimitError,
    CohereRequestError,
    CohereServerError,
    CohereTimeoutError,
)

from .fake_cohere import API_KEY, FakeCohere, unused_port

MESSAGES = [{"role": "user", "content": "hi"}]


def client(
    base_url: str, *, key: str = API_KEY, retries: int = 0, timeout: float = 5
) -> CohereClient:
    return CohereClient(
        api_key=key, base_url=base_url, timeout_seconds=timeout, max_retries=retries
    )


async def chat(cohere: CohereClient, deadline: float | None = None) -> str:
    async with cohere:
        response = await cohere.chat(
            model="m",
            messages=MESSAGES,
            tools=[],
            temperature=0.1,
            max_tokens=10,
            deadline=deadline,
        )
    return response.message.text()


async def test_complete_answer_text(fake_cohere: FakeCohere) -> None:
    fake_cohere.final_text = "Hello there"
    assert await chat(client(fake_cohere.base_url + "/")) == "Hello there"
    assert fake_cohere.requests[0]["temperature"] == 0.1


@pytest.mark.parametrize(
    ("failure", "error", "status"),
    [
        ("429", CohereRateLimitError, 429),
        ("500", CohereServerError, 500),
        ("malformed", CohereMalformedResponseError, None),
        ("finish_error", CohereServerError, 200),
    ],
)
async def test_failures_map_to_typed_errors(
    fake_cohere: FakeCohere, failure: str, error: type[CohereError], status: int | None
) -> None:
    fake_cohere.failure = failure  # type: ignore[assignment]
    with pytest.raises(error) as raised:
        await chat(client(fake_cohere.base_url))
    assert raised.value.status_code == status


async def test_wrong_key_is_unauthorized_and_never_echoed(fake_cohere: FakeCohere) -> None:
    cohere = client(fake_cohere.base_url, key="sk-secret-123")
    with pytest.raises(CohereAuthError) as raised:
        await chat(cohere)
    assert raised.value.status_code == 401
    assert str(raised.value) == "invalid api token"
    assert "sk-secret-123" not in repr(cohere)


async def test_unknown_path_is_a_request_error(fake_cohere: FakeCohere) -> None:
    with pytest.raises(CohereRequestError) as raised:
        await chat(client(fake_cohere.base_url + "/nope"))
    assert raised.value.status_code == 404


async def test_retries_only_retryable_errors_up_to_max_retries(fake_cohere: FakeCohere) -> None:
    fake_cohere.failure = "429"
    with pytest.raises(CohereRateLimitError):
        await chat(client(fake_cohere.base_url, retries=2))
    assert len(fake_cohere.requests) == 3

    fake_cohere.reset()
    fake_cohere.failure = "malformed"
    with pytest.raises(CohereMalformedResponseError):
        await chat(client(fake_cohere.base_url, retries=2))
    assert len(fake_cohere.requests) == 1


async def test_recovers_when_a_retry_succeeds(fake_cohere: FakeCohere) -> None:
    fake_cohere.failure = "500"
    fake_cohere.fail_until_request = 1
    fake_cohere.final_text = "second time lucky"
    assert await chat(client(fake_cohere.base_url, retries=1)) == "second time lucky"
    assert len(fake_cohere.requests) == 2


async def test_backoff_never_sleeps_past_the_deadline(fake_cohere: FakeCohere) -> None:
    fake_cohere.failure = "500"
    started = time.monotonic()
    with pytest.raises(CohereServerError):
        await chat(client(fake_cohere.base_url, retries=10), deadline=time.monotonic() + 0.5)
    assert time.monotonic() - started < 0.6
    assert len(fake_cohere.requests) < 5


async def test_no_time_left_means_no_request(fake_cohere: FakeCohere) -> None:
    with pytest.raises(CohereTimeoutError):
        await chat(client(fake_cohere.base_url), deadline=time.monotonic() - 1)
    assert fake_cohere.requests == []


async def test_slow_provider_times_out(fake_cohere: FakeCohere) -> None:
    fake_cohere.failure = "slow"
    fake_cohere.slow_seconds = 3
    started = time.monotonic()
    with pytest.raises(CohereTimeoutError):
        await chat(client(fake_cohere.base_url, timeout=0.3, retries=3))
    assert time.monotonic() - started < 1
    assert len(fake_cohere.requests) == 1  # a timeout is not retried


async def test_connection_refused_is_retried_then_raised() -> None:
    started = time.monotonic()
    with pytest.raises(CohereConnectionError):
        await chat(client(f"http://127.0.0.1:{unused_port()}", retries=1))
    assert time.monotonic() - started < 1


async def test_client_must_be_entered() -> None:
    with pytest.raises(RuntimeError):
        await client("http://127.0.0.1:1").chat(
            model="m", messages=MESSAGES, tools=[], temperature=0, max_tokens=1
        )


def test_text_accepts_plain_string_or_text_items() -> None:
    assert AssistantMessage(content=" hi ").text() == "hi"
    items = [
        {"type": "text", "text": "a"},
        {"type": "thinking", "text": "x"},
        {"type": "text", "text": "b"},
    ]
    assert AssistantMessage.model_validate({"content": items}).text() == "a\nb"
    assert AssistantMessage().text() == ""
