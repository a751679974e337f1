"""How many chat turns may run at once: per user and per process (429 + Retry-After beyond).

A turn may wait on the provider for up to AI_TIMEOUT_SECONDS; without a bound, a crowd (or one
client in a loop) would pile up turns and provider calls without end. The counters are per process
(one event loop, so no lock is needed); with several workers or replicas each has its own budget.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class ChatBusy(Exception):  # noqa: N818 (reads as the condition it reports)
    """Over a limit; `retry_after` is the suggested wait in seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class ChatLimiter:
    def __init__(self, per_user: int, total: int, retry_after: int) -> None:
        self.per_user = per_user
        self.total = total
        self.retry_after = retry_after
        self._running: Counter[int] = Counter()
        self._total = 0

    @property
    def running(self) -> int:
        return self._total

    @contextmanager
    def turn(self, user_id: int) -> Iterator[None]:
        """Hold a slot for one turn of `user_id`, or raise `ChatBusy`."""
        self.acquire(user_id)
        try:
            yield
        finally:
            self.release(user_id)

    def acquire(self, user_id: int) -> None:
        """Take a slot (`ChatBusy` when none is free); every `acquire` needs its `release`."""
        if self._running[user_id] >= self.per_user:
            raise ChatBusy(
                f"You already have {self.per_user} messages being answered; "
                "wait for a reply, then send again",
                self.retry_after,
            )
        if self._total >= self.total:
            raise ChatBusy("The assistant is busy; try again in a moment", self.retry_after)
        self._running[user_id] += 1
        self._total += 1

    def release(self, user_id: int) -> None:
        self._total -= 1
        self._running[user_id] -= 1
        if not self._running[user_id]:
            del self._running[user_id]


# Suggested waits: a demo turn takes milliseconds, an AI turn seconds.
DEMO_RETRY_AFTER_SECONDS = 1
AI_RETRY_AFTER_SECONDS = 5


def limiter_for(per_user: int, total: int, ai_mode: bool) -> ChatLimiter:
    retry_after = AI_RETRY_AFTER_SECONDS if ai_mode else DEMO_RETRY_AFTER_SECONDS
    return ChatLimiter(per_user, total, retry_after)
