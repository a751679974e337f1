"""Failure evidence: the cluster's state for a failed acceptance test, written to files.

When a test fails, conftest's report hook calls `export` with `artifacts/acceptance/<test>/`
(like kubernetes-sigs e2e-framework's log export on finish), and once more for each namespace the
test registered with the `evidence_from` fixture (into `<test>/<namespace>/`, with the pods of
that test's own label selector). Every command is best effort: what cannot be read is written as
its error, so one broken call never hides the others.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from support import INSTANCE, RELEASE, Cluster, tool

TIMEOUT = 60
INGRESS_NAMESPACE = "ingress-nginx"


def directory_name(test_name: str) -> str:
    """`test_x[a/b c]` -> `test_x_a_b_c_` (a safe folder name)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)


def _capture(cluster: Cluster, argv: list[str]) -> str:
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, env=cluster.env(), timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"$ {' '.join(argv)}\n{type(error).__name__}: {error}\n"
    text = result.stdout
    if result.returncode or result.stderr.strip():
        text += f"\n[exit {result.returncode}] {result.stderr}"
    return text


def _kubectl(cluster: Cluster, *args: str) -> str:
    return _capture(cluster, cluster.kubectl_argv("-n", cluster.namespace, *args))


def _containers(cluster: Cluster, selector: str) -> list[tuple[str, str]]:
    """(pod, container) of every pod the selector matches, init containers included."""
    listing = _kubectl(cluster, "get", "pods", "-l", selector, "-o", "json")
    try:
        pods = json.loads(listing.split("\n[exit", 1)[0] or "{}").get("items", [])
    except json.JSONDecodeError:
        return []
    pairs = []
    for pod in pods:
        spec = pod.get("spec", {})
        for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
            pairs.append((str(pod["metadata"]["name"]), str(container["name"])))
    return pairs


def export(cluster: Cluster, directory: Path, selector: str = INSTANCE) -> list[Path]:
    """Events, resources, `describe` of the release's pods (or the selector's), current and
    previous logs of each container, `helm history`, and the ingress controller's logs; returns
    the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    helm = tool("helm") or "helm"
    context = ["--kube-context", cluster.context] if cluster.context else []
    files = {
        "events.txt": _kubectl(
            cluster,
            "get",
            "events",
            "--sort-by=.metadata.creationTimestamp",
            "-o",
            "custom-columns=CREATED:.metadata.creationTimestamp,LAST:.lastTimestamp,"
            "TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message",
        ),
        "resources.txt": _kubectl(
            cluster, "get", "all,pvc,ingress,endpoints,jobs,pdb", "-o", "wide"
        ),
        "describe-pods.txt": _kubectl(cluster, "describe", "pods", "-l", selector),
        "helm-history.txt": _capture(
            cluster, [helm, "history", RELEASE, "-n", cluster.namespace, *context]
        ),
    }
    # the ingress controller's view (502s, timeouts) when it runs where the suite expects it
    controller = _capture(
        cluster, cluster.kubectl_argv("-n", INGRESS_NAMESPACE, "get", "pods", "-o", "name")
    )
    for name in controller.split("\n[exit", 1)[0].split():
        files[f"ingress-{name.removeprefix('pod/')}.txt"] = _capture(
            cluster,
            cluster.kubectl_argv(
                "-n", INGRESS_NAMESPACE, "logs", name, "--all-containers", "--tail=2000"
            ),
        )
    for pod, container in _containers(cluster, selector):
        for suffix, extra in (("", []), ("-previous", ["--previous"])):
            files[f"logs-{pod}-{container}{suffix}.txt"] = _kubectl(
                cluster, "logs", pod, "-c", container, "--timestamps", *extra
            )
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written
