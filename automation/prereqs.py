"""Which command-line tools each task needs, where they are found, and how to install the rest.

The tools `scripts/bootstrap.sh` installs (uv, nox) live in the project's tooling venv `.venv/bin`,
which need not be on PATH: `.venv/bin/invoke dev` must work exactly as the README writes it.
So a tool is looked up in `.venv/bin` first, then on PATH, and used by its full path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import config
from .errors import MissingPrerequisiteError

INSTALL_HINTS = {
    "docker": "install Docker Engine or Docker Desktop: https://docs.docker.com/get-docker/",
    "minikube": "install minikube >= 1.32: https://minikube.sigs.k8s.io/docs/start/",
    "kind": "install kind: `go install sigs.k8s.io/kind@latest` or https://kind.sigs.k8s.io/",
    "kubectl": "install kubectl >= 1.29: https://kubernetes.io/docs/tasks/tools/",
    "helm": "install Helm >= 3.14: https://helm.sh/docs/intro/install/",
    "npm": "install Node.js 20 (includes npm): https://nodejs.org/",
    "python3": "install Python 3.11: https://www.python.org/downloads/",
    "uv": "run `./scripts/bootstrap.sh` (it installs uv into .venv/bin)",
}


def tooling_bin() -> Path:
    """Where scripts/bootstrap.sh puts the project's own tools."""
    return config.ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin")


def which(tool: str) -> str | None:
    """The tool from the tooling venv, else from PATH; None when neither has it."""
    bundled = tooling_bin() / tool
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    return shutil.which(tool)


def cluster_tool(cluster: str) -> list[str]:
    return {"minikube": ["minikube"], "kind": ["kind"]}.get(cluster, [])


def missing(*tools: str) -> list[str]:
    return [tool for tool in tools if which(tool) is None]


def install_hints(tools: list[str]) -> str:
    return "; ".join(f"{tool}: {INSTALL_HINTS.get(tool, 'install it')}" for tool in tools)


def require(*tools: str) -> dict[str, str]:
    """Each tool's full path; stops with exit code 2 naming every missing one and its install."""
    absent = missing(*tools)
    if absent:
        raise MissingPrerequisiteError(
            f"missing required tools: {', '.join(absent)}", install_hints(absent)
        )
    return {tool: which(tool) or tool for tool in tools}
