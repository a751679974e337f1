"""The raw manifests in infra/kubernetes/ are generated from the chart and must stay in sync."""

from __future__ import annotations

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
        "api/service.yaml",
        "configmap.yaml",
        "frontend/deployment.yaml",
        "frontend/service.yaml",
        "ingress.yaml",
        "postgresql/service.yaml",
        "postgresql/statefulset.yaml",
        "secrets.yaml",
    ]
    # `kubectl apply -R` visits paths in lexical order: the Namespace must sort first.
    assert files[0] == min(files)
    assert load(MANIFESTS / files[0])[0]["kind"] == "Namespace"
    count("raw manifest checks", 2)


def test_every_raw_manifest_is_valid_and_namespaced() -> None:
    for path in MANIFESTS.rglob("*.yaml"):
        for doc in load(path):
            kubernetes_validate.validate(doc, "1.33", strict=True)
            if doc["kind"] != "Namespace":
                assert doc["metadata"]["namespace"] == "pakaura", path
            assert doc["metadata"]["labels"].get("app.kubernetes.io/managed-by") != "Helm"
            count("raw manifest checks")


def test_secret_file_is_a_marked_template_without_values() -> None:
    path = MANIFESTS / "secrets.yaml"
    text = path.read_text()
    assert text.startswith("# Generated")
    assert "TEMPLATE" in text
    assert "never commit" in text
    (secret,) = load(path)
    assert "data" not in secret
    assert secret["stringData"] == {
        "COHERE_API_KEY": "",
        "DB_PASSWORD": "CHANGE-ME",
        "JWT_SECRET": "CHANGE-ME",
    }
    # The render used a throwaway value; it must not survive anywhere in the tree.
    for other in MANIFESTS.rglob("*.yaml"):
        assert "x" * 40 not in other.read_text(), other
    count("raw manifest checks", 3)


def test_no_helm_only_metadata_in_raw_manifests() -> None:
    for path in MANIFESTS.rglob("*.yaml"):
        text = path.read_text()
        assert "helm.sh/hook" not in text, path
        assert "helm.sh/resource-policy" not in text, path
        assert "checksum/" not in text, path
    count("raw manifest checks")
