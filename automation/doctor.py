"""Diagnoses for the usual ways a local deployment fails, each with the fix to apply."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from invoke.context import Context

from . import config, kube
from .cluster import Cluster, flavour, minikube_ip, minikube_running, reachable
from .kube import Obj
from .release import current
from .shell import run

IMAGE_NOT_IN_RUNTIME = {"ErrImageNeverPull", "ImagePullBackOff", "ErrImagePull"}


@dataclass(frozen=True)
class Finding:
    problem: str
    fix: str
    severity: str = "error"  # error | warning


def build_hint(cluster_flavour: str) -> str:
    target = cluster_flavour if cluster_flavour in ("minikube", "kind") else "current"
    return (
        f"build the images into the cluster's runtime: `invoke build --cluster {target}`, "
        "then `invoke deploy`"
    )


def diagnose_pods(
    pods: list[Obj], cluster_flavour: str, last_logs: Callable[[str, str], str]
) -> list[Finding]:
    findings = []
    for pod in pods:
        pod_name = kube.name(pod)
        statuses = kube.container_statuses(pod, init=True) + kube.container_statuses(pod)
        for status in statuses:
            waiting = (status.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason", "")
            container = status.get("name", "?")
            if reason in IMAGE_NOT_IN_RUNTIME:
                findings.append(
                    Finding(
                        f"{pod_name}: {reason} for image {status.get('image')} — the image is "
                        "not in the cluster's container runtime (images built on the host are "
                        "invisible to it)",
                        build_hint(cluster_flavour),
                    )
                )
            elif reason == "CrashLoopBackOff":
                logs = last_logs(pod_name, container).strip()
                tail = " | ".join(logs.splitlines()[-5:]) or "no log output"
                findings.append(
                    Finding(
                        f"{pod_name}/{container}: CrashLoopBackOff after "
                        f"{status.get('restartCount', 0)} restarts; last log lines: {tail}",
                        "fix the error above; full logs: "
                        f"`kubectl logs {pod_name} -c {container} --previous`",
                    )
                )
            elif reason == "CreateContainerConfigError":
                findings.append(
                    Finding(
                        f"{pod_name}/{container}: {waiting.get('message', reason)}",
                        "the Secret or ConfigMap it reads is missing a key; "
                        "`invoke deploy` recreates it",
                    )
                )
            last = (status.get("lastState") or {}).get("terminated") or {}
            if last.get("reason") == "OOMKilled":
                findings.append(
                    Finding(
                        f"{pod_name}/{container}: killed for using more memory than its limit "
                        "(OOMKilled)",
                        "raise its memory limit: "
                        "`invoke deploy --set <component>.resources.limits.memory=...`",
                    )
                )
        if pod.get("status", {}).get("phase") == "Pending":
            for condition in pod.get("status", {}).get("conditions") or []:
                if condition.get("type") != "PodScheduled" or condition.get("status") != "False":
                    continue
                message = str(condition.get("message", ""))
                if "Insufficient" in message:
                    findings.append(
                        Finding(
                            f"{pod_name}: cannot be scheduled — {message}",
                            "give the cluster more CPU/memory (`minikube delete`, then "
                            "`minikube start --cpus=4 --memory=8192`) or lower the chart's "
                            "resource requests",
                        )
                    )
                elif "PersistentVolumeClaim" in message:
                    findings.append(
                        Finding(
                            f"{pod_name}: waiting for its PersistentVolumeClaim — {message}",
                            "see the storage findings below",
                        )
                    )
                elif message:
                    findings.append(
                        Finding(
                            f"{pod_name}: cannot be scheduled — {message}",
                            "`kubectl describe pod` shows the scheduler's events",
                        )
                    )
    return findings


def default_storage_class(classes: list[Obj]) -> str | None:
    for storage_class in classes:
        annotations = storage_class.get("metadata", {}).get("annotations") or {}
        if annotations.get("storageclass.kubernetes.io/is-default-class") == "true":
            return kube.name(storage_class)
    return None


def diagnose_storage(pvcs: list[Obj], classes: list[Obj], cluster_flavour: str) -> list[Finding]:
    findings = []
    default = default_storage_class(classes)
    pending = [p for p in pvcs if p.get("status", {}).get("phase") == "Pending"]
    fix = (
        "`minikube addons enable storage-provisioner && "
        "minikube addons enable default-storageclass`"
        if cluster_flavour == "minikube"
        else "install a provisioner (e.g. local-path) and mark its StorageClass default, or set "
        "`postgresql.persistence.storageClass`"
    )
    if default is None:
        findings.append(
            Finding(
                "the cluster has no default StorageClass, so a new database volume "
                "cannot be provisioned",
                fix,
                "error" if pending else "warning",
            )
        )
    for pvc in pending:
        wanted = pvc.get("spec", {}).get("storageClassName") or default or "<none>"
        findings.append(
            Finding(
                f"PersistentVolumeClaim {kube.name(pvc)} is Pending (storage class {wanted})", fix
            )
        )
    return findings


def diagnose_ingress(classes: list[Obj], wanted: str, cluster_flavour: str) -> list[Finding]:
    if any(kube.name(item) == wanted for item in classes):
        return []
    fix = {
        "minikube": "`minikube addons enable ingress` (then `invoke setup` waits for it)",
        "kind": "`invoke setup --cluster kind` installs ingress-nginx and waits for it",
    }.get(
        cluster_flavour,
        f"install an ingress controller providing class {wanted!r}, or set "
        "`ingress.className` / `ingress.enabled=false`",
    )
    return [Finding(f"no IngressClass {wanted!r}: the ingress addon/controller is missing", fix)]


def hosts_file() -> Path:
    if platform.system() == "Windows":
        return Path(r"C:\Windows\System32\drivers\etc\hosts")
    return Path("/etc/hosts")


def diagnose_hosts(hosts_text: str, host: str, ip: str, system: str) -> list[Finding]:
    for line in hosts_text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and host in fields[1:]:
            return []
    if system == "Linux":
        line = f"{ip or '$(minikube ip)'} {host}"
        extra = ""
    else:
        line, extra = f"127.0.0.1 {host}", " and keep `minikube tunnel` running"
    return [
        Finding(
            f"{host} is not in the hosts file ({hosts_file()})",
            f"add the line `{line}` to {hosts_file()}{extra}; or use "
            "`kubectl -n pakaura port-forward svc/frontend 3000:3000`",
            "warning",
        )
    ]


def diagnose_resources(nodes: list[Obj], pods: list[Obj]) -> list[Finding]:
    cpu = sum(kube.cpu_millis(n.get("status", {}).get("allocatable", {}).get("cpu")) for n in nodes)
    memory = sum(
        kube.memory_bytes(n.get("status", {}).get("allocatable", {}).get("memory")) for n in nodes
    )
    want_cpu = want_memory = 0
    for pod in pods:
        if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            continue
        for container in pod.get("spec", {}).get("containers", []):
            requests = (container.get("resources") or {}).get("requests") or {}
            want_cpu += kube.cpu_millis(requests.get("cpu"))
            want_memory += kube.memory_bytes(requests.get("memory"))
    findings = []
    if want_cpu > cpu or want_memory > memory:
        findings.append(
            Finding(
                f"the release requests {want_cpu}m CPU / {want_memory // 2**20} MiB but the "
                f"nodes can allocate {cpu}m / {memory // 2**20} MiB",
                "start minikube with more resources (`--cpus=4 --memory=8192`) "
                "or lower the requests",
            )
        )
    elif nodes and (
        cpu < config.MIN_CPUS * 1000 * 0.9 or memory < config.MIN_MEMORY_MB * 2**20 * 0.85
    ):
        findings.append(
            Finding(
                f"the nodes offer {cpu}m CPU / {memory // 2**20} MiB, below the spec's "
                f"{config.MIN_CPUS} CPU / {config.MIN_MEMORY_MB} MB",
                "fine for a quick look; for the full demo give the cluster 4 CPUs and 8 GB",
                "warning",
            )
        )
    return findings


def diagnose(
    c: Context, target: Cluster, namespace: str, ingress_class: str = "nginx"
) -> list[Finding]:
    """Run every check that applies; stops early when the cluster itself is down."""
    findings: list[Finding] = []
    kind = flavour(c, target)
    if kind == "minikube" and not minikube_running(c):
        return [
            Finding("minikube is not running", "start it: `invoke setup` (or `minikube start`)")
        ]
    if not reachable(c, target):
        return [
            Finding(
                "the Kubernetes API server is not reachable",
                "check `kubectl config current-context` and that the cluster runs",
            )
        ]

    release = current(c, target, namespace)
    if release is None:
        findings.append(
            Finding(
                f"release {config.RELEASE} is not installed in {namespace}",
                "`invoke setup` (or `invoke deploy`)",
            )
        )
    elif release.status != "deployed":
        findings.append(
            Finding(
                f"release {config.RELEASE} revision {release.revision} is "
                f"{release.status}: {release.description}",
                "`invoke doctor` findings below; then `invoke deploy`",
            )
        )

    pods = kube.get(c, target, "pods", namespace)

    def last_logs(pod: str, container: str) -> str:
        result = run(
            c,
            target.kubectl(
                "logs", pod, "-c", container, "--previous", "--tail=5", namespace=namespace
            ),
            check=False,
        )
        return result.stdout or ""

    findings += diagnose_pods(pods, kind, last_logs)
    findings += diagnose_storage(
        kube.get(c, target, "pvc", namespace), kube.get(c, target, "storageclasses"), kind
    )
    findings += diagnose_ingress(kube.get(c, target, "ingressclasses"), ingress_class, kind)
    findings += diagnose_resources(kube.get(c, target, "nodes"), pods)
    try:
        hosts_text = hosts_file().read_text(errors="replace")
    except OSError:
        hosts_text = ""
    findings += diagnose_hosts(
        hosts_text,
        config.HOSTNAME,
        minikube_ip(c) if kind == "minikube" else "127.0.0.1",
        platform.system(),
    )
    return findings
