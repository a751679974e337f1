"""US2 — Health monitoring and self-healing: a deleted pod is replaced, a failing liveness probe
restarts the container, and a database outage takes the API out of its Service until it is back."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

import pytest
from kubernetes import client
from support import Cluster, elapsed, pod_ready, poll, restarts

pytestmark = pytest.mark.usefixtures("release")


@pytest.mark.control_plane
def test_deleted_api_pod_is_replaced_by_a_ready_pod_within_30_seconds(
    release: Cluster, figures: dict[str, Any]
) -> None:
    before = {p.metadata.name for p in release.pods("api")}
    victim = sorted(before)[0]
    start = time.monotonic()
    release.core.delete_namespaced_pod(victim, release.namespace)

    def replacement_ready() -> bool:
        return any(p.metadata.name not in before and pod_ready(p) for p in release.pods("api"))

    poll(replacement_ready, "a new Ready API pod", timeout=60, interval=0.5)
    seconds = elapsed(start)
    figures["deleted API pod -> replacement Ready (s)"] = seconds
    assert seconds <= 30
    release.wait_release_ready()


@pytest.mark.runtime
def test_failing_liveness_probe_restarts_the_container(
    release: Cluster, figures: dict[str, Any]
) -> None:
    """A copy of the API Deployment (outside the Service) whose liveness probe hits a 404 path."""
    original = release.apps.read_namespaced_deployment("api", release.namespace)
    name = f"liveness-check-{uuid.uuid4().hex[:5]}"
    labels = {"app": name, "app.kubernetes.io/name": "pakaura-acceptance"}
    spec = copy.deepcopy(original.spec)
    spec.replicas = 1
    spec.selector = client.V1LabelSelector(match_labels=labels)
    spec.template.metadata = client.V1ObjectMeta(labels=labels)
    container = spec.template.spec.containers[0]
    container.startup_probe = None
    container.readiness_probe = None
    container.liveness_probe = client.V1Probe(
        http_get=client.V1HTTPGetAction(path="/api/v1/this-path-does-not-exist", port=8000),
        initial_delay_seconds=5,
        period_seconds=3,
        failure_threshold=2,
        timeout_seconds=2,
    )
    body = client.V1Deployment(metadata=client.V1ObjectMeta(name=name, labels=labels), spec=spec)
    release.apps.create_namespaced_deployment(release.namespace, body)
    start = time.monotonic()
    try:

        def restarted() -> bool:
            pods = release.core.list_namespaced_pod(
                release.namespace, label_selector=f"app={name}"
            ).items
            return any(restarts(p) >= 1 for p in pods)

        poll(
            restarted,
            "the kubelet to restart the container after failed liveness probes",
            timeout=120,
            interval=2,
        )
        figures["failing liveness probe -> container restarted (s)"] = elapsed(start)
        events = release.core.list_namespaced_event(release.namespace).items
        assert any(
            e.reason == "Unhealthy"
            and "Liveness probe failed" in (e.message or "")
            and (e.involved_object.name or "").startswith(name)
            for e in events
        )
    finally:
        release.apps.delete_namespaced_deployment(name, release.namespace)


@pytest.mark.runtime
def test_database_outage_removes_api_pods_from_service_endpoints_until_it_returns(
    release: Cluster, figures: dict[str, Any]
) -> None:
    api_pods = release.pods("api")
    restarts_before = {p.metadata.name: restarts(p) for p in api_pods}
    replicas = len(api_pods)
    assert release.ready_endpoints("api") == replicas
    release.apps.patch_namespaced_stateful_set_scale(
        "postgresql", release.namespace, {"spec": {"replicas": 0}}
    )
    try:
        start = time.monotonic()
        poll(
            lambda: release.ready_endpoints("api") == 0,
            "readiness to fail and the API pods to leave the Service endpoints",
            120,
        )
        figures["database down -> API out of endpoints (s)"] = elapsed(start)
        # liveness never touches the database: the API processes keep running
        for pod in release.pods("api"):
            assert restarts(pod) == restarts_before.get(pod.metadata.name, 0)
    finally:
        release.apps.patch_namespaced_stateful_set_scale(
            "postgresql", release.namespace, {"spec": {"replicas": 1}}
        )
    start = time.monotonic()
    poll(
        lambda: release.ready_endpoints("api") == replicas,
        "the API pods to return to the Service endpoints",
        240,
    )
    figures["database back -> API back in endpoints (s)"] = elapsed(start)
    release.wait_release_ready()
