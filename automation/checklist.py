"""The checklist `status` and `doctor` print when there is no cluster to look at: one verdict line
each for the tools, the cluster, the release and the hosts entry, then where to go from there
(`invoke setup` for a cluster, or `invoke dev` to run Pakaura on this machine without one)."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from enum import StrEnum

from invoke.context import Context

from . import config, doctor
from .cluster import Cluster, current_context, flavour, minikube_running, reachable, unreachable_fix
from .console import console
from .errors import MissingPrerequisiteError
from .prereqs import install_hints, missing
from .release import current

WITHOUT_A_CLUSTER = "or run Pakaura on this machine without a cluster: `invoke dev`"


class Mark(StrEnum):
    ok = "[green]✓[/]"
    problem = "[red]✗[/]"
    warning = "[yellow]![/]"
    unchecked = "[dim]·[/]"


@dataclass(frozen=True)
class Check:
    item: str
    mark: Mark
    summary: str
    fix: str = ""


def tools_check(tools: tuple[str, ...], absent: list[str]) -> Check:
    if absent:
        return Check("tools", Mark.problem, f"missing {', '.join(absent)}", install_hints(absent))
    return Check("tools", Mark.ok, f"{', '.join(tools)} found")


def cluster_check(c: Context, target: Cluster, absent: list[str]) -> Check:
    if "kubectl" in absent:
        return Check("cluster", Mark.unchecked, "not checked: kubectl is missing")
    if reachable(c, target):
        return Check("cluster", Mark.ok, "the API server answers")
    if flavour(c, target) == "minikube" and not missing("minikube") and not minikube_running(c):
        return Check(
            "cluster", Mark.problem, "minikube is not running", unreachable_fix("minikube")
        )
    context = target.context or current_context(c)
    where = f"context {context}" if context else "kubectl has no current context"
    return Check(
        "cluster",
        Mark.problem,
        f"no Kubernetes cluster answers ({where})",
        unreachable_fix(target.kind),
    )


def release_check(
    c: Context, target: Cluster, namespace: str, cluster: Check, absent: list[str]
) -> Check:
    if cluster.mark is not Mark.ok:
        return Check("release", Mark.unchecked, "not checked: no cluster")
    if "helm" in absent:
        return Check("release", Mark.unchecked, "not checked: helm is missing")
    release = current(c, target, namespace)
    if release is None:
        return Check("release", Mark.problem, f"{config.RELEASE} is not installed in {namespace}")
    mark = Mark.ok if release.status == "deployed" else Mark.problem
    return Check("release", mark, f"{release.name} revision {release.revision} is {release.status}")


def hosts_check() -> Check:
    try:
        text = doctor.hosts_file().read_text(errors="replace")
    except OSError:
        text = ""
    if doctor.diagnose_hosts(text, config.HOSTNAME, "", platform.system()):
        return Check(
            "hosts",
            Mark.warning,
            f"{config.HOSTNAME} is not in {doctor.hosts_file()} (only the Ingress URL needs it)",
        )
    return Check("hosts", Mark.ok, f"{config.HOSTNAME} is in {doctor.hosts_file()}")


def render(checks: list[Check]) -> None:
    for check in checks:
        console.print(f"  {check.item:<8} {check.mark.value} {check.summary}", highlight=False)


def require_cluster(c: Context, target: Cluster, namespace: str, *tools: str) -> None:
    """Return when the tools are there and the cluster answers. Otherwise print the checklist and
    stop with exit code 2, the fix for the first problem and the way to go on without a cluster."""
    absent = missing(*tools)
    cluster = cluster_check(c, target, absent)
    if not absent and cluster.mark is Mark.ok:
        return
    checks = [
        tools_check(tools, absent),
        cluster,
        release_check(c, target, namespace, cluster, absent),
        hosts_check(),
    ]
    render(checks)
    if absent:
        message, fix = f"missing required tools: {', '.join(absent)}", install_hints(absent)
    else:
        message, fix = cluster.summary, cluster.fix
    raise MissingPrerequisiteError(message, f"{fix} — {WITHOUT_A_CLUSTER}")
