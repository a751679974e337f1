"""Checks that hold for every render of the value matrix (conftest.MATRIX): lint, Kubernetes schema
validity, namespace, Pod Security "restricted", labels and selectors, images."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from .rendering import CHART, MATRIX, containers, count, helm, pod_spec, pod_template, render

# Oldest supported (Pod Security admission is GA in 1.25) and the newest the validator bundles.
KUBERNETES_VERSIONS = ("1.25", "1.33", "1.37")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job", "CronJob", "Pod"}
POD_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_helm_lint_strict(name: str) -> None:
    namespace, args = MATRIX[name]
    result = helm("lint", "--strict", str(CHART), "--namespace", namespace, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout
    count("helm lint --strict (matrix entries)")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_kubernetes(matrix_entry: Any, version: str) -> None:
    """Strict: unknown or misplaced fields fail, as they would with server-side validation. Each
    version gets its own render (`--kube-version`), as `helm install` on that cluster would."""
    name, namespace, _ = matrix_entry
    docs = render((*MATRIX[name][1], "--kube-version", f"{version}.0"), namespace)
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
        count(f"kubernetes-validate --strict {version}")


def test_everything_goes_to_the_release_namespace(matrix_entry: Any) -> None:
    _, namespace, docs = matrix_entry
    assert not [d for d in docs if d["kind"] == "Namespace"], "the chart must not create namespaces"
    for doc in docs:
        assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]


def test_every_pod_and_container_is_restricted(matrix_entry: Any) -> None:
    """Pod Security "restricted" on every pod: workloads, Jobs, CronJobs and the test pod."""
    _, _, docs = matrix_entry
    pods = [(d, pod_spec(d)) for d in docs if d["kind"] in WORKLOAD_KINDS]
    assert len(pods) >= 5
    for doc, spec in pods:
        assert spec is not None
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, where
        pod_context = spec["securityContext"]
        assert pod_context["runAsNonRoot"] is True, where
        assert pod_context["seccompProfile"]["type"] == "RuntimeDefault", where
        assert not spec.get("hostNetwork"), where
        assert not spec.get("hostPID"), where
        for container in containers(spec):
            context = container["securityContext"]
            label = f"{where} container {container['name']}"
            assert context["runAsNonRoot"] is True, label
            assert context["runAsUser"] > 0, label
            assert context["runAsGroup"] > 0, label
            assert context["allowPrivilegeEscalation"] is False, label
            assert context["capabilities"]["drop"] == ["ALL"], label
            assert "add" not in context["capabilities"], label
            assert context["seccompProfile"]["type"] == "RuntimeDefault", label
            assert context["readOnlyRootFilesystem"] is True, label
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            scratch = "/tmp"  # noqa: S108 - a path inside the container
            assert scratch in mounts, f"{label}: read-only root needs a writable /tmp"
            count("restricted containers checked")


def test_pods_carry_the_labels_and_selectors_match(matrix_entry: Any) -> None:
    _, _, docs = matrix_entry
    for doc in docs:
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        template = pod_template(doc)
        assert template is not None
        labels = template["metadata"]["labels"]
        for key in POD_LABELS:
            assert labels[key], f"{doc['metadata']['name']} lacks {key}"
        assert labels["app"] == labels["app.kubernetes.io/component"]
        assert labels["app.kubernetes.io/name"] == "pakaura"
        selector = doc["spec"].get("selector", {}).get("matchLabels")  # CronJobs have none
        if selector:
            assert selector.items() <= labels.items(), doc["metadata"]["name"]


def test_services_and_policies_select_rendered_pods(matrix_entry: Any) -> None:
    _, _, docs = matrix_entry
    pod_labels = [t["metadata"]["labels"] for d in docs if (t := pod_template(d))]
    selectors = [d["spec"]["selector"] for d in docs if d["kind"] == "Service"]
    selectors += [
        d["spec"]["selector"]["matchLabels"] for d in docs if d["kind"] == "PodDisruptionBudget"
    ]
    selectors += [
        d["spec"]["podSelector"]["matchLabels"] for d in docs if d["kind"] == "NetworkPolicy"
    ]
    for selector in selectors:
        assert any(selector.items() <= labels.items() for labels in pod_labels), selector


def test_images_have_fixed_tags(matrix_entry: Any) -> None:
    name, _, docs = matrix_entry
    expected_policy = "Never" if name == "values-dev" else "IfNotPresent"
    for doc in docs:
        spec = pod_spec(doc)
        for container in containers(spec) if spec else []:
            repository, _, tag = container["image"].rpartition(":")
            assert repository, container["image"]
            assert tag not in ("", "latest"), container["image"]
            if repository.startswith("pakaura-"):
                assert tag == "4.0.0", container["image"]
                assert container["imagePullPolicy"] == expected_policy
            else:
                assert container["image"] == "postgres:16-alpine"
                assert container["imagePullPolicy"] == "IfNotPresent"
