"""Day 2 — failure evidence: when an acceptance test fails, the cluster's state for it (events,
`describe` of the release's pods, current and previous logs of every container, `helm history`)
is written under artifacts/acceptance/<test>/, and that of a namespace the test registered with
`evidence_from` under <test>/<namespace>/. Checked by running a deliberately failing test in a
nested pytest session against the same cluster, with its artifacts in a temporary folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import Cluster

pytestmark = pytest.mark.usefixtures("release")

HERE = Path(__file__).resolve().parent
FAILING = """
import pytest


@pytest.mark.control_plane
def test_deliberately_failing(release, evidence_from):
    # a namespace of the test's own, registered with a selector: here the release's, API pods only
    evidence_from(release, "app.kubernetes.io/component=api")
    assert release.revision() < 0, "deliberate failure: the evidence export must run"
"""


@pytest.mark.control_plane
def test_a_failing_test_leaves_the_cluster_state_under_artifacts(
    release: Cluster, tmp_path: Path
) -> None:
    (tmp_path / "test_deliberately_failing.py").write_text(FAILING)
    artifacts = tmp_path / "artifacts"
    options = ["--namespace", release.namespace, "--capabilities", "control_plane"]
    if release.kubeconfig:
        options += ["--kubeconfig", release.kubeconfig]
    if release.context:
        options += ["--kube-context", release.context]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path / "test_deliberately_failing.py"),
            "-p",
            "conftest",  # the acceptance suite's own conftest, as a plugin
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *options,
        ],
        capture_output=True,
        text=True,
        env={
            **release.env(),
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "PAKAURA_ACCEPTANCE_ARTIFACTS": str(artifacts),
        },
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # 1 = tests failed (not a usage or collection error)
    assert "1 failed" in output, output
    evidence = artifacts / "test_deliberately_failing"
    assert "failure evidence" in output, output
    assert str(evidence) in output, output
    files = {path.name: path.read_text() for path in evidence.iterdir() if path.is_file()}
    for name in ("events.txt", "resources.txt", "describe-pods.txt", "helm-history.txt"):
        assert files.get(name, "").strip(), f"{name} missing or empty: {sorted(files)}"
    assert "REVISION" in files["helm-history.txt"]
    for pod in release.serving_pods():
        name = pod.metadata.name
        assert re.search(rf"^Name:\s+{name}$", files["describe-pods.txt"], re.MULTILINE)
        for container in pod.spec.containers:
            assert f"logs-{name}-{container.name}.txt" in files
            assert f"logs-{name}-{container.name}-previous.txt" in files
    # what the test registered with evidence_from: its namespace, the selector's pods only
    registered = {path.name: path.read_text() for path in (evidence / release.namespace).iterdir()}
    assert "REVISION" in registered["helm-history.txt"]
    for pod in release.serving_pods():
        name = pod.metadata.name
        described = re.search(rf"^Name:\s+{name}$", registered["describe-pods.txt"], re.MULTILINE)
        api = pod.metadata.labels["app.kubernetes.io/component"] == "api"
        assert bool(described) == api, name
        assert (f"logs-{name}-{pod.spec.containers[0].name}.txt" in registered) == api, name
