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

CI_VALUES = CHART / "ci"


def _matrix() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name → (namespace, helm arguments): every ci/<name>-values.yaml (the files `ct` reads too),
    each in its own namespace so nothing can hide a hard-coded one, plus the user-facing
    values-dev.yaml."""
    entries = {
        path.name.removesuffix("-values.yaml"): (
            f"ci-{path.name.removesuffix('-values.yaml')}",
            ("-f", str(path)),
        )
        for path in sorted(CI_VALUES.glob("*-values.yaml"))
    }
    entries["values-dev"] = (NAMESPACE, ("-f", str(CHART / "values-dev.yaml")))
    return entries


MATRIX = _matrix()

# Deterministic secrets (test data, never real), from the matrix's explicit-secrets entry.
EXPLICIT_SECRETS = ("-f", str(CI_VALUES / "explicit-secrets-values.yaml"))

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
    """`helm template` output; cached per arguments (each helm call costs ~0.1 s)."""
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


def pod_template(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template (metadata + spec) of a workload, a CronJob or a bare Pod, else None."""
    if doc["kind"] == "Pod":
        return doc
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec.get("template")


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a workload, a CronJob or a Pod, else None."""
    template = pod_template(doc)
    return template["spec"] if template else None


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def count(name: str, amount: int = 1) -> None:
    SUMMARY["counters"][name] += amount
