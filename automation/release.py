"""The Helm release: install/upgrade with an inputs digest so unchanged re-runs are a no-op."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invoke.context import Context

from . import config, kube
from .cluster import Cluster, reachable
from .console import console, done, skipped, step, warn
from .errors import TaskError
from .images import source_digest
from .shell import run, run_json


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    revision: int
    status: str
    chart: str
    description: str


def inputs_digest(values: list[str], sets: list[str], root: Path | None = None) -> str:
    """Digest of everything that shapes the release: chart files, values files, --set, images."""
    root = root or config.ROOT
    digest = hashlib.sha256()
    chart = root / config.CHART
    for path in sorted(p for p in chart.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for value_file in values:
        path = Path(value_file)
        digest.update(b"values\0" + (path.read_bytes() if path.exists() else value_file.encode()))
    for item in sets:
        digest.update(b"set\0" + item.encode())
    for component in config.IMAGES:
        digest.update(source_digest(component, root).encode())
    return digest.hexdigest()[:16]


def current(c: Context, target: Cluster, namespace: str) -> Release | None:
    """The latest revision of the release, or None when it is not installed."""
    history = run(
        c,
        target.helm("history", config.RELEASE, "--max", "1", "-o", "json", namespace=namespace),
        check=False,
    )
    if history.failed:
        if "not found" in (history.stderr or "").lower():
            return None
        raise TaskError(
            f"helm could not read release {config.RELEASE}: {(history.stderr or '').strip()}",
            "check the cluster with `invoke doctor`",
        )
    entries = json.loads(history.stdout or "[]")
    if not entries:
        return None
    latest = entries[-1]
    return Release(
        config.RELEASE,
        namespace,
        int(latest.get("revision", 0)),
        str(latest.get("status", "")),
        str(latest.get("chart", "")),
        str(latest.get("description", "")),
    )


def deploy(
    c: Context,
    target: Cluster,
    namespace: str,
    values: list[str] | None = None,
    sets: list[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> bool:
    """helm upgrade --install; returns True when a new revision was made (False: no changes)."""
    values, sets = list(values or []), list(sets or [])
    for value_file in values:
        if not Path(value_file).is_file():
            raise TaskError(f"values file {value_file} not found", "pass an existing --values FILE")
    digest = inputs_digest(values, sets)
    argv = target.helm(
        "upgrade",
        "--install",
        config.RELEASE,
        str(config.ROOT / config.CHART),
        "--create-namespace",
        namespace=namespace,
    )
    # The pod templates carry their image's source digest, so a rebuilt image (same tag) rolls its
    # Deployment through Helm instead of leaving pods on the old content.
    for component in config.IMAGES:
        argv += [
            "--set-string",
            f"{component}.podAnnotations.pakaura/source-digest={source_digest(component)}",
        ]
    for value_file in values:
        argv += ["--values", value_file]
    for item in sets:
        argv += ["--set", item]

    if dry_run:
        # lookup() (the kept Secret) only works against a live API server (pitfall 6)
        server = reachable(c, target)
        if server:
            argv += ["--dry-run=server", "--debug"]
        else:
            warn("no cluster reachable: client-side dry run; generated secrets will look new")
            # `upgrade --install` reads the release history even client-side; `install` does not
            argv = ["install" if part == "upgrade" else part for part in argv]
            argv.remove("--install")
            argv += ["--dry-run=client", "--debug"]
        step("rendering the release (dry run, nothing is changed)")
        result = run(c, argv, fix="fix the values reported above")
        console.print(result.stdout, markup=False, highlight=False)
        return False

    existing = current(c, target, namespace)
    marker = config.DEPLOY_DIGEST_PREFIX + digest
    if existing and existing.status == "deployed" and marker in existing.description and not force:
        skipped(
            f"release {config.RELEASE} revision {existing.revision} matches chart, values and "
            "images — no changes"
        )
        return False
    if existing and existing.status.startswith("pending"):
        raise TaskError(
            f"release {config.RELEASE} is {existing.status} (another operation is running or died)",
            f"wait, or roll back with `helm rollback {config.RELEASE} -n {namespace}`",
        )
    argv += ["--wait", "--timeout", config.HELM_TIMEOUT, "--description", marker]
    action = "upgrading" if existing else "installing"
    step(
        f"{action} release {config.RELEASE} in namespace {namespace} "
        f"(waits up to {config.HELM_TIMEOUT})"
    )
    with console.status(f"helm {action} {config.RELEASE} …"):
        run(c, argv, fix="run `invoke doctor` to see which pod is not ready and why")
    after = current(c, target, namespace)
    done(f"release {config.RELEASE} deployed (revision {after.revision if after else '?'})")
    if after:
        wait_for_migration(c, target, namespace, after.revision)
    return True


def wait_for_migration(c: Context, target: Cluster, namespace: str, revision: int) -> None:
    """Block until the revision's migration Job has finished; a failed one is an error with its
    last log lines. `helm --wait` covers Deployments and StatefulSets but not Jobs, so without
    this `setup` would judge a migration that is still running (~11 s on a real node)."""
    name = config.migration_job(revision)
    started = time.monotonic()
    deadline = started + config.MIGRATION_TIMEOUT_SECONDS
    announced = False
    while True:
        result = run(
            c, target.kubectl("get", f"job/{name}", "-o", "json", namespace=namespace), check=False
        )
        if result.failed:
            if "notfound" in (result.stderr or "").replace(" ", "").lower():
                return  # migrations disabled, or the Job finished and its TTL removed it
            raise TaskError(
                f"could not read migration job {name}: {(result.stderr or '').strip()}",
                "check the cluster with `invoke doctor`",
            )
        job = json.loads(result.stdout or "{}")
        if kube.job_succeeded(job):
            if announced:
                done(f"migration {name} completed in {time.monotonic() - started:.0f} s")
            return
        if kube.job_failed(job):
            tail = kube.job_log_tail(c, target, name, namespace, 10)
            if tail:
                console.print(tail, markup=False, highlight=False)
            raise TaskError(
                f"migration {name} failed",
                "its last log lines are above (`invoke logs migrate`); fix the cause, then "
                "`invoke deploy` again",
            )
        if time.monotonic() >= deadline:
            raise TaskError(
                f"migration {name} still running after {config.MIGRATION_TIMEOUT_SECONDS} s",
                "`invoke logs migrate` shows what it is waiting for",
            )
        if not announced:
            step(f"waiting for migration {name} to finish")
            announced = True
        time.sleep(config.MIGRATION_POLL_SECONDS)


def uninstall(c: Context, target: Cluster, namespace: str) -> bool:
    if current(c, target, namespace) is None:
        skipped(f"release {config.RELEASE} is not installed in {namespace}")
        return False
    step(f"uninstalling release {config.RELEASE}")
    run(c, target.helm("uninstall", config.RELEASE, "--wait", namespace=namespace))
    done(f"release {config.RELEASE} uninstalled")
    return True


def values_of(c: Context, target: Cluster, namespace: str) -> dict[str, Any]:
    """The computed values of the deployed release (used by doctor and status)."""
    return (
        run_json(
            c,
            target.helm(
                "get", "values", config.RELEASE, "--all", "-o", "json", namespace=namespace
            ),
        )
        or {}
    )
