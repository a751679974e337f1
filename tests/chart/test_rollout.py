"""Zero-downtime rollouts (issue 9): surge before stopping, readiness gates, a preStop drain chosen
by the cluster's version, grace periods that cover drain + shutdown, PDBs, spreading over nodes."""

from __future__ import annotations

from typing import Any

import pytest

from .rendering import CHART, count, find, pod_spec, render

DEPLOYMENTS = ("api", "frontend")


def main_container(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    spec = pod_spec(find(docs, "Deployment", name))
    assert spec is not None
    return spec["containers"][0]


def test_deployments_surge_one_pod_and_never_drop_below_the_desired_count(
    defaults: list[dict[str, Any]],
) -> None:
    for name in DEPLOYMENTS:
        strategy = find(defaults, "Deployment", name)["spec"]["strategy"]
        assert strategy == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        }
        count("rollout assertions")


@pytest.mark.parametrize(
    ("kube_version", "expected"),
    [
        ("1.25.0", {"exec": {"command": ["sleep", "8"]}}),
        ("1.29.9", {"exec": {"command": ["sleep", "8"]}}),
        ("1.30.0", {"sleep": {"seconds": 8}}),
        ("1.36.3", {"sleep": {"seconds": 8}}),
    ],
)
def test_prestop_drain_uses_the_kubelet_sleep_action_where_the_cluster_has_it(
    kube_version: str, expected: dict[str, Any]
) -> None:
    docs = render(("--kube-version", kube_version))
    for name in DEPLOYMENTS:
        assert main_container(docs, name)["lifecycle"]["preStop"] == expected, name
        count("rollout assertions")


@pytest.mark.parametrize(
    ("mode", "key"), [("exec", "exec"), ("sleepAction", "sleep")], ids=["exec", "sleepAction"]
)
def test_prestop_mode_can_be_forced(mode: str, key: str) -> None:
    docs = render(("--set", f"global.preStopMode={mode}", "--kube-version", "1.33.0"))
    assert set(main_container(docs, "api")["lifecycle"]["preStop"]) == {key}
    count("rollout assertions")


def test_zero_drain_removes_the_hook() -> None:
    docs = render(("-f", str(CHART / "values-dev.yaml")))
    assert "lifecycle" not in main_container(docs, "api")
    count("rollout assertions")


def test_grace_period_covers_drain_and_the_api_shutdown(defaults: list[dict[str, Any]]) -> None:
    api = find(defaults, "Deployment", "api")["spec"]["template"]["spec"]
    drain = api["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    shutdown = 15  # pakaura-api serve's SHUTDOWN_BUDGET_SECONDS (api.shutdownTimeoutSeconds)
    assert api["terminationGracePeriodSeconds"] >= drain + shutdown
    frontend = find(defaults, "Deployment", "frontend")["spec"]["template"]["spec"]
    assert frontend["terminationGracePeriodSeconds"] > drain
    count("rollout assertions", 2)


def test_readiness_gates_new_pods_and_differs_from_liveness(
    defaults: list[dict[str, Any]],
) -> None:
    api = main_container(defaults, "api")
    assert api["readinessProbe"]["httpGet"]["path"] == "/api/v1/health/ready"  # DB + schema
    assert api["livenessProbe"]["httpGet"]["path"] == "/api/v1/health"  # never the database
    # Out of the Service within ~4 s of failing (e.g. while shutting down).
    assert api["readinessProbe"]["periodSeconds"] * api["readinessProbe"]["failureThreshold"] <= 4
    frontend = main_container(defaults, "frontend")
    assert frontend["readinessProbe"]["httpGet"]["path"] == "/healthz"
    count("rollout assertions", 4)


def test_api_container_args_and_workers_follow_the_contract(
    defaults: list[dict[str, Any]],
) -> None:
    api = main_container(defaults, "api")
    assert api["command"] == ["pakaura-api"]
    assert api["args"][:3] == ["serve", "--host", "0.0.0.0"]  # noqa: S104 - a pod listens on all
    config = find(defaults, "ConfigMap", "pakaura-config")["data"]
    assert config["API_WORKERS"] == "1"  # 500m CPU limit, rounded up
    count("rollout assertions", 3)


def test_pdbs_are_on_by_default_and_select_their_pods(defaults: list[dict[str, Any]]) -> None:
    for name in DEPLOYMENTS:
        pdb = find(defaults, "PodDisruptionBudget", name)
        assert pdb["spec"]["minAvailable"] == 1
        labels = find(defaults, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        count("rollout assertions", 2)


def test_pdb_is_left_out_when_it_could_never_be_satisfied() -> None:
    """One pod and minAvailable 1 would block every node drain: no PDB then (values-dev)."""
    docs = render(("-f", str(CHART / "values-dev.yaml")))
    assert not [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    scaled = render(
        ("--set", "api.autoscaling.enabled=true", "--set", "api.autoscaling.minReplicas=1")
    )
    assert not [
        d for d in scaled if d["kind"] == "PodDisruptionBudget" and d["metadata"]["name"] == "api"
    ]
    count("rollout assertions", 2)


def test_pods_spread_softly_over_nodes_by_default(defaults: list[dict[str, Any]]) -> None:
    for name in DEPLOYMENTS:
        spec = pod_spec(find(defaults, "Deployment", name))
        assert spec is not None
        (constraint,) = spec["topologySpreadConstraints"]
        assert constraint["topologyKey"] == "kubernetes.io/hostname"
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["maxSkew"] == 1
        assert constraint["labelSelector"]["matchLabels"]["app"] == name
        count("rollout assertions", 4)


def test_topology_spread_can_be_replaced_or_switched_off() -> None:
    docs = render(
        (
            "--set-json",
            'api.topologySpreadConstraints=[{"maxSkew":2,"topologyKey":"topology.kubernetes.io/zone",'
            '"whenUnsatisfiable":"DoNotSchedule"}]',
            "--set",
            "frontend.topologySpread.enabled=false",
        )
    )
    api = pod_spec(find(docs, "Deployment", "api"))
    assert api is not None
    (constraint,) = api["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone"
    assert constraint["labelSelector"]["matchLabels"]["app"] == "api"  # filled in
    frontend = pod_spec(find(docs, "Deployment", "frontend"))
    assert frontend is not None
    assert "topologySpreadConstraints" not in frontend
    count("rollout assertions", 3)


def test_migration_job_is_ordered_by_readiness_not_by_hooks(
    defaults: list[dict[str, Any]],
) -> None:
    """New API pods wait (readiness: schema at head) for the Job; nothing waits on a hook."""
    job = find(defaults, "Job", "pakaura-migrate-1")
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    readme = (CHART / "README.md").read_text()
    assert "Migrations and their order" in readme
    assert "backward compatible" in readme
    count("rollout assertions", 3)
