"""Helpers of the newcomer suite: the newcomer's environment, commands with bounded waits and clear
failure messages, and the figures printed at the end of the run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES: dict[str, str] = {}
# A slow machine gets more time, never an endless wait: every wait below is multiplied by this.
SLOW = float(os.environ.get("PAKAURA_NEWCOMER_SLOWNESS", "1"))


def newcomer_env(clone: Path, **extra: str) -> dict[str, str]:
    """The user's environment: this run's virtualenvs (nox's, the checkout's .venv) off PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    inside = (str(ROOT), str(clone))
    env["PATH"] = os.pathsep.join(
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry and not entry.startswith(inside)
    )
    env.pop("NOX_CURRENT_SESSION", None)
    return {**env, **extra}


def text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def run(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float, what: str
) -> subprocess.CompletedProcess[str]:
    """Run to the end within timeout (times SLOW), else fail saying what did not finish."""
    try:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout * SLOW,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = text(expired.stdout) + text(expired.stderr)
        pytest.fail(
            f"{what} did not finish within {timeout * SLOW:.0f} s; last output:\n{output[-2000:]}"
        )
