"""One rich console for every task, so tests can capture and assert what the user sees."""

from __future__ import annotations

import os

from rich.console import Console

# Wide enough that tables do not wrap in CI logs; colours only on a terminal.
# soft_wrap: messages (commands, fixes) stay on one line so they can be copied and grepped.
console = Console(width=int(os.environ.get("PAKAURA_CONSOLE_WIDTH", "120")), soft_wrap=True)


def step(message: str) -> None:
    console.print(f"[bold blue]→[/] {message}", highlight=False)


def done(message: str) -> None:
    console.print(f"[bold green]✓[/] {message}", highlight=False)


def skipped(message: str) -> None:
    console.print(f"[dim]•[/] {message} [dim](already in place)[/]", highlight=False)


def warn(message: str) -> None:
    console.print(f"[bold yellow]![/] {message}", highlight=False)
