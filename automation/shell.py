"""Running CLIs through invoke's context: hidden by default, failures become TaskError."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from invoke.context import Context
from invoke.runners import Result

from .errors import TaskError, last_line


def join(argv: Sequence[str]) -> str:
    return shlex.join(argv)


def run(
    c: Context,
    argv: Sequence[str],
    *,
    check: bool = True,
    hide: bool = True,
    fix: str = "",
    env: dict[str, str] | None = None,
    **kwargs: Any,
) -> Result:
    """Run argv (quoted for the shell); with check, a non-zero exit raises TaskError."""
    command = join(argv)
    result = c.run(command, hide=hide, warn=True, env=env or {}, **kwargs)
    if check and result.failed:
        detail = last_line(result.stderr) or last_line(result.stdout)
        raise TaskError(f"`{command}` failed" + (f": {detail}" if detail else ""), fix)
    return result


def ok(c: Context, argv: Sequence[str]) -> bool:
    """True when the command exits 0 (used for presence checks)."""
    return bool(run(c, argv, check=False).ok)


def run_json(c: Context, argv: Sequence[str], *, fix: str = "") -> Any:
    """Run a command that prints JSON and parse it."""
    result = run(c, argv, fix=fix)
    try:
        return json.loads(result.stdout or "null")
    except json.JSONDecodeError as error:
        raise TaskError(
            f"`{join(argv)}` printed something that is not JSON ({error})", fix
        ) from None
