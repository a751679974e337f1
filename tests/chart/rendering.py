"""Rendering helpers for the chart tests: the real helm binary, cached renders, object lookups.

Every test renders the chart with the real helm (installed by scripts/install_tools.py, or
$PAKAURA_HELM, e.g. a Helm 3 build) and inspects the parsed objects. Renders are cached per set of
arguments because each helm call costs ~0.1 s.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "pakaura"
NAMESPACE = "pakaura"
RELEASE = "pakaura"

# Explicit secrets (never real): used where a test needs a deterministic render.
EXPLICIT_SECRETS = (
    "--set",
    "secrets.jwtSecret=test-jwt-secret-0123456789-abcdefghij",
    "--set",
    "secrets.dbPassword=test-db-password-42",
    "--set",
    "secrets.cohereApiKey=test-cohere-key-7",
)

# Matrix of values every structural check runs over: name → (namespace, extra helm arguments).
MATRIX: dict[str, tuple[str, tuple[str, ...]]] = {
    "defaults": (NAMESPACE, ()),
    "values-dev": (NAMESPACE, ("-f", str(CHART / "values-dev.yaml"))),
    "ingress-off": (NAMESPACE, ("--set", "ingress.enabled=false")),
    "persistence-off": (NAMESPACE, ("--set", "postgresql.persistence.enabled=false")),
    "explicit-secrets": (NAMESPACE, EXPLICIT_SECRETS),
    "other-namespace": ("todo-staging", ("--set", "postgresql.persistence.storageClass=fast")),
    "optional-features": (
        NAMESPACE,
        (
            "--set",
            "api.autoscaling.enabled=true",
            "--set",
            "frontend.autoscaling.enabled=true",
            "--set",
            "api.podDisruptionBudget.enabled=true",
            "--set",
            "frontend.podDisruptionBudget.enabled=true",
            "--set",
            "networkPolicy.enabled=true",
        ),
    ),
}

# Counts the lead quotes: objects per matrix entry, plus named checks (see pytest_terminal_summary).
SUMMARY: dict[str, Any] = {"objects": {}, "counters": Counter()}


@cache
def helm_binary() -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install_tools.py"), "--print", "helm"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run helm; the caller checks returncode (failure is often the expected outcome)."""
    return subprocess.run([helm_binary(), *args], capture_output=True, text=True)


@cache
def render_text(namespace: str, args: tuple[str, ...], release: str = RELEASE) -> str:
    result = helm("template", release, str(CHART), "--namespace", namespace, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(
    args: tuple[str, ...] = (), namespace: str = NAMESPACE, release: str = RELEASE
) -> list[dict[str, Any]]:
    text = render_text(namespace, tuple(args), release)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a workload or Pod, else None."""
    if doc["kind"] == "Pod":
        return doc["spec"]
    template = doc.get("spec", {}).get("template")
    return template["spec"] if template else None


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def count(name: str, amount: int = 1) -> None:
    SUMMARY["counters"][name] += amount
