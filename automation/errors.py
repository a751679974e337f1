"""Errors that end a task with one clear line plus the fix, and a documented exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit, UnexpectedExit

from .config import ExitCode
from .console import console

F = TypeVar("F", bound=Callable[..., Any])


class TaskError(Exception):
    """A failure the user can act on: what went wrong, how to fix it, and the exit code."""

    def __init__(self, message: str, fix: str = "", code: int = ExitCode.FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.code = code


class MissingPrerequisiteError(TaskError):
    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message, fix, ExitCode.MISSING_PREREQUISITE)


class UnhealthyError(TaskError):
    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message, fix, ExitCode.UNHEALTHY)


def last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def report(error: TaskError) -> None:
    console.print(f"[bold red]error:[/] {error.message}", highlight=False)
    if error.fix:
        console.print(f"[bold yellow]fix:[/]   {error.fix}", highlight=False)


def task_boundary(func: F) -> F:
    """Turn our errors and failed commands into one line + fix + exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TaskError as error:
            report(error)
            raise Exit(code=error.code) from None
        except UnexpectedExit as error:
            result = error.result
            detail = last_line(result.stderr) or last_line(result.stdout)
            report(
                TaskError(
                    f"`{result.command}` exited with {result.exited}"
                    + (f": {detail}" if detail else ""),
                    "run `invoke doctor` for a diagnosis",
                )
            )
            raise Exit(code=ExitCode.FAILURE) from None
        except KeyboardInterrupt:
            console.print("[yellow]interrupted[/]")
            raise Exit(code=ExitCode.INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]
