"""US5 — Deployment automation: `scripts/ai-deploy.sh --setup` on an existing deployment changes
nothing, and `--status` reports every service healthy."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
from support import ROOT, Cluster

pytestmark = pytest.mark.usefixtures("release")


def _ai_deploy(release: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "ai-deploy.sh"), *args, "--namespace", release.namespace],
        capture_output=True,
        text=True,
        env={**release.env(), "PAKAURA_CONSOLE_WIDTH": "200"},
        timeout=1200,
        check=False,
    )


def _setup_target(release: Cluster) -> str:
    context = release.context or release.kubectl("config", "current-context").strip()
    return "minikube" if context == os.environ.get("MINIKUBE_PROFILE", "minikube") else "current"


@pytest.mark.runtime
@pytest.mark.control_plane
def test_setup_on_an_existing_deployment_is_idempotent(
    release: Cluster, figures: dict[str, Any]
) -> None:
    if shutil.which("docker") is None:
        pytest.skip("setup builds images: needs docker on PATH")
    target = _setup_target(release)
    first = _ai_deploy(release, "--setup", "--cluster", target)  # converges (e.g. after US4)
    assert first.returncode == 0, first.stdout + first.stderr
    revision = release.revision()
    second = _ai_deploy(release, "--setup", "--cluster", target)
    assert second.returncode == 0, second.stdout + second.stderr
    assert release.revision() == revision
    assert "setup: no changes" in second.stdout
    for mutating in (
        "starting minikube",
        "enabling minikube addon",
        "building pakaura-",
        "upgrading release",
        "installing release",
    ):
        assert mutating not in second.stdout
    figures["helm revision after two setup runs"] = revision


@pytest.mark.control_plane
def test_status_shows_every_service_healthy(release: Cluster) -> None:
    result = _ai_deploy(release, "--status")
    assert result.returncode == 0, result.stdout + result.stderr
    for service in ("api", "frontend", "postgresql", "migrate"):
        assert any(
            line.strip().startswith(service) and "✓ healthy" in line
            for line in result.stdout.splitlines()
        ), f"{service} not healthy:\n{result.stdout}"
    assert "status deployed" in result.stdout
