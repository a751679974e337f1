"""NFRs and edge cases: the stack fits 4 CPU / 8 GiB, nothing restarted during the suite, an
invalid Cohere key gives demo mode, and a missing ingress class fails before anything exists."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from kubernetes import client
from support import ROOT, SECRET, App, Cluster, cpu_millis, quantity_bytes, restarts

pytestmark = pytest.mark.usefixtures("release")

CPU_BUDGET_M = 4000
MEMORY_BUDGET = 8 * 2**30


@pytest.mark.control_plane
def test_total_requests_and_limits_fit_4_cpus_and_8_gib(
    release: Cluster, figures: dict[str, Any]
) -> None:
    ns = release.namespace
    workloads = [
        (d.spec.replicas, d.spec.template)
        for d in release.apps.list_namespaced_deployment(ns).items
    ]
    workloads += [
        (s.spec.replicas, s.spec.template)
        for s in release.apps.list_namespaced_stateful_set(ns).items
    ]
    workloads += [
        (1, j.spec.template)
        for j in release.batch.list_namespaced_job(ns).items
        if not (j.status.succeeded or j.status.failed)
    ]
    totals = {"requests": [0, 0], "limits": [0, 0]}
    for replicas, template in workloads:
        for container in template.spec.containers:
            resources = container.resources
            assert resources.limits, f"{container.name} has no limits (OOM protection)"
            for kind in totals:
                values = getattr(resources, kind) or {}
                totals[kind][0] += (replicas or 0) * cpu_millis(values.get("cpu"))
                totals[kind][1] += (replicas or 0) * quantity_bytes(values.get("memory"))
    for kind, (cpu, memory) in totals.items():
        figures[f"total {kind}"] = f"{cpu}m CPU, {memory // 2**20} MiB"
        assert cpu <= CPU_BUDGET_M
        assert memory <= MEMORY_BUDGET


@pytest.mark.runtime
def test_invalid_cohere_key_falls_back_to_demo_mode(release: Cluster) -> None:
    original = release.core.read_namespaced_secret(SECRET, release.namespace).data["COHERE_API_KEY"]
    invalid = base64.b64encode(b"invalid-key-for-acceptance").decode()
    release.core.patch_namespaced_secret(
        SECRET, release.namespace, {"data": {"COHERE_API_KEY": invalid}}
    )
    try:
        release.rollout_restart("api")
        with release.port_forward("svc/api", 8000) as url:
            app = App(url)
            app.wait_healthy()
            app.signup()
            answer = app.chat("Add a task to check the fallback")
            assert answer["mode"] == "demo"
            assert answer["actions"], answer  # demo mode still does the work
            assert len(app.tasks()) == 1
    finally:
        release.core.patch_namespaced_secret(
            SECRET, release.namespace, {"data": {"COHERE_API_KEY": original}}
        )
        release.rollout_restart("api")
    release.wait_release_ready()


@pytest.mark.control_plane
def test_missing_ingress_class_fails_with_a_clear_error_before_anything_is_created(
    release: Cluster,
) -> None:
    namespace = f"pakaura-noingress-{uuid.uuid4().hex[:6]}"
    release.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    try:
        result = release.helm(
            "install",
            "pakaura",
            str(ROOT / "helm" / "pakaura"),
            "-n",
            namespace,
            "--set",
            "ingress.className=does-not-exist",
            check=False,
        )
        assert result.returncode != 0
        assert 'IngressClass "does-not-exist" not found' in result.stderr
        assert "minikube addons enable ingress" in result.stderr
        leftovers = {
            "pods": release.core.list_namespaced_pod(namespace).items,
            "services": release.core.list_namespaced_service(namespace).items,
            "secrets": release.core.list_namespaced_secret(namespace).items,
            "configmaps": [
                c
                for c in release.core.list_namespaced_config_map(namespace).items
                if c.metadata.name != "kube-root-ca.crt"
            ],
            "pvcs": release.core.list_namespaced_persistent_volume_claim(namespace).items,
            "deployments": release.apps.list_namespaced_deployment(namespace).items,
            "statefulsets": release.apps.list_namespaced_stateful_set(namespace).items,
            "jobs": release.batch.list_namespaced_job(namespace).items,
        }
        assert {
            kind: [o.metadata.name for o in objs] for kind, objs in leftovers.items() if objs
        } == {}
    finally:
        release.core.delete_namespace(namespace)


@pytest.mark.runtime
@pytest.mark.session_end
def test_no_pod_restarted_during_the_suite(
    release: Cluster, baseline_restarts: dict[str, int]
) -> None:
    """NFR-003: deliberate disruptions replace pods; none of the serving pods may restart."""
    unexpected = {
        p.metadata.name: restarts(p)
        for p in release.serving_pods()
        if restarts(p) > baseline_restarts.get(p.metadata.name, 0)
    }
    assert unexpected == {}
