"""The docs name what the code defines, so adding a task or an acceptance test cannot skip them:
every invoke task is a row of the README's tasks table and of docs/automation.md, and ends its
errors the documented way (`task_boundary`: one `error:` line, one `fix:` line, an exit code);
every acceptance module is named in docs/automation.md. (Chat tools, chart values and generated
files have their own checks: docs/development.md lists them.)"""

from __future__ import annotations

import ast
import re

import pytest
from newcomer_support import ROOT

README = ROOT / "README.md"
AUTOMATION = ROOT / "docs" / "automation.md"


def _decorator_name(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id
    return target.attr if isinstance(target, ast.Attribute) else ""


def invoke_tasks() -> dict[str, list[str]]:
    """Task name (as `invoke --list` shows it) → the names of its decorators, from tasks.py."""
    tree = ast.parse((ROOT / "tasks.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            decorators = [_decorator_name(d) for d in node.decorator_list]
            if "task" in decorators:
                found[node.name.replace("_", "-")] = decorators
    return found


def table_rows(text: str) -> set[str]:
    """The first word of each table row's first cell when it is code: `| `name …` |` → name."""
    return set(re.findall(r"^\|\s*`(?:invoke )?([a-z][a-z0-9-]*)[^`]*`\s*\|", text, re.MULTILINE))


def readme_tasks_section() -> str:
    text = README.read_text()
    match = re.search(r"^## Tasks\b.*?(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no `## Tasks` section"
    return match.group(0)


def test_tasks_py_defines_tasks() -> None:
    assert {"setup", "deploy", "status", "dev"} <= set(invoke_tasks())


@pytest.mark.parametrize("name", sorted(invoke_tasks()))
def test_every_invoke_task_is_in_the_readme_tasks_table(name: str) -> None:
    assert name in table_rows(readme_tasks_section()), (
        f"`invoke {name}` has no row in README.md's tasks table"
    )


@pytest.mark.parametrize("name", sorted(invoke_tasks()))
def test_every_invoke_task_is_documented_in_automation_md(name: str) -> None:
    assert name in table_rows(AUTOMATION.read_text()), (
        f"`invoke {name}` has no row in a table of docs/automation.md"
    )


@pytest.mark.parametrize("name", sorted(invoke_tasks()))
def test_every_invoke_task_ends_errors_with_error_and_fix_lines(name: str) -> None:
    assert "task_boundary" in invoke_tasks()[name], (
        f"`{name}` in tasks.py lacks @task_boundary (under @task): errors would be tracebacks"
    )


@pytest.mark.parametrize(
    "module", sorted(p.name for p in (ROOT / "tests" / "acceptance").glob("test_*.py"))
)
def test_every_acceptance_module_is_named_in_automation_md(module: str) -> None:
    assert f"`{module}`" in AUTOMATION.read_text(), (
        f"tests/acceptance/{module} is not named in docs/automation.md (its scenarios table)"
    )


def test_the_checks_catch_what_they_should() -> None:
    rows = "| `setup` | x |\n| `restore FILE` | y |\n| `invoke dev` | z |\n| plain | w |\n"
    assert table_rows(rows) == {"setup", "restore", "dev"}
    assert "manifests" in invoke_tasks()
