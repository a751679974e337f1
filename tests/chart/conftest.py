"""Fixtures for the chart tests and the summary of counts printed at the end of the run."""

from __future__ import annotations

from typing import Any

import pytest

from .rendering import MATRIX, SUMMARY, helm_binary, render


@pytest.fixture(scope="session")
def defaults() -> list[dict[str, Any]]:
    return render()


@pytest.fixture(params=sorted(MATRIX), scope="session")
def matrix_entry(request: pytest.FixtureRequest) -> tuple[str, str, list[dict[str, Any]]]:
    name = request.param
    namespace, args = MATRIX[name]
    docs = render(args, namespace)
    SUMMARY["objects"][name] = len(docs)
    return name, namespace, docs


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SUMMARY["objects"] and not SUMMARY["counters"]:
        return
    write = terminalreporter.write_line
    terminalreporter.section("chart summary")
    write(f"helm: {helm_binary()}")
    for name, total in sorted(SUMMARY["objects"].items()):
        write(f"rendered {name:<18} {total:>3} objects")
    for name, total in sorted(SUMMARY["counters"].items()):
        write(f"{name:<48} {total:>5}")
