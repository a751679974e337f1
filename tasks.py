"""Pakaura's automation: `invoke --list` shows every task, `invoke --help <task>` its options.

Tasks are thin; the steps they share live in `automation/` as plain functions. Exit codes:
0 ok, 1 failure, 2 missing prerequisite, 3 unhealthy (status/doctor found a problem), 130 Ctrl-C.
Every task that talks to a cluster takes `--cluster minikube|kind|current` (current = the active
kubeconfig context) and `--namespace` (default pakaura).
"""

from __future__ import annotations

from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from automation import backup as db_backup
from automation import config, release
from automation import rollback as release_rollback
from automation import status as dashboard
from automation.checklist import require_cluster
from automation.cluster import (
    Cluster,
    ensure_addons,
    ensure_ingress_nginx,
    ensure_kind,
    ensure_minikube,
    flavour,
    require_reachable,
    resolve,
    wait_for_ingress_controller,
)
from automation.console import console, done, step, warn
from automation.dev import DevOptions, run_dev
from automation.doctor import diagnose
from automation.errors import TaskError, UnhealthyError, task_boundary
from automation.images import build as build_images
from automation.manifests import regenerate
from automation.prereqs import cluster_tool, require
from automation.shell import ok, run

NS = config.NAMESPACE
CLUSTER_HELP = "minikube | kind | current (the active kubeconfig context)"
NS_HELP = f"Kubernetes namespace (default {NS})"
DEPLOY_HELP = {
    "cluster": CLUSTER_HELP,
    "namespace": NS_HELP,
    "values": "extra values file for helm (repeatable)",
    "set_": "helm --set key=value (repeatable)",
    "force": "rebuild images / upgrade the release even when nothing changed",
}


def _show_status(c: Context, target: Cluster, namespace: str) -> bool:
    snapshot = dashboard.collect(c, target, namespace)
    verdicts = dashboard.verdicts(snapshot)
    dashboard.render(
        snapshot, verdicts, dashboard.access_url(c, target, snapshot, namespace), namespace
    )
    return dashboard.healthy(snapshot, verdicts)


def _ingress_controller_present(c: Context, target: Cluster) -> bool:
    return ok(
        c,
        target.kubectl(
            "get", f"deployment/{config.INGRESS_CONTROLLER}", namespace=config.INGRESS_NAMESPACE
        ),
    )


def _restart(c: Context, target: Cluster, namespace: str, components: list[str]) -> None:
    """Same image tag, new content: pods keep the old image until the Deployment rolls."""
    for component in components:
        step(f"restarting deployment/{component} to pick up the rebuilt image")
        run(c, target.kubectl("rollout", "restart", f"deployment/{component}", namespace=namespace))
        run(
            c,
            target.kubectl(
                "rollout",
                "status",
                f"deployment/{component}",
                "--timeout=300s",
                namespace=namespace,
            ),
        )


@task(
    iterable=["values", "set_"],
    help={
        **DEPLOY_HELP,
        "driver": "minikube --driver (optional)",
        "cluster": "minikube (default) | kind | current",
    },
)
@task_boundary
def setup(
    c: Context,
    cluster: str = "minikube",
    namespace: str = NS,
    values: list[str] | None = None,
    set_: list[str] | None = None,
    driver: str | None = None,
    force: bool = False,
) -> None:
    """One command from nothing to a running app: cluster, addons, images, release, status."""
    require("docker", "kubectl", "helm", *cluster_tool(cluster))
    target = resolve(cluster)
    changes: list[str] = []
    if cluster == "minikube":
        if ensure_minikube(c, driver):
            changes.append("started minikube")
        changes += [f"enabled addon {name}" for name in ensure_addons(c)]
    elif cluster == "kind" and ensure_kind(c):
        changes.append("created the kind cluster")
    require_reachable(c, target)
    if flavour(c, target) == "kind" and ensure_ingress_nginx(c, target):
        changes.append("installed ingress-nginx")
    if cluster == "minikube" or _ingress_controller_present(c, target):
        wait_for_ingress_controller(c, target)  # pitfall 8: the webhook must answer first
    else:
        warn(
            "no ingress-nginx controller found: the Ingress will not route; use port-forward "
            "(see `invoke status`) or install one"
        )
    existed = release.current(c, target, namespace) is not None
    rebuilt = build_images(c, target, list(config.IMAGES), force=force)
    changes += [f"rebuilt {name} image" for name in rebuilt]
    upgraded = release.deploy(c, target, namespace, values, set_, force=force)
    if upgraded:
        changes.append("deployed a new release revision")
    elif existed and rebuilt:
        # the release already names these sources, but the pods started from an older image
        _restart(c, target, namespace, [n for n in rebuilt if n in ("api", "frontend")])
    if changes:
        done("setup changed: " + "; ".join(changes))
    else:
        done("setup: no changes — cluster, addons, images and release were already in place")
    if not _show_status(c, target, namespace):
        raise UnhealthyError(
            "the release is deployed but not every service is healthy", "`invoke doctor` says why"
        )


