"""Day 2 — zero-downtime upgrade and rollback: while a steady client loop inside the cluster reads
the task list (with a valid token) and the home page through the Services, `invoke deploy` with a
changed value replaces every API and frontend pod, then `invoke rollback` replaces them again; not
one request fails or gets a 5xx. Why in the cluster and through the Services: see load.py.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from load import InClusterLoad, LoadReport
from support import App, Cluster, elapsed, unique

pytestmark = [pytest.mark.usefixtures("release"), pytest.mark.runtime]

RATE = 25.0  # requests per second, both paths together
REQUIRED_RATE = 20.0
MINIMUM_SECONDS = 20.0
SETTLE_SECONDS = 5.0  # keep the load on after the command returned (old pods still draining)
ANNOTATION = "pakaura/rollout-check"
ROLLED = ("api", "frontend")


def _pod_names(release: Cluster) -> dict[str, set[str]]:
    """The serving pods of each rolled component (pods still draining after a rollout are not)."""
    return {
        component: {
            p.metadata.name
            for p in release.pods(component)
            if p.metadata.deletion_timestamp is None
        }
        for component in ROLLED
    }


def _template_marks(release: Cluster) -> dict[str, str | None]:
    marks = {}
    for name in ROLLED:
        deployment = release.apps.read_namespaced_deployment(name, release.namespace)
        annotations = deployment.spec.template.metadata.annotations or {}
        marks[name] = annotations.get(ANNOTATION)
    return marks


def _under_load(release: Cluster, token: str, *task_args: str) -> tuple[Any, LoadReport]:
    targets = [
        ("http://api:8000/api/v1/tasks", {"Authorization": token}),
        ("http://frontend:3000/", {}),
    ]
    with InClusterLoad(release, targets, rate=RATE, minimum=MINIMUM_SECONDS) as load:
        load.hold(3)  # a baseline before anything changes
        result = release.invoke(*task_args, "--namespace", release.namespace)
        load.hold(SETTLE_SECONDS)
    return result, load.report


def _assert_no_failures(what: str, report: LoadReport) -> None:
    print(f"{what}: {report.summary()}; statuses {dict(report.statuses)}")
    failures = f"{what}: {report.summary()}; first failures:\n" + "\n".join(report.examples)
    assert report.server_errors == 0, failures
    assert report.failed == 0, failures
    assert report.seconds >= MINIMUM_SECONDS
    assert report.rate >= REQUIRED_RATE, f"the loop ran too slowly: {report.summary()}"


def test_upgrade_and_rollback_replace_every_pod_without_a_failed_request(
    release: Cluster, figures: dict[str, Any]
) -> None:
    with release.port_forward("svc/api", 8000) as url:
        app = App(url)
        app.wait_healthy()
        app.signup()
        app.create_task(unique("zero downtime"))
        token = app.session.headers["Authorization"]
    assert isinstance(token, str)
    revision = release.revision()

    # --- upgrade: a changed pod-template value rolls both Deployments ---------------------
    before = _pod_names(release)
    mark = f"upgrade-{uuid.uuid4().hex[:8]}"
    sets = [f"--set={name}.podAnnotations.{ANNOTATION}={mark}" for name in ROLLED]
    start = time.monotonic()
    result, upgrade = _under_load(release, token, "deploy", *sets)
    assert result.returncode == 0, result.stdout + result.stderr
    figures["invoke deploy under load (s)"] = elapsed(start)
    figures["upgrade under load"] = upgrade.summary()
    assert _template_marks(release) == dict.fromkeys(ROLLED, mark)
    release.wait_release_ready()
    after = _pod_names(release)
    for component in ROLLED:
        assert not before[component] & after[component], f"{component} pods were not replaced"
    assert release.revision() == revision + 1
    _assert_no_failures("upgrade", upgrade)

    # --- rollback to the revision before the upgrade --------------------------------------
    start = time.monotonic()
    result, rollback = _under_load(release, token, "rollback")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"from revision {revision + 1} to {revision}" in result.stdout
    figures["invoke rollback under load (s)"] = elapsed(start)
    figures["rollback under load"] = rollback.summary()
    assert _template_marks(release) == dict.fromkeys(ROLLED)
    release.wait_release_ready()
    rolled_back = _pod_names(release)
    for component in ROLLED:
        assert not after[component] & rolled_back[component], f"{component} not replaced"
    assert release.revision() == revision + 2
    _assert_no_failures("rollback", rollback)
