"""Which command-line tools each task needs, and how to install the missing ones."""

from __future__ import annotations

import shutil

from .errors import MissingPrerequisiteError

INSTALL_HINTS = {
    "docker": "install Docker Engine or Docker Desktop: https://docs.docker.com/get-docker/",
    "minikube": "install minikube >= 1.32: https://minikube.sigs.k8s.io/docs/start/",
    "kind": "install kind: `go install sigs.k8s.io/kind@latest` or https://kind.sigs.k8s.io/",
    "kubectl": "install kubectl >= 1.29: https://kubernetes.io/docs/tasks/tools/",
    "helm": "install Helm >= 3.14: https://helm.sh/docs/intro/install/",
    "npm": "install Node.js 20 (includes npm): https://nodejs.org/",
    "python3": "install Python 3.11: https://www.python.org/downloads/",
}


def cluster_tool(cluster: str) -> list[str]:
    return {"minikube": ["minikube"], "kind": ["kind"]}.get(cluster, [])


def require(*tools: str) -> None:
    """Stop with exit code 2 naming every missing tool and how to install it."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    hints = "; ".join(f"{tool}: {INSTALL_HINTS.get(tool, 'install it')}" for tool in missing)
    raise MissingPrerequisiteError(f"missing required tools: {', '.join(missing)}", hints)
