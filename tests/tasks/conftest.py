"""Helpers for testing tasks.py with invoke.MockContext: canned command results, recorded calls."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from invoke import MockContext, Result
from invoke.exceptions import Exit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tasks.py and automation/ live at the repository root
    sys.path.insert(0, str(ROOT))

from automation import config  # noqa: E402


def _load_tasks_py():
    # This test package is itself called `tasks`, so tasks.py is loaded under another name.
    spec = importlib.util.spec_from_file_location("pakaura_tasks_py", ROOT / "tasks.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tasks = _load_tasks_py()


def res(stdout: Any = "", exited: int = 0, stderr: str = "") -> Result:
    """A command result; dicts/lists are printed as JSON like `-o json` would."""
    if not isinstance(stdout, str):
        stdout = json.dumps(stdout)
    return Result(stdout=stdout, stderr=stderr, exited=exited)


def mock(responses: dict[str, Any]) -> MockContext:
    """MockContext whose run() answers by regex (matched at the start of the command, in order).

    A command no pattern matches raises NotImplementedError — so a test also fails when a task
    runs something it should not (e.g. `minikube start` on an already running cluster).
    """
    return MockContext(run={re.compile(pattern): value for pattern, value in responses.items()})


def commands(c: MockContext) -> list[str]:
    return [call.args[0] for call in c.run.call_args_list]


def ran(c: MockContext, pattern: str) -> list[str]:
    return [command for command in commands(c) if re.search(pattern, command)]


def index_of(c: MockContext, pattern: str) -> int:
    for position, command in enumerate(commands(c)):
        if re.search(pattern, command):
            return position
    raise AssertionError(f"no command matched {pattern!r}:\n" + "\n".join(commands(c)))


@pytest.fixture
def all_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")


@pytest.fixture
def fake_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A minimal checkout (Dockerfiles, build contexts, chart) so digests are stable per test."""
    for relative, text in {
        "infra/docker/api.Dockerfile": "FROM python:3.11-slim\n",
        "infra/docker/frontend.Dockerfile": "FROM node:20\n",
        "api/src/app.py": "print('api')\n",
        "frontend/package.json": "{}\n",
        "helm/pakaura/Chart.yaml": "name: pakaura\nversion: 4.0.0\n",
        "helm/pakaura/values.yaml": "ingress:\n  className: nginx\n",
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(config, "ROOT", tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("automation.cluster.time.sleep", lambda _seconds: None)


def exit_output(
    capsys: pytest.CaptureFixture[str], code: int, task: Any, *args: Any, **kwargs: Any
) -> str:
    """Run a task that must stop with exit code `code`; what it printed."""
    with pytest.raises(Exit) as exit_info:
        task(*args, **kwargs)
    assert exit_info.value.code == code
    return capsys.readouterr().out


@pytest.fixture
def hosts_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Point doctor's hosts file at a temporary one with the given text; returns its path."""
    from automation import doctor

    def write(text: str) -> Path:
        path = tmp_path / "hosts"
        path.write_text(text)
        monkeypatch.setattr(doctor, "hosts_file", lambda: path)
        return path

    return write
