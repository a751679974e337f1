"""`helm rollback` to the last revision that deployed successfully (or a chosen one), then the
same waits as deploy: every Deployment/StatefulSet ready (helm --wait) and the new revision's
migration Job finished (a rollback is a new revision, so the chart starts a new Job)."""

from __future__ import annotations

import json
from typing import Any

from invoke.context import Context

from . import config
from .cluster import Cluster
from .console import console, done, step
from .errors import TaskError
from .release import Release, current, wait_for_migration
from .shell import run

# helm marks a revision that was replaced after deploying fine as "superseded"
GOOD = ("superseded", "deployed")


def history(c: Context, target: Cluster, namespace: str) -> list[dict[str, Any]]:
    result = run(
        c,
        target.helm("history", config.RELEASE, "-o", "json", namespace=namespace),
        fix="check the cluster with `invoke doctor`",
    )
    return list(json.loads(result.stdout or "[]"))


def choose(entries: list[dict[str, Any]], now: Release, wanted: int | None) -> int:
    """The revision to return to: `wanted`, or the newest earlier one that deployed fine."""
    revisions = {int(e.get("revision", 0)): str(e.get("status", "")) for e in entries}
    if wanted is not None:
        if wanted == now.revision:
            raise TaskError(
                f"revision {wanted} is the current revision of release {config.RELEASE}",
                "pick an earlier one (`helm history pakaura` lists them)",
            )
        if wanted not in revisions:
            known = ", ".join(str(r) for r in sorted(revisions)) or "none"
            raise TaskError(
                f"release {config.RELEASE} has no revision {wanted} (kept revisions: {known})",
                "pick one of those with --revision",
            )
        return wanted
    earlier = [r for r, status in revisions.items() if r < now.revision and status in GOOD]
    if not earlier:
        raise TaskError(
            f"release {config.RELEASE} has no earlier revision that deployed successfully "
            f"(current: revision {now.revision})",
            "nothing to roll back to; `invoke deploy` with the values you want instead",
        )
    return max(earlier)


def rollback(c: Context, target: Cluster, namespace: str, revision: int | None = None) -> int:
    """Roll back and wait; returns the new revision number."""
    now = current(c, target, namespace)
    if now is None:
        raise TaskError(
            f"release {config.RELEASE} is not installed in namespace {namespace}",
            "`invoke deploy` installs it; `--namespace` picks another",
        )
    if now.status.startswith("pending"):
        raise TaskError(
            f"release {config.RELEASE} is {now.status} (another operation is running or died)",
            "wait for it to finish, then retry",
        )
    to = choose(history(c, target, namespace), now, revision)
    step(
        f"rolling back release {config.RELEASE} from revision {now.revision} to {to} "
        f"(waits up to {config.HELM_TIMEOUT})"
    )
    argv = target.helm(
        "rollback",
        config.RELEASE,
        str(to),
        "--wait",
        "--timeout",
        config.HELM_TIMEOUT,
        namespace=namespace,
    )
    with console.status(f"helm rollback {config.RELEASE} {to} …"):
        run(c, argv, fix="run `invoke doctor` to see which pod is not ready and why")
    after = current(c, target, namespace)
    new = after.revision if after else now.revision + 1
    done(f"release {config.RELEASE} is back on revision {to}'s chart and values (revision {new})")
    wait_for_migration(c, target, namespace, new)
    return new
