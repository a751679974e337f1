"""Fixed project facts the automation relies on (names, ports, paths) — one place to change them."""

from __future__ import annotations

import os
from pathlib import Path

from . import MISSING_PREREQUISITE

ROOT = Path(__file__).resolve().parent.parent
VERSION = (ROOT / "VERSION").read_text().strip()

RELEASE = "pakaura"
NAMESPACE = "pakaura"
CHART = "helm/pakaura"
HOSTNAME = "pakaura.local"
HELM_TIMEOUT = "5m"
# `helm upgrade --wait` does not wait for Jobs: deploy waits for the revision's migration itself.
MIGRATION_TIMEOUT_SECONDS = 300
MIGRATION_POLL_SECONDS = 2.0


def migration_job(revision: int) -> str:
    """The chart names each revision's migration Job `<fullname>-migrate-<revision>`."""
    return f"{RELEASE}-migrate-{revision}"


# component -> (image name, Dockerfile, build context), all relative to the repository root
IMAGES: dict[str, tuple[str, str, str]] = {
    "api": (f"pakaura-api:{VERSION}", "infra/docker/api.Dockerfile", "api"),
    "frontend": (f"pakaura-frontend:{VERSION}", "infra/docker/frontend.Dockerfile", "frontend"),
}
SERVICES = {"frontend": 3000, "api": 8000, "postgresql": 5432}
COMPONENTS = ("api", "frontend", "postgresql", "migrate")

# The spec's minimum machine for the whole stack (NFR-004) and what we never exceed on a host.
MIN_CPUS = 4
MIN_MEMORY_MB = 8192
HOST_MEMORY_RESERVE_MB = 2048
MINIKUBE_FLOOR_MEMORY_MB = 2200  # below this minikube refuses to start

INGRESS_NAMESPACE = "ingress-nginx"
INGRESS_CONTROLLER = "ingress-nginx-controller"
INGRESS_WEBHOOK_SERVICE = "ingress-nginx-controller-admission"
ADDONS = ("ingress", "metrics-server")
# kind has no ingress addon: setup applies ingress-nginx's kind manifest (env var overrides it)
INGRESS_NGINX_KIND_MANIFEST = os.environ.get(
    "INGRESS_NGINX_MANIFEST",
    "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.1/deploy/static/"
    "provider/kind/deploy.yaml",
)
KIND_CONFIG = ROOT / "automation" / "kind-config.yaml"

# Label the image with a digest of its sources so a rebuild of unchanged sources is skipped.
SOURCE_DIGEST_LABEL = "org.pakaura.source-digest"
# helm keeps a free-text description per revision; we store the inputs' digest there.
DEPLOY_DIGEST_PREFIX = "pakaura-inputs="


class ExitCode:
    """Exit codes scripts can rely on (documented in docs/automation.md)."""

    OK = 0
    FAILURE = 1
    MISSING_PREREQUISITE = MISSING_PREREQUISITE  # also what a run without the tooling exits with
    UNHEALTHY = 3
    INTERRUPTED = 130
