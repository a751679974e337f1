"""LOG_FORMAT: JSON lines by default (the cluster), plain text with `console` (`invoke dev`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SNIPPET = (
    "import logging; from pakaura_api.logging import configure_logging, log; "
    "configure_logging('INFO'); log.info('task.created', task_id=7); "
    "logging.getLogger('uvicorn.error').info('Uvicorn running')"
)


def _lines(log_format: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    if log_format is not None:
        env["LOG_FORMAT"] = log_format
    result = subprocess.run(
        [sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize("log_format", [None, "json"])
def test_logs_are_json_lines_by_default(log_format: str | None) -> None:
    lines = _lines(log_format)
    assert [json.loads(line)["event"] for line in lines] == ["task.created", "Uvicorn running"]


def test_console_format_is_plain_text_for_a_person() -> None:
    lines = _lines("console")
    assert len(lines) == 2
    assert "task.created" in lines[0]
    assert "task_id=7" in lines[0]
    assert "Uvicorn running" in lines[1]
    for line in lines:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
