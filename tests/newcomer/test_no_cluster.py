"""With no cluster at all, the cluster commands still lead somewhere, each with one message."""

from __future__ import annotations

from pathlib import Path

import pytest
from newcomer_support import newcomer_env, run

NO_CLUSTER_MESSAGE = "acceptance: no reachable Kubernetes cluster"


@pytest.fixture
def no_cluster(bootstrapped: Path, tmp_path: Path) -> dict[str, str]:
    """The newcomer's environment with an empty kubeconfig: no cluster at all."""
    empty = tmp_path / "kubeconfig"
    empty.write_text("")
    return newcomer_env(bootstrapped, KUBECONFIG=str(empty))


def test_nox_acceptance_without_a_cluster_says_so_once_and_exits_2(
    bootstrapped: Path, no_cluster: dict[str, str]
) -> None:
    env = no_cluster
    result = run([".venv/bin/nox", "-s", "acceptance"], bootstrapped, env, 600, "nox -s acceptance")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert output.count(NO_CLUSTER_MESSAGE) == 1, output


def test_status_and_doctor_without_a_cluster_check_each_item_and_suggest_invoke_dev(
    bootstrapped: Path, no_cluster: dict[str, str]
) -> None:
    env = no_cluster
    for task in ("status", "doctor"):
        result = run([".venv/bin/invoke", task], bootstrapped, env, 120, f"invoke {task}")
        output = result.stdout + result.stderr
        assert result.returncode == 2, output
        items = [line.split()[0] for line in output.splitlines() if line.startswith("  ")]
        assert items == ["tools", "cluster", "release", "hosts"], output
        assert output.count("error:") == 1, output
        assert output.rstrip().endswith("`invoke dev`"), output
        assert "Traceback" not in output
