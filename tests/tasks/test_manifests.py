"""`invoke manifests` and the task list."""

from __future__ import annotations

import sys

import pytest
from invoke.exceptions import Exit

from .conftest import commands, mock, ran, res, tasks


@pytest.mark.usefixtures("fake_repo")
def test_manifests_runs_the_charts_renderer_with_the_tooling_python(fake_repo):
    script = fake_repo / "scripts" / "render_manifests.py"
    script.parent.mkdir()
    script.write_text("print('rendered')\n")
    c = mock({r".*render_manifests\.py": res("wrote infra/kubernetes/")})
    tasks.manifests(c)
    tasks.manifests(c, check=True)
    assert commands(c) == [f"{sys.executable} {script}", f"{sys.executable} {script} --check"]


@pytest.mark.usefixtures("fake_repo")
def test_manifests_without_a_renderer_says_how_to_render_by_hand(capsys):
    with pytest.raises(Exit) as exit_info:
        tasks.manifests(mock({}))
    assert exit_info.value.code == 1
    assert "helm template pakaura helm/pakaura" in capsys.readouterr().out


def test_invoke_lists_every_task():
    assert set(tasks.__dict__) >= {
        "setup",
        "build",
        "deploy",
        "status",
        "logs",
        "destroy",
        "dev",
        "doctor",
        "manifests",
    }
    assert all(tasks.__dict__[name].__doc__ for name in ("setup", "doctor", "dev"))
    assert ran(mock({r"x": res("")}), r"x") == []