@task(
    help={
        "cluster": "minikube | kind | current | none (local engine only)",
        "component": "api or frontend (default: both)",
        "force": "rebuild even if unchanged",
    }
)
@task_boundary
def build(
    c: Context, cluster: str = "current", component: str | None = None, force: bool = False
) -> None:
    """Build the images into the cluster's runtime (minikube engine, kind load, or local)."""
    require("docker", *cluster_tool(cluster))
    components = [component] if component else list(config.IMAGES)
    for name in components:
        if name not in config.IMAGES:
            raise TaskError(f"unknown component {name!r}", f"use one of {', '.join(config.IMAGES)}")
    target = None if cluster == "none" else resolve(cluster)
    rebuilt = build_images(c, target, components, force=force)
    done(f"images ready ({', '.join(rebuilt) or 'nothing rebuilt'})")


@task(
    iterable=["values", "set_"],
    help={
        **DEPLOY_HELP,
        "dry_run": "render and validate only (server-side when a cluster is reachable)",
    },
)
@task_boundary
def deploy(
    c: Context,
    cluster: str = "current",
    namespace: str = NS,
    values: list[str] | None = None,
    set_: list[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> None:
    """helm upgrade --install pakaura helm/pakaura --wait (skipped when nothing changed)."""
    require("helm", *(() if dry_run else ("kubectl",)))
    target = resolve(cluster)
    if not dry_run:
        require_reachable(c, target)
    release.deploy(c, target, namespace, values, set_, dry_run=dry_run, force=force)


@task(help={"cluster": CLUSTER_HELP, "namespace": NS_HELP})
@task_boundary
def status(c: Context, cluster: str = "current", namespace: str = NS) -> None:
    """Dashboard: release, pods, services, ingress, endpoints, URL, one verdict per service."""
    target = resolve(cluster)
    require_cluster(c, target, namespace, "kubectl", "helm")
    if not _show_status(c, target, namespace):
        raise UnhealthyError(
            "not every service is healthy", "`invoke doctor` says why and how to fix it"
        )


@task(
    help={
        "service": "api | frontend | postgresql | migrate",
        "follow": "stream new lines",
        "tail": "lines per container (default 100)",
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
    }
)
@task_boundary
def logs(
    c: Context,
    service: str,
    follow: bool = False,
    tail: int = 100,
    cluster: str = "current",
    namespace: str = NS,
) -> None:
    """Logs of every pod of one service (JSON lines from the API), prefixed with the pod name."""
    if service not in config.COMPONENTS:
        raise TaskError(
            f"unknown service {service!r}", f"use one of {', '.join(config.COMPONENTS)}"
        )
    require("kubectl")
    target = resolve(cluster)
    selector = f"app.kubernetes.io/instance={config.RELEASE},app.kubernetes.io/component={service}"
    argv = target.kubectl(
        "logs",
        "-l",
        selector,
        "--all-containers",
        "--prefix",
        f"--tail={tail}",
        "--max-log-requests=10",
        namespace=namespace,
    )
    if follow:
        argv.append("-f")
    run(c, argv, hide=False, fix=f"`invoke status -n {namespace}` shows whether {service} has pods")


@task(
    help={
        "purge_data": "also delete the database volume and the kept Secret, then the namespace",
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
    }
)
@task_boundary
def destroy(
    c: Context, cluster: str = "current", namespace: str = NS, purge_data: bool = False
) -> None:
    """Uninstall the release; keeps the database volume and Secret unless --purge-data."""
    require("kubectl", "helm")
    target = resolve(cluster)
    require_reachable(c, target)
    release.uninstall(c, target, namespace)
    selector = f"app.kubernetes.io/instance={config.RELEASE}"
    if purge_data:
        step("deleting the database volume(s), the kept Secret and the namespace")
        run(
            c,
            target.kubectl(
                "delete",
                "pvc,secret",
                "-l",
                selector,
                "--ignore-not-found",
                "--wait=true",
                namespace=namespace,
            ),
        )
        run(
            c, target.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true")
        )
        done(f"namespace {namespace} and all its data are gone")
        return
    kept = run(
        c,
        target.kubectl("get", "pvc,secret", "-l", selector, "-o", "name", namespace=namespace),
        check=False,
    ).stdout.split()
    console.print(f"kept in namespace {namespace}: {', '.join(kept) or 'nothing'}", highlight=False)
    console.print(
        "  the Secret (helm.sh/resource-policy: keep) holds the database password that "
        "matches the volume, so a reinstall finds your data; the namespace stays because "
        "it holds both. Remove everything with `invoke destroy --purge-data`."
    )


@task(
    help={
        "host": "address both servers listen on (default 127.0.0.1; 0.0.0.0 = every interface)",
        "api_port": "API port (default 8000, or $PAKAURA_API_PORT)",
        "web_port": "web app port (default 3000, or $PAKAURA_WEB_PORT)",
    }
)
@task_boundary
def dev(
    c: Context, host: str | None = None, api_port: int | None = None, web_port: int | None = None
) -> None:
    """API (SQLite) + web app on this machine, no cluster; Ctrl-C stops both."""
    code = run_dev(c, DevOptions.from_env(host, api_port, web_port))
    if code:
        raise Exit(code=code)


@task(
    help={
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
        "ingress_class": "ingress class the chart uses (default nginx)",
    }
)
@task_boundary
def doctor(
    c: Context, cluster: str = "current", namespace: str = NS, ingress_class: str = "nginx"
) -> None:
    """Diagnose a broken deployment and print the fix for each problem found."""
    target = resolve(cluster)
    require_cluster(c, target, namespace, "kubectl", "helm")
    findings = diagnose(c, target, namespace, ingress_class)
    errors = [f for f in findings if f.severity == "error"]
    for finding in findings:
        colour = "red" if finding.severity == "error" else "yellow"
        console.print(f"[bold {colour}]{finding.severity}:[/] {finding.problem}", highlight=False)
        console.print(f"  [bold]fix:[/] {finding.fix}", highlight=False)
    if errors:
        raise Exit(code=config.ExitCode.UNHEALTHY)
    where = flavour(c, target)
    done(
        f"no problems found in namespace {namespace}"
        + (f" ({where} cluster)" if where != "other" else "")
        + (f" ({len(findings)} warning(s))" if findings else "")
    )


@task(help={"check": "only verify infra/kubernetes/ is current (exit 1 if not)"})
@task_boundary
def manifests(c: Context, check: bool = False) -> None:
    """Regenerate the plain Kubernetes manifests in infra/kubernetes/ from the chart."""
    regenerate(c, check=check)


# --- day-2 operations: rollback, backup, restore --------------------------------------------------


@task(
    help={
        "revision": "revision to return to (default: the newest earlier one that deployed fine)",
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
    }
)
@task_boundary
def rollback(
    c: Context, revision: str | None = None, cluster: str = "current", namespace: str = NS
) -> None:
    """helm rollback to the previous good revision (or --revision N); waits like deploy."""
    target = resolve(cluster)
    require_cluster(c, target, namespace, "kubectl", "helm")
    if revision is not None and not str(revision).isdigit():
        raise TaskError(f"--revision must be a revision number, not {revision!r}")
    release_rollback.rollback(c, target, namespace, int(revision) if revision else None)


@task(
    help={
        "directory": "where to write the backup and its .sha256 (default backups/)",
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
    }
)
@task_boundary
def backup(
    c: Context, directory: str = "backups", cluster: str = "current", namespace: str = NS
) -> None:
    """pg_dump of the release's database to a checksummed file named with revision and version."""
    target = resolve(cluster)
    require_cluster(c, target, namespace, "kubectl", "helm")
    db_backup.backup(c, target, namespace, Path(directory))


@task(
    help={
        "file": "a backup written by `invoke backup` (its .sha256 must be beside it)",
        "yes": "do not ask for confirmation",
        "cluster": CLUSTER_HELP,
        "namespace": NS_HELP,
    }
)
@task_boundary
def restore(
    c: Context, file: str, yes: bool = False, cluster: str = "current", namespace: str = NS
) -> None:
    """Replace the release's database with a backup (checked first; asks unless --yes)."""
    checked = db_backup.check(Path(file))  # a damaged file is refused before anything is touched
    target = resolve(cluster)
    require_cluster(c, target, namespace, "kubectl", "helm")
    db_backup.restore(c, target, namespace, checked, yes=yes)
