"""Reading cluster state as JSON through kubectl, and small helpers over Kubernetes objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from invoke.context import Context

from . import config
from .cluster import Cluster
from .shell import run, run_json

Obj = dict[str, Any]

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def cpu_millis(quantity: str | None) -> int:
    """'500m' -> 500, '2' -> 2000."""
    if not quantity:
        return 0
    if quantity.endswith("m"):
        return int(float(quantity[:-1]))
    return int(float(quantity) * 1000)


def memory_bytes(quantity: str | None) -> int:
    """'512Mi' -> 536870912, '1G' -> 10**9, '1024' -> 1024."""
    if not quantity:
        return 0
    for suffix, factor in {**_BINARY, **_DECIMAL}.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(float(quantity))


def get(c: Context, target: Cluster, kinds: str, namespace: str | None = None) -> list[Obj]:
    """`kubectl get <kinds> -o json` items (kinds may be a comma list, e.g. 'pods,services')."""
    data = run_json(c, target.kubectl("get", kinds, "-o", "json", namespace=namespace))
    return list((data or {}).get("items", []))


def of_kind(items: list[Obj], kind: str) -> list[Obj]:
    return [item for item in items if item.get("kind") == kind]


def name(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", "?"))


def component(obj: Obj) -> str:
    labels = obj.get("metadata", {}).get("labels") or {}
    return str(labels.get("app.kubernetes.io/component") or labels.get("app") or "")


def age(obj: Obj, now: datetime | None = None) -> str:
    created = obj.get("metadata", {}).get("creationTimestamp")
    if not created:
        return "?"
    seconds = int(
        (
            (now or datetime.now(UTC)) - datetime.fromisoformat(created.replace("Z", "+00:00"))
        ).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def container_statuses(pod: Obj, init: bool = False) -> list[Obj]:
    key = "initContainerStatuses" if init else "containerStatuses"
    return list(pod.get("status", {}).get(key) or [])


def ready_count(pod: Obj) -> tuple[int, int]:
    statuses = container_statuses(pod)
    total = len(statuses) or len(pod.get("spec", {}).get("containers", []))
    return sum(1 for s in statuses if s.get("ready")), total


def restarts(pod: Obj) -> int:
    return sum(int(s.get("restartCount", 0)) for s in container_statuses(pod))


def waiting_reason(pod: Obj) -> str:
    """The most telling reason a pod is not ready (CrashLoopBackOff, ErrImageNeverPull, ...)."""
    for status in container_statuses(pod, init=True) + container_statuses(pod):
        waiting = (status.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
        terminated = (status.get("state") or {}).get("terminated")
        if terminated and terminated.get("reason") not in (None, "Completed"):
            return str(terminated["reason"])
    if pod.get("status", {}).get("phase") == "Pending":
        for condition in pod.get("status", {}).get("conditions") or []:
            if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
                return str(condition.get("reason") or "Unschedulable")
    return ""


def pod_ready(pod: Obj) -> bool:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def ready_addresses(endpoints: Obj | None) -> int:
    if not endpoints:
        return 0
    return sum(len(subset.get("addresses") or []) for subset in endpoints.get("subsets") or [])


def release_selector() -> str:
    return f"app.kubernetes.io/instance={config.RELEASE}"


def _job_condition(job: Obj, kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True"
        for c in job.get("status", {}).get("conditions") or []
    )


def job_succeeded(job: Obj) -> bool:
    return _job_condition(job, "Complete") or int(job.get("status", {}).get("succeeded") or 0) > 0


def job_failed(job: Obj) -> bool:
    """Failed for good (backoffLimit or deadline reached). A pod failure the Job will retry is
    not: between retries `active` is 0 and `failed` > 0, but there is no Failed condition yet."""
    return _job_condition(job, "Failed")


def job_log_tail(c: Context, target: Cluster, job: str, namespace: str, lines: int) -> str:
    """The last lines of a Job's (newest) pod, or "" when they cannot be read."""
    result = run(
        c,
        target.kubectl("logs", f"job/{job}", f"--tail={lines}", namespace=namespace),
        check=False,
    )
    return (result.stdout or "").strip() if result.ok else ""
