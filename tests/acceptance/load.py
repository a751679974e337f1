"""A bounded, steady client loop: GETs at a fixed total rate from a few threads, each failure
counted and the first ones kept with their reason (used by the zero-downtime tests)."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

import requests

Target = tuple[str, dict[str, str]]  # path, extra headers


@dataclass
class LoadReport:
    seconds: float = 0.0
    requests: int = 0
    failed: int = 0
    server_errors: int = 0  # 5xx answers (also counted in failed)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    by_path: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)  # the first failures, with their reason

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        paths = ", ".join(f"{path} {count}" for path, count in self.by_path.items())
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({self.rate:.1f}/s; {paths}), "
            f"{self.failed} failed, {self.server_errors} 5xx"
        )


class Load:
    """`with Load(url, targets, rate=25) as load: ...` — requests run until the block ends
    (at least `minimum` seconds after the start); `load.report` has the counts."""

    def __init__(
        self,
        base_url: str,
        targets: list[Target],
        *,
        rate: float = 25.0,
        workers: int = 4,
        minimum: float = 20.0,
        timeout: float = 10.0,
        host: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.targets = targets
        self.interval = workers / rate  # each worker's pause between its own requests
        self.workers = workers
        self.minimum = minimum
        self.timeout = timeout
        self.host = host
        self.report = LoadReport()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0

    def _record(self, path: str, status: str, failure: str | None, server_error: bool) -> None:
        with self._lock:
            self.report.requests += 1
            self.report.statuses[status] += 1
            self.report.by_path[path] = self.report.by_path.get(path, 0) + 1
            if failure is not None:
                self.report.failed += 1
                self.report.server_errors += int(server_error)
                if len(self.report.examples) < 20:
                    moment = time.monotonic() - self._started
                    wall = datetime.now(UTC).strftime("%H:%M:%S.%f")[:-4]
                    self.report.examples.append(
                        f"t+{moment:.1f}s (answer at {wall} UTC) GET {path}: {failure}"
                    )

    def _work(self, offset: int) -> None:
        session = requests.Session()
        if self.host:
            session.headers["Host"] = self.host
        turn = offset
        due = time.monotonic() + offset * self.interval / self.workers
        while not self._stop.is_set():
            self._stop.wait(max(0.0, due - time.monotonic()))
            if self._stop.is_set():
                break
            due += self.interval
            path, headers = self.targets[turn % len(self.targets)]
            turn += 1
            try:
                response = session.get(
                    f"{self.base_url}{path}", headers=headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                self._record(path, type(error).__name__, f"{type(error).__name__}: {error}", False)
                continue
            code = response.status_code
            failure = None if code == 200 else f"HTTP {code} {response.text[:120]!r}"
            self._record(path, str(code), failure, code >= 500)
        session.close()

    def __enter__(self) -> Load:
        self._started = time.monotonic()
        for offset in range(self.workers):
            thread = threading.Thread(target=self._work, args=(offset,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def hold(self, seconds: float) -> None:
        """Keep the load running for `seconds` more."""
        time.sleep(max(0.0, seconds))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.hold(self.minimum - self.elapsed())
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)
        self.report.seconds = self.elapsed()
