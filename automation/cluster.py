"""The target cluster (minikube, kind or the current kubeconfig context) and its lifecycle."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from invoke.context import Context

from . import config
from .console import done, skipped, step, warn
from .errors import TaskError
from .shell import ok, run, run_json

CLUSTERS = ("minikube", "kind", "current")


@dataclass(frozen=True)
class Cluster:
    """Where kubectl/helm point: `kind` is minikube|kind|current; `context` its kube context."""

    kind: str
    context: str | None  # None: the active kubeconfig context

    def kubectl(self, *args: str, namespace: str | None = None) -> list[str]:
        argv = ["kubectl"]
        if self.context:
            argv += ["--context", self.context]
        if namespace:
            argv += ["-n", namespace]
        return [*argv, *args]

    def helm(self, *args: str, namespace: str | None = None) -> list[str]:
        argv = ["helm", *args]
        if namespace:
            argv += ["-n", namespace]
        if self.context:
            argv += ["--kube-context", self.context]
        return argv


def kind_cluster_name() -> str:
    # kind itself reads KIND_CLUSTER_NAME; its default cluster is called "kind"
    return os.environ.get("KIND_CLUSTER_NAME", "kind")


def minikube_profile() -> str:
    return os.environ.get("MINIKUBE_PROFILE", "minikube")


def resolve(cluster: str) -> Cluster:
    if cluster == "minikube":
        return Cluster("minikube", minikube_profile())
    if cluster == "kind":
        return Cluster("kind", f"kind-{kind_cluster_name()}")
    if cluster == "current":
        # PAKAURA_KUBE_CONTEXT pins a context without switching the user's current one
        return Cluster("current", os.environ.get("PAKAURA_KUBE_CONTEXT") or None)
    raise TaskError(f"unknown cluster type {cluster!r}", f"use one of: {', '.join(CLUSTERS)}")


def current_context(c: Context) -> str:
    return (run(c, ["kubectl", "config", "current-context"], check=False).stdout or "").strip()


def flavour(c: Context, target: Cluster) -> str:
    """minikube, kind or other — for `current`, guessed from the context's name."""
    if target.kind != "current":
        return target.kind
    name = current_context(c)
    if name == minikube_profile():
        return "minikube"
    if name.startswith("kind-"):
        return "kind"
    return "other"


def kind_name(c: Context, target: Cluster) -> str:
    """The kind cluster behind a target: its context name minus `kind-`, else env/default."""
    context = target.context or current_context(c)
    return context.removeprefix("kind-") if context.startswith("kind-") else kind_cluster_name()


def reachable(c: Context, target: Cluster) -> bool:
    return ok(c, target.kubectl("get", "--raw", "/readyz", "--request-timeout=5s"))


def unreachable_fix(kind: str) -> str:
    """How to get a cluster of this kind (minikube | kind | current) answering."""
    return {
        "minikube": "start it with `invoke setup` (or `minikube start`)",
        "kind": "create it with `kind create cluster` or use `--cluster current`",
    }.get(
        kind,
        "start one with `invoke setup` (Minikube), or check `kubectl config current-context`",
    )


def require_reachable(c: Context, target: Cluster) -> None:
    if reachable(c, target):
        return
    where = target.context or current_context(c) or "the current context"
    raise TaskError(
        f"cannot reach the Kubernetes API server of {where}", unreachable_fix(target.kind)
    )


# --- host resources ---------------------------------------------------------------------------


def host_cpus() -> int:
    return os.cpu_count() or 1


def host_memory_mb() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1024 * 1024))
    except (ValueError, OSError, AttributeError):
        return config.MIN_MEMORY_MB


def minikube_size(cpus: int, memory_mb: int) -> tuple[int, int, list[str]]:
    """CPU/memory for minikube: the spec's 4 CPU / 8 GB, never more than the host has."""
    warnings = []
    if cpus < config.MIN_CPUS:
        warnings.append(f"this machine has {cpus} CPUs; the stack is sized for {config.MIN_CPUS}")
    if memory_mb < config.MIN_MEMORY_MB:
        warnings.append(
            f"this machine has {memory_mb} MB RAM; the stack is sized for {config.MIN_MEMORY_MB} MB"
        )
    use_cpus = max(2, min(config.MIN_CPUS, cpus))
    use_memory = min(config.MIN_MEMORY_MB, memory_mb - config.HOST_MEMORY_RESERVE_MB)
    use_memory = max(config.MINIKUBE_FLOOR_MEMORY_MB, use_memory)
    return use_cpus, use_memory, warnings


# --- minikube -----------------------------------------------------------------------------------


def minikube_running(c: Context) -> bool:
    result = run(c, ["minikube", "status", "-p", minikube_profile(), "-o", "json"], check=False)
    try:
        state = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        return False
    if isinstance(state, list):  # multi-node profiles print one entry per node
        state = state[0] if state else {}
    return all(state.get(key) == "Running" for key in ("Host", "Kubelet", "APIServer"))


