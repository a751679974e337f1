"""One rich console for every task, so tests can capture and assert what the user sees."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

# Wide enough that tables do not wrap in CI logs; colours only on a terminal.
# soft_wrap: messages (commands, fixes) stay on one line so they can be copied and grepped.
console = Console(width=int(os.environ.get("PAKAURA_CONSOLE_WIDTH", "120")), soft_wrap=True)
HEARTBEAT_SECONDS = 20.0  # without a terminal (CI, pipes): a "still …" line this often


def step(message: str) -> None:
    console.print(f"[bold blue]→[/] {message}", highlight=False)


def done(message: str) -> None:
    console.print(f"[bold green]✓[/] {message}", highlight=False)


def skipped(message: str) -> None:
    console.print(f"[dim]•[/] {message} [dim](already in place)[/]", highlight=False)


def warn(message: str) -> None:
    console.print(f"[bold yellow]![/] {message}", highlight=False)


def seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


@contextmanager
def progress(message: str, finished: str) -> Iterator[None]:
    """A long step: on a terminal a spinner with the elapsed time; elsewhere the step line now and
    a "still …" line every HEARTBEAT_SECONDS. Ends with `finished` and the time it took."""
    started = time.monotonic()
    stop = threading.Event()

    def elapsed() -> str:
        return seconds(time.monotonic() - started)

    if console.is_terminal:
        status = console.status(f"{message} …")
        status.start()
        interval, end = 1.0, status.stop

        def tick() -> None:
            status.update(f"{message} … {elapsed()}")

    else:
        step(message)
        interval, end = HEARTBEAT_SECONDS, (lambda: None)

        def tick() -> None:
            console.print(f"  … still {message} ({elapsed()})", highlight=False)

    def ticker() -> None:
        while not stop.wait(interval):
            tick()

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        end()
    done(f"{finished} ({elapsed()})")
