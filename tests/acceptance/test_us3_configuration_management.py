"""US3 — Configuration management: secrets reach pods only through Secrets, never appear in pod
specs, ConfigMaps or logs, and a ConfigMap change plus a rollout is visible in the app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import CONFIGMAP, SENSITIVE_ENV, SENSITIVE_KEYS, App, Cluster

pytestmark = pytest.mark.usefixtures("release")


def _pod_templates(release: Cluster) -> dict[str, Any]:
    ns = release.namespace
    templates = {
        f"deployment/{d.metadata.name}": d.spec.template
        for d in release.apps.list_namespaced_deployment(ns).items
    }
    templates |= {
        f"statefulset/{s.metadata.name}": s.spec.template
        for s in release.apps.list_namespaced_stateful_set(ns).items
    }
    templates |= {
        f"job/{j.metadata.name}": j.spec.template
        for j in release.batch.list_namespaced_job(ns).items
    }
    return templates


def _long_secret_values(release: Cluster) -> dict[str, str]:
    # short values (e.g. an empty Cohere key) would match by accident; generated ones are 32+
    return {k: v for k, v in release.secret_values().items() if len(v) >= 8}


@pytest.mark.control_plane
def test_sensitive_values_reach_pods_only_through_secret_references(release: Cluster) -> None:
    secret_keys = set(release.secret_values())
    assert set(SENSITIVE_KEYS) <= secret_keys
    checked = 0
    for owner, template in _pod_templates(release).items():
        for container in [*(template.spec.init_containers or []), *template.spec.containers]:
            for env in container.env or []:
                if env.name not in SENSITIVE_ENV:
                    continue
                checked += 1
                assert env.value is None, f"{owner}/{container.name}: {env.name} is a literal"
                if env.name != "DATABASE_URL":
                    ref = env.value_from and env.value_from.secret_key_ref
                    assert ref, f"{owner}/{container.name}: {env.name} is not a secretKeyRef"
                    assert ref.name == "pakaura-secrets"
    assert checked >= 3  # at least the API's DB password, JWT secret and Cohere key


@pytest.mark.control_plane
def test_no_secret_value_appears_in_pod_specs_or_configmaps(release: Cluster) -> None:
    secrets = _long_secret_values(release)
    assert secrets, "the release's Secret holds no generated values"
    pods = release.api.sanitize_for_serialization(
        release.core.list_namespaced_pod(release.namespace)
    )
    config_maps = release.api.sanitize_for_serialization(
        release.core.list_namespaced_config_map(release.namespace)
    )
    for label, document in (("pod specs", pods), ("ConfigMaps", config_maps)):
        text = json.dumps(document)
        for key, value in secrets.items():
            assert value not in text, f"the value of {key} appears in {label}"


@pytest.mark.runtime
def test_no_secret_value_appears_in_any_container_log(release: Cluster) -> None:
    secrets = _long_secret_values(release)
    for pod in release.pods():
        for container in pod.spec.containers:
            log = release.core.read_namespaced_pod_log(
                pod.metadata.name, release.namespace, container=container.name
            )
            for key, value in secrets.items():
                assert value not in log, f"{key} appears in the log of {pod.metadata.name}"


@pytest.mark.runtime
def test_configmap_change_plus_rollout_is_visible_in_the_app(release: Cluster) -> None:
    """FRONTEND_URL is the API's CORS origin: a preflight from the new origin must be allowed."""
    new_origin = "http://config-check.pakaura.test"
    original = release.core.read_namespaced_config_map(CONFIGMAP, release.namespace).data
    assert original["FRONTEND_URL"] != new_origin

    def preflight_origin() -> str | None:
        with release.port_forward("svc/api", 8000) as url:
            app = App(url)
            app.wait_healthy()
            response = app.request(
                "OPTIONS",
                "/api/v1/tasks",
                headers={"Origin": new_origin, "Access-Control-Request-Method": "GET"},
            )
            return response.headers.get("access-control-allow-origin")

    assert preflight_origin() != new_origin
    try:
        release.core.patch_namespaced_config_map(
            CONFIGMAP, release.namespace, {"data": {"FRONTEND_URL": new_origin}}
        )
        release.rollout_restart("api")
        assert preflight_origin() == new_origin
    finally:
        release.core.patch_namespaced_config_map(
            CONFIGMAP, release.namespace, {"data": {"FRONTEND_URL": original["FRONTEND_URL"]}}
        )
        release.rollout_restart("api")
    release.wait_release_ready()