def ensure_minikube(c: Context, driver: str | None = None) -> bool:
    """Start minikube unless it runs; returns True when something was started."""
    if minikube_running(c):
        skipped(f"minikube profile {minikube_profile()!r} is running")
        return False
    cpus, memory, warnings = minikube_size(host_cpus(), host_memory_mb())
    for message in warnings:
        warn(message + " — pods may stay Pending; see `invoke doctor`")
    argv = ["minikube", "start", "-p", minikube_profile(), f"--cpus={cpus}", f"--memory={memory}"]
    if driver:
        argv.append(f"--driver={driver}")
    step(f"starting minikube ({cpus} CPUs, {memory} MB)")
    run(
        c,
        argv,
        fix="read `minikube logs`; try `minikube delete` then `invoke setup`, or another --driver",
    )
    done("minikube started")
    return True


def ensure_addons(c: Context) -> list[str]:
    """Enable the ingress and metrics-server addons that are not enabled; returns those enabled."""
    addons = run_json(c, ["minikube", "addons", "list", "-p", minikube_profile(), "-o", "json"])
    enabled = []
    for addon in config.ADDONS:
        if (addons.get(addon) or {}).get("Status") == "enabled":
            skipped(f"minikube addon {addon} is enabled")
            continue
        step(f"enabling minikube addon {addon}")
        run(c, ["minikube", "addons", "enable", addon, "-p", minikube_profile()])
        enabled.append(addon)
    return enabled


def wait_for_ingress_controller(c: Context, target: Cluster, timeout: int = 300) -> None:
    """Wait for the controller rollout, its admission jobs and webhook endpoint (pitfall 8)."""
    step("waiting for the ingress-nginx controller and its admission webhook")
    ns = config.INGRESS_NAMESPACE
    run(
        c,
        target.kubectl(
            "rollout",
            "status",
            f"deployment/{config.INGRESS_CONTROLLER}",
            f"--timeout={timeout}s",
            namespace=ns,
        ),
        fix="see `kubectl -n ingress-nginx get pods`; disable and re-enable the ingress addon",
    )
    jobs = run_json(c, target.kubectl("get", "jobs", "-o", "json", namespace=ns))
    names = [job["metadata"]["name"] for job in jobs.get("items", [])]
    if names:  # the admission jobs may already be garbage-collected by their TTL
        run(
            c,
            target.kubectl(
                "wait",
                "--for=condition=complete",
                f"--timeout={timeout}s",
                *[f"job/{name}" for name in names],
                namespace=ns,
            ),
        )
    deadline = time.monotonic() + timeout
    while True:
        endpoints = run_json(
            c,
            target.kubectl(
                "get", "endpoints", config.INGRESS_WEBHOOK_SERVICE, "-o", "json", namespace=ns
            ),
        )
        if any(subset.get("addresses") for subset in endpoints.get("subsets") or []):
            done("ingress controller and admission webhook are ready")
            return
        if time.monotonic() > deadline:
            raise TaskError(
                "the ingress-nginx admission webhook has no ready endpoint",
                "check `kubectl -n ingress-nginx get pods,endpoints` and retry `invoke setup`",
            )
        time.sleep(3)


def minikube_ip(c: Context) -> str:
    return (run(c, ["minikube", "ip", "-p", minikube_profile()], check=False).stdout or "").strip()


# --- kind ---------------------------------------------------------------------------------------


def ensure_kind(c: Context) -> bool:
    """Create the kind cluster unless it exists; returns True when one was created."""
    name = kind_cluster_name()
    clusters = (run(c, ["kind", "get", "clusters"], check=False).stdout or "").split()
    if name in clusters:
        skipped(f"kind cluster {name!r} exists")
        return False
    step(f"creating kind cluster {name!r}")
    run(
        c,
        [
            "kind",
            "create",
            "cluster",
            "--name",
            name,
            "--config",
            str(config.KIND_CONFIG),
            "--wait",
            "120s",
        ],
        fix="check that docker runs (`docker info`) and read kind's output above",
    )
    done(f"kind cluster {name!r} created")
    return True


def ensure_ingress_nginx(c: Context, target: Cluster) -> bool:
    """kind: apply ingress-nginx's kind manifest unless a controller exists (True: applied)."""
    present = run(
        c,
        target.kubectl(
            "get", f"deployment/{config.INGRESS_CONTROLLER}", namespace=config.INGRESS_NAMESPACE
        ),
        check=False,
    )
    if present.ok:
        skipped("ingress-nginx controller is installed")
        return False
    step("installing ingress-nginx (kind provider manifest)")
    run(
        c,
        target.kubectl("apply", "-f", config.INGRESS_NGINX_KIND_MANIFEST),
        fix="set INGRESS_NGINX_MANIFEST to a reachable copy of the manifest",
    )
    return True
