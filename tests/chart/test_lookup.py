"""What only runs against a cluster (`lookup`): secrets kept across upgrades and reinstalls, and
the IngressClass/StorageClass checks. The real helm renders with `--dry-run=server` against
fake_apiserver, which answers just the lookups."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .fake_apiserver import FakeCluster, serve
from .rendering import CHART, count, find, helm_binary


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def render_online(
    cluster: FakeCluster, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    with serve(cluster, tmp_path) as kubeconfig:
        return subprocess.run(
            [
                helm_binary(),
                "template",
                "pakaura",
                str(CHART),
                "-n",
                "pakaura",
                "--dry-run=server",
                # The fake serves no OpenAPI document; kubernetes-validate covers schemas.
                "--disable-openapi-validation",
                *args,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        )


def docs_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def secret_values(docs: list[dict[str, Any]]) -> dict[str, str]:
    data = find(docs, "Secret", "pakaura-secrets")["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster()
    cluster.ingress_class("nginx")
    return cluster


def test_upgrade_keeps_existing_secrets(cluster: FakeCluster, tmp_path: Path) -> None:
    existing = {"DB_PASSWORD": "kept-db-password", "JWT_SECRET": "kept-jwt-secret-" + "k" * 20}
    cluster.secret(
        "pakaura", "pakaura-secrets", {k: b64(v) for k, v in existing.items()}, "pakaura"
    )
    first = docs_of(render_online(cluster, tmp_path, "--is-upgrade"))
    second = docs_of(render_online(cluster, tmp_path, "--is-upgrade"))
    assert secret_values(first) == {**existing, "COHERE_API_KEY": ""}
    # Same Secret, same checksum: an upgrade with unchanged values restarts nothing.
    checksum = find(first, "Deployment", "api")["spec"]["template"]["metadata"]["annotations"]
    again = find(second, "Deployment", "api")["spec"]["template"]["metadata"]["annotations"]
    assert checksum["checksum/secret"] == again["checksum/secret"]
    count("lookup assertions", 2)


def test_explicit_value_wins_and_missing_keys_are_generated(
    cluster: FakeCluster, tmp_path: Path
) -> None:
    cluster.secret("pakaura", "pakaura-secrets", {"DB_PASSWORD": b64("kept")}, "pakaura")
    jwt = "explicit-jwt-secret-" + "e" * 20
    values = secret_values(
        docs_of(
            render_online(
                cluster,
                tmp_path,
                "--set",
                f"secrets.jwtSecret={jwt}",
                "--set",
                "secrets.cohereApiKey=co-key",
            )
        )
    )
    assert values == {
        "DB_PASSWORD": "kept",
        "JWT_SECRET": jwt,
        "COHERE_API_KEY": "co-key",
    }
    # Reinstall after `helm uninstall` (the Secret was kept): missing keys are generated.
    generated = secret_values(docs_of(render_online(cluster, tmp_path)))
    assert generated["DB_PASSWORD"] == "kept"
    assert len(generated["JWT_SECRET"]) >= 32
    count("lookup assertions", 3)


def test_missing_ingress_class_fails_before_anything_is_created(tmp_path: Path) -> None:
    result = render_online(FakeCluster(), tmp_path)
    assert result.returncode != 0
    assert 'IngressClass "nginx" not found in the cluster' in result.stderr
    assert "minikube addons enable ingress" in result.stderr
    assert render_online(FakeCluster(), tmp_path, "--set", "ingress.enabled=false").returncode == 0
    skipped = render_online(FakeCluster(), tmp_path, "--set", "validation.clusterChecks=false")
    assert skipped.returncode == 0, skipped.stderr
    count("lookup assertions", 4)


def test_unknown_storage_class_fails(cluster: FakeCluster, tmp_path: Path) -> None:
    missing = render_online(cluster, tmp_path, "--set", "postgresql.persistence.storageClass=fast")
    assert missing.returncode != 0
    assert 'StorageClass "fast" not found' in missing.stderr
    cluster.storage_class("fast")
    found = render_online(cluster, tmp_path, "--set", "postgresql.persistence.storageClass=fast")
    assert found.returncode == 0, found.stderr
    count("lookup assertions", 3)


def test_existing_secret_is_never_looked_up(cluster: FakeCluster, tmp_path: Path) -> None:
    """With secrets.existingSecret the chart reads no Secret at all, even one it could find."""
    cluster.secret("pakaura", "pakaura-app", {"DB_PASSWORD": b64("theirs")}, "other")
    cluster.secret("pakaura", "pakaura-secrets", {"DB_PASSWORD": b64("old")}, "pakaura")
    docs = docs_of(render_online(cluster, tmp_path, "--set", "secrets.existingSecret=pakaura-app"))
    assert not [d for d in docs if d["kind"] == "Secret"]
    assert not [p for p in cluster.requests if "/secrets" in p], cluster.requests
    assert any("/ingressclasses/" in p for p in cluster.requests), "the lookups did run"
    count("lookup assertions", 3)
