"""Chart conventions users expect (issue 13): `secrets.existingSecret` (the chart neither generates
nor looks up secrets) and `postgresql.enabled=false` + `externalDatabase.*`."""

from __future__ import annotations

from typing import Any

from .rendering import CHART, count, find, pod_spec, render

EXISTING = ("-f", str(CHART / "ci" / "existing-secret-values.yaml"))
EXTERNAL = ("-f", str(CHART / "ci" / "external-database-values.yaml"))


def secret_refs(docs: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """Every pod's secretKeyRefs as (Secret name, key), by workload."""
    refs: dict[str, set[tuple[str, str]]] = {}
    for doc in docs:
        spec = pod_spec(doc)
        for container in spec["containers"] if spec else []:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(doc["metadata"]["name"], set()).add((ref["name"], ref["key"]))
    return refs


def test_existing_secret_is_used_everywhere_and_nothing_is_generated() -> None:
    docs = render((*EXISTING, "--set", "backup.enabled=true"))
    assert not [d for d in docs if d["kind"] == "Secret"], "the chart must not create a Secret"
    refs = secret_refs(docs)
    assert {name for name, _ in set().union(*refs.values())} == {"pakaura-app"}
    assert refs["api"] == {
        ("pakaura-app", "db-password"),
        ("pakaura-app", "jwt-secret"),
        ("pakaura-app", "cohere-api-key"),
    }
    assert refs["postgresql"] == {("pakaura-app", "db-password")}
    assert refs["pakaura-backup"] == {("pakaura-app", "db-password")}
    annotations = find(docs, "Deployment", "api")["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/secret" not in annotations, "nothing to checksum: the chart never reads it"
    count("existingSecret assertions", 6)


def test_external_database_replaces_the_statefulset() -> None:
    docs = render(EXTERNAL)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("StatefulSet", "postgresql") not in kinds
    assert ("Service", "postgresql") not in kinds
    config = find(docs, "ConfigMap", "pakaura-config")["data"]
    assert config["DB_HOST"] == "pakaura-db-rw.databases.svc.cluster.local"
    assert (config["DB_PORT"], config["DB_NAME"], config["DB_USER"]) == (
        "5432",
        "pakaura",
        "pakaura",
    )
    assert config["PGSSLMODE"] == "require"
    refs = secret_refs(docs)
    for workload in ("api", "pakaura-migrate-1", "pakaura-backup"):
        assert ("pakaura-db", "password") in refs[workload], workload
    # JWT and Cohere still come from the chart's own Secret.
    assert ("pakaura-secrets", "JWT_SECRET") in refs["api"]
    count("externalDatabase assertions", 8)


def test_in_cluster_database_disables_tls_negotiation(defaults: list[dict[str, Any]]) -> None:
    assert find(defaults, "ConfigMap", "pakaura-config")["data"]["PGSSLMODE"] == "disable"
    count("externalDatabase assertions")
