"""A tiny stand-in for the Kubernetes API, enough for `helm template --dry-run=server`.

Helm's `lookup` (secrets kept across upgrades, IngressClass/StorageClass checks) only runs against
a cluster. This server answers discovery and GETs of the objects a test puts in `objects`, so the
real helm binary exercises those code paths offline. It does not pretend to be a cluster beyond
that; installs on real clusters are the acceptance suite's job.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# (group, version) → [(plural, kind, namespaced)]: what the chart's lookups and kinds need.
RESOURCES: dict[tuple[str, str], list[tuple[str, str, bool]]] = {
    ("", "v1"): [
        ("namespaces", "Namespace", False),
        ("secrets", "Secret", True),
        ("configmaps", "ConfigMap", True),
        ("services", "Service", True),
        ("pods", "Pod", True),
    ],
    ("apps", "v1"): [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True)],
    ("batch", "v1"): [("jobs", "Job", True)],
    ("networking.k8s.io", "v1"): [
        ("ingresses", "Ingress", True),
        ("ingressclasses", "IngressClass", False),
        ("networkpolicies", "NetworkPolicy", True),
    ],
    ("storage.k8s.io", "v1"): [("storageclasses", "StorageClass", False)],
    ("policy", "v1"): [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    ("autoscaling", "v2"): [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
}


class FakeCluster:
    """Objects by API path, e.g. /apis/networking.k8s.io/v1/ingressclasses/nginx."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []  # every path asked for, in order
        self.add("/api/v1/namespaces/kube-system", "v1", "Namespace", "kube-system")

    def add(self, path: str, api_version: str, kind: str, name: str, **fields: Any) -> None:
        self.objects[path] = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": name},
            **fields,
        }

    def ingress_class(self, name: str) -> None:
        path = f"/apis/networking.k8s.io/v1/ingressclasses/{name}"
        self.add(path, "networking.k8s.io/v1", "IngressClass", name)

    def storage_class(self, name: str) -> None:
        path = f"/apis/storage.k8s.io/v1/storageclasses/{name}"
        self.add(path, "storage.k8s.io/v1", "StorageClass", name, provisioner="fake")

    def secret(self, namespace: str, name: str, data: dict[str, str], release: str) -> None:
        """A Secret as an earlier install of `release` left it (Helm ownership metadata included,
        which is what lets a reinstall adopt a Secret kept by resource-policy keep)."""
        path = f"/api/v1/namespaces/{namespace}/secrets/{name}"
        self.add(path, "v1", "Secret", name, data=data, type="Opaque")
        self.objects[path]["metadata"].update(
            namespace=namespace,
            labels={"app.kubernetes.io/managed-by": "Helm"},
            annotations={
                "meta.helm.sh/release-name": release,
                "meta.helm.sh/release-namespace": namespace,
            },
        )


def discovery(path: str) -> dict[str, Any] | None:
    if path == "/version":
        return {"major": "1", "minor": "33", "gitVersion": "v1.33.0"}
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        groups = [
            {
                "name": group,
                "versions": [{"groupVersion": f"{group}/{version}", "version": version}],
                "preferredVersion": {"groupVersion": f"{group}/{version}", "version": version},
            }
            for group, version in RESOURCES
            if group
        ]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    for (group, version), resources in RESOURCES.items():
        group_version = f"{group}/{version}" if group else version
        if path == (f"/apis/{group_version}" if group else f"/api/{version}"):
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": group_version,
                "resources": [
                    {
                        "name": plural,
                        "singularName": "",
                        "namespaced": namespaced,
                        "kind": kind,
                        "verbs": ["get", "list"],
                    }
                    for plural, kind, namespaced in resources
                ],
            }
    return None


@contextmanager
def serve(cluster: FakeCluster, directory: Path) -> Iterator[Path]:
    """Run the server on a free port; yields the path of a kubeconfig pointing at it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            cluster.requests.append(path)
            body = discovery(path) or cluster.objects.get(path)
            if body is None and "labelSelector" in query:  # Helm's release history: none yet
                body = {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": []}
            code = 200 if body is not None else 404
            if body is None:
                body = {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                }
            payload = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = directory / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "fake",
                        "cluster": {"server": f"http://127.0.0.1:{server.server_port}"},
                    }
                ],
                "users": [{"name": "fake", "user": {}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                "current-context": "fake",
            }
        )
    )
    try:
        yield kubeconfig
    finally:
        server.shutdown()
        thread.join()
