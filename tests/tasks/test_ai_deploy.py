"""scripts/ai-deploy.sh maps the spec's commands and flags onto invoke tasks.

The script runs for real (bash) from a copy of the repo layout whose bootstrap.sh and
.venv/bin/invoke are fakes that record their arguments, so the assertions see exactly what the
script would call.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "ai-deploy.sh", tmp_path / "scripts" / "ai-deploy.sh")
    (tmp_path / "VERSION").write_text("4.0.0\n")
    bootstrap = tmp_path / "scripts" / "bootstrap.sh"
    bootstrap.write_text(f'#!/usr/bin/env bash\necho bootstrapped >> "{tmp_path}/calls"\n')
    invoke = tmp_path / ".venv" / "bin" / "invoke"
    invoke.parent.mkdir(parents=True)
    # one line per call, arguments separated by '|' so spaces inside values stay visible
    invoke.write_text(
        f'#!/usr/bin/env bash\n(IFS="|"; echo "invoke|$*") >> "{tmp_path}/calls"\n'
        'exit "${FAKE_INVOKE_EXIT:-0}"\n'
    )
    for script in (bootstrap, invoke, tmp_path / "scripts" / "ai-deploy.sh"):
        script.chmod(0o755)
    return tmp_path


def ai_deploy(layout: Path, *args: str, exit_code: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(layout / "scripts" / "ai-deploy.sh"), *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "FAKE_INVOKE_EXIT": str(exit_code)},
    )


def calls(layout: Path) -> list[str]:
    path = layout / "calls"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["setup"], "setup"),
        (["--setup"], "setup"),
        (["--status"], "status"),
        (["status", "--namespace", "demo"], "status|--namespace|demo"),
        (
            ["deploy", "--values", "prod.yaml", "--values=b.yaml", "--set", "a=1"],
            "deploy|--values|prod.yaml|--values|b.yaml|--set|a=1",
        ),
        (["--deploy", "--dry-run", "--namespace=qa"], "deploy|--namespace|qa|--dry-run"),
        (["logs"], "logs|api"),
        (["--logs", "frontend", "-f"], "logs|frontend|--follow"),
        (["destroy", "--purge-data"], "destroy|--purge-data"),
        (
            ["setup", "--cluster", "kind", "--values", "my values.yaml"],
            "setup|--cluster|kind|--values|my values.yaml",
        ),
        (["doctor"], "doctor"),
        (["dev"], "dev"),
        (["--dev", "--api-port", "8001", "--web-port=3001"], "dev|--api-port|8001|--web-port|3001"),
        (["dev", "--host", "0.0.0.0"], "dev|--host|0.0.0.0"),  # noqa: S104
    ],
)
def test_commands_and_flags_map_onto_invoke_tasks(layout, args, expected):
    result = ai_deploy(layout, *args)
    assert result.returncode == 0, result.stderr
    assert calls(layout) == ["bootstrapped", f"invoke|--search-root|{layout}|{expected}"]


def test_the_tasks_exit_code_is_the_scripts_exit_code(layout):
    assert ai_deploy(layout, "status", exit_code=3).returncode == 3


@pytest.mark.parametrize("args", [[], ["help"], ["--help"], ["-h"], ["status", "--help"]])
def test_help_prints_usage_and_runs_nothing(layout, args):
    result = ai_deploy(layout, *args)
    assert result.returncode == 0
    assert "Usage: ai-deploy.sh COMMAND [OPTIONS]" in result.stdout
    assert "--namespace NS" in result.stdout
    assert "--dry-run" in result.stdout
    assert calls(layout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["launch"], "unknown command 'launch'"),
        (["status", "--bogus"], "unknown option '--bogus'"),
        (["status", "--dry-run"], "--dry-run only applies to deploy"),
        (["status", "--values", "x.yaml"], "--values only applies to setup and deploy"),
        (["deploy", "--namespace"], "--namespace needs a value"),
        (["logs", "api", "frontend"], "unexpected argument 'frontend'"),
        (["deploy", "--purge-data"], "--purge-data only applies to destroy"),
        (["status", "--api-port", "1"], "--api-port only applies to dev"),
        (["dev", "--namespace", "x"], "--namespace does not apply to dev (no cluster)"),
    ],
)
def test_bad_usage_exits_64_with_one_message_and_runs_nothing(layout, args, message):
    result = ai_deploy(layout, *args)
    assert result.returncode == 64
    assert f"error: {message}" in result.stderr
    assert calls(layout) == []


def test_script_is_shellcheck_clean():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed (apt install shellcheck); nox -s tasks runs it too")
    for script in ("ai-deploy.sh", "bootstrap.sh"):
        result = subprocess.run(
            ["shellcheck", str(ROOT / "scripts" / script)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout
