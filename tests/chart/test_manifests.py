"""The raw manifests in infra/kubernetes/ are generated from the chart and must stay in sync."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from .rendering import ROOT, count

MANIFESTS = ROOT / "infra" / "kubernetes"


def load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_manifests_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_manifests.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    count("raw manifest checks")


def test_layout_follows_the_spec_and_namespace_applies_first() -> None:
    files = sorted(str(p.relative_to(MANIFESTS)) for p in MANIFESTS.rglob("*.yaml"))
    assert files == [
        "00-namespace.yaml",
        "api/deployment.yaml",
        "api/migration-job.yaml",
        "api/pdb.yaml",
        "api/service.yaml",
        "configmap.yaml",
        "frontend/deployment.yaml",
        "frontend/pdb.yaml",
        "frontend/service.yaml",
        "ingress.yaml",
        "networkpolicies.yaml",
        "postgresql/service.yaml",
        "postgresql/statefulset.yaml",
    ]
    # `kubectl apply -R` visits paths in lexical order: the Namespace must sort first.
    assert files[0] == min(files)
    assert load(MANIFESTS / files[0])[0]["kind"] == "Namespace"
    count("raw manifest checks", 2)


def test_every_raw_manifest_is_valid_and_namespaced() -> None:
    """Valid for the oldest and the newest supported Kubernetes alike (exec preStop drain)."""
    for path in MANIFESTS.rglob("*.yaml"):
        for doc in load(path):
            for version in ("1.25", "1.37"):
                kubernetes_validate.validate(doc, version, strict=True)
            if doc["kind"] != "Namespace":
                assert doc["metadata"]["namespace"] == "pakaura", path
            assert doc["metadata"]["labels"].get("app.kubernetes.io/managed-by") != "Helm"
            count("raw manifest checks")


def test_no_usable_placeholder_secret_and_one_command_creates_it() -> None:
    """No Secret ships (a placeholder that works is a known password); the README's one command
    creates the Secret every pod reads, with generated values."""
    secret_refs = set()
    for path in MANIFESTS.rglob("*.yaml"):
        text = path.read_text()
        assert "CHANGE-ME" not in text, path
        for doc in load(path):
            assert doc["kind"] != "Secret", path
        secret_refs |= set(re.findall(r"secretKeyRef:\s+name: (\S+)\s+key: (\S+)", text))
    assert secret_refs == {
        ("pakaura-secrets", "DB_PASSWORD"),
        ("pakaura-secrets", "JWT_SECRET"),
        ("pakaura-secrets", "COHERE_API_KEY"),
    }
    readme = (MANIFESTS / "README.md").read_text()
    (command,) = [line.strip() for line in readme.splitlines() if "create secret generic" in line]
    assert "kubectl create secret generic pakaura-secrets -n pakaura" in command
    for key in sorted(key for _, key in secret_refs):
        assert f"--from-literal={key}=" in command, key
    assert '"$(openssl rand' in command, "generated values, not typed-in ones"
    count("raw manifest checks", 4)


def test_no_helm_only_metadata_in_raw_manifests() -> None:
    for path in MANIFESTS.rglob("*.yaml"):
        text = path.read_text()
        assert "helm.sh/hook" not in text, path
        assert "helm.sh/resource-policy" not in text, path
        assert "checksum/" not in text, path
    count("raw manifest checks")
