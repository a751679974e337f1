"""The status dashboard: release, pods, services, ingress, endpoints, URL, service verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from invoke.context import Context
from rich.table import Table

from . import config, kube
from .cluster import Cluster, flavour, minikube_ip
from .console import console
from .kube import Obj
from .release import Release, current


@dataclass
class Snapshot:
    release: Release | None
    items: list[Obj] = field(default_factory=list)
    migration_log: str = ""  # last lines of the current revision's failed migration, if any

    def kind(self, kind: str) -> list[Obj]:
        return kube.of_kind(self.items, kind)


class State(StrEnum):
    healthy = "healthy"
    progressing = "progressing"  # on its way (a migration running): not a failure
    unhealthy = "unhealthy"


@dataclass(frozen=True)
class Verdict:
    service: str
    state: State
    summary: str

    @property
    def healthy(self) -> bool:
        return self.state is not State.unhealthy


MARKS = {
    State.healthy: "[green]✓ healthy[/]",
    State.progressing: "[yellow]◐ progressing[/]",
    State.unhealthy: "[red]✗ unhealthy[/]",
}
MIGRATION_LOG_LINES = 10
EXTERNAL_DATABASE = "external database (postgresql.enabled=false): the API's readiness checks it"


def collect(c: Context, target: Cluster, namespace: str) -> Snapshot:
    items = kube.get(c, target, "pods,services,endpoints,ingresses,jobs", namespace)
    snapshot = Snapshot(current(c, target, namespace), items)
    job = current_migration(snapshot)
    if job is not None and kube.job_failed(job):
        snapshot.migration_log = kube.job_log_tail(
            c, target, kube.name(job), namespace, MIGRATION_LOG_LINES
        )
    return snapshot


def verdicts(snapshot: Snapshot) -> list[Verdict]:
    """One line per service: healthy only when every pod is ready and the Service has endpoints."""
    endpoints = {kube.name(e): e for e in snapshot.kind("Endpoints")}
    services = {kube.name(s) for s in snapshot.kind("Service")}
    result = []
    for service in config.SERVICES:
        pods = [p for p in snapshot.kind("Pod") if kube.component(p) == service]
        if service == "postgresql" and snapshot.release and not pods and service not in services:
            # postgresql.enabled=false renders neither: the API's readiness (its own verdict)
            # is what says whether that database answers
            result.append(Verdict(service, State.healthy, EXTERNAL_DATABASE))
            continue
        ready = [p for p in pods if kube.pod_ready(p)]
        addresses = kube.ready_addresses(endpoints.get(service))
        problems = [
            f"{kube.name(p)}: {kube.waiting_reason(p) or 'not ready'}"
            for p in pods
            if not kube.pod_ready(p)
        ]
        healthy = bool(pods) and len(ready) == len(pods) and addresses > 0
        summary = f"{len(ready)}/{len(pods)} pods ready, {addresses} endpoint(s)"
        if not pods:
            summary = "no pods"
        if problems:
            summary += " — " + "; ".join(problems)
        result.append(Verdict(service, State.healthy if healthy else State.unhealthy, summary))
    result.append(migration_verdict(snapshot))
    return result


def _migration_jobs(snapshot: Snapshot) -> list[Obj]:
    return [
        j
        for j in snapshot.kind("Job")
        if kube.component(j) == "migrate" or "-migrate-" in kube.name(j)
    ]


def current_migration(snapshot: Snapshot) -> Obj | None:
    """The migration Job of the release's current revision (jobs are named `…-migrate-<rev>`);
    without a release, the newest one."""
    jobs = _migration_jobs(snapshot)
    if snapshot.release is None:
        return max(jobs, key=lambda j: j["metadata"].get("creationTimestamp", ""), default=None)
    suffix = f"-migrate-{snapshot.release.revision}"
    return next((j for j in jobs if kube.name(j).endswith(suffix)), None)


def migration_verdict(snapshot: Snapshot) -> Verdict:
    """Only the current revision's migration counts: an older revision's Job (failed or not)
    says nothing about what runs now. `helm upgrade --wait` does not wait for Jobs, so right
    after an upgrade the new migration is usually still running: that is progress, not failure.
    """
    job = current_migration(snapshot)
    if job is None:
        if snapshot.release is not None and _migration_jobs(snapshot):
            revision = snapshot.release.revision
            return Verdict(
                "migrate",
                State.healthy,
                f"no migration job for revision {revision} (TTL removed it)",
            )
        return Verdict(
            "migrate", State.healthy, "no migration job left (removed after success by its TTL)"
        )
    name = kube.name(job)
    if kube.job_succeeded(job):
        return Verdict("migrate", State.healthy, f"{name} completed")
    if kube.job_failed(job):
        summary = f"{name} failed — see `invoke logs migrate`"
        if snapshot.migration_log:
            summary += "; last lines:\n" + _indent(snapshot.migration_log)
        return Verdict("migrate", State.unhealthy, summary)
    return Verdict("migrate", State.progressing, f"{name} running (the schema is being migrated)")


def _indent(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.rstrip().splitlines())


def access_url(c: Context, target: Cluster, snapshot: Snapshot, namespace: str) -> list[str]:
    lines = []
    hosts = [
        rule.get("host")
        for ing in snapshot.kind("Ingress")
        for rule in ing.get("spec", {}).get("rules") or []
        if rule.get("host")
    ]
    if hosts:
        lines.append(
            f"http://{hosts[0]}  (Ingress; `{hosts[0]}` must resolve — `invoke doctor` checks it)"
        )
        if flavour(c, target) == "minikube":
            ip = minikube_ip(c)
            if ip:
                lines.append(
                    f"hosts file line on Linux: `{ip} {hosts[0]}`; macOS/Windows (docker "
                    f"driver): `127.0.0.1 {hosts[0]}` while `minikube tunnel` runs"
                )
    node_port = any(
        kube.name(s) == "frontend" and s.get("spec", {}).get("type") == "NodePort"
        for s in snapshot.kind("Service")
    )
    if node_port and flavour(c, target) == "minikube":
        lines.append(f"`minikube service frontend -n {namespace} --url` prints a direct URL")
    lines.append(
        f"http://localhost:3000  after `kubectl -n {namespace} port-forward svc/frontend 3000:3000`"
    )
    return lines


def render(
    snapshot: Snapshot,
    verdict_list: list[Verdict],
    urls: list[str],
    namespace: str,
    now: datetime | None = None,
) -> None:
    release = snapshot.release
    if release:
        console.print(
            f"[bold]Release[/] {release.name}  namespace {namespace}  revision "
            f"{release.revision}  chart {release.chart}  status [bold]{release.status}[/]",
            highlight=False,
        )
    else:
        console.print(f"[bold red]Release {config.RELEASE} is not installed in {namespace}[/]")

    pods = Table(title="Pods", title_justify="left")
    for column in ("pod", "component", "phase", "ready", "restarts", "age", "reason"):
        pods.add_column(column)
    for pod in sorted(snapshot.kind("Pod"), key=kube.name):
        ready, total = kube.ready_count(pod)
        pods.add_row(
            kube.name(pod),
            kube.component(pod),
            pod.get("status", {}).get("phase", "?"),
            f"{ready}/{total}",
            str(kube.restarts(pod)),
            kube.age(pod, now),
            kube.waiting_reason(pod),
        )
    console.print(pods)

    endpoints = {kube.name(e): kube.ready_addresses(e) for e in snapshot.kind("Endpoints")}
    services = Table(title="Services", title_justify="left")
    for column in ("service", "type", "cluster ip", "ports", "ready endpoints"):
        services.add_column(column)
    for svc in sorted(snapshot.kind("Service"), key=kube.name):
        spec = svc.get("spec", {})
        ports = ", ".join(
            f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or []
        )
        services.add_row(
            kube.name(svc),
            spec.get("type", ""),
            spec.get("clusterIP", ""),
            ports,
            str(endpoints.get(kube.name(svc), 0)),
        )
    console.print(services)

    for ingress in snapshot.kind("Ingress"):
        spec = ingress.get("spec", {})
        addresses = [
            a.get("ip") or a.get("hostname")
            for a in (ingress.get("status", {}).get("loadBalancer", {}).get("ingress") or [])
        ]
        for rule in spec.get("rules") or []:
            paths = ", ".join(
                f"{p.get('path')} → {p.get('backend', {}).get('service', {}).get('name')}"
                for p in (rule.get("http") or {}).get("paths") or []
            )
            console.print(
                f"[bold]Ingress[/] {kube.name(ingress)}  class "
                f"{spec.get('ingressClassName', '-')}  host {rule.get('host')}  {paths}  "
                f"address {', '.join(filter(None, addresses)) or 'pending'}",
                highlight=False,
            )

    console.print("[bold]Verdict[/]")
    for verdict in verdict_list:
        console.print(
            f"  {verdict.service:<11} {MARKS[verdict.state]}  {verdict.summary}",
            highlight=False,
            markup=True,
        )
    console.print("[bold]Access[/]")
    for line in urls:
        console.print(f"  {line}", highlight=False)


def healthy(snapshot: Snapshot, verdict_list: list[Verdict]) -> bool:
    return (
        snapshot.release is not None
        and snapshot.release.status == "deployed"
        and all(v.healthy for v in verdict_list)
    )
