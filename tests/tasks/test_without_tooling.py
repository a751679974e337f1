"""Any task run by an invoke that lacks the project's tooling says in one line what to run, exit 2.

E.g. `pip install invoke nox && invoke --list` without `./scripts/bootstrap.sh` (no `rich`).
The real `invoke` program runs in a subprocess in which `rich` cannot be imported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

WITHOUT_RICH = (
    "import sys; sys.modules['rich'] = None; from invoke.main import program; "
    "sys.argv = ['invoke', *sys.argv[1:]]; program.run()"
)


@pytest.mark.parametrize("args", [["--list"], ["dev"], ["status"]])
def test_invoke_without_the_tooling_prints_one_line_and_exits_2(args):
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_RICH, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert "./scripts/bootstrap.sh" in lines[0]
    assert "rich" in lines[0]
