"""Day 2 — backup and restore: `invoke backup` of a release with tasks and a conversation,
`invoke destroy --purge-data` (the database volume and its Secret are gone), a fresh install,
`invoke restore FILE --yes`: every task and message is back, read by the API pods that were
running before the restore (no restart). A truncated backup is refused with one line and changes
nothing."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from support import App, Cluster, elapsed, poll, unique

pytestmark = [pytest.mark.usefixtures("release"), pytest.mark.runtime]

Snapshot = dict[str, Any]


def _snapshot(app: App, conversation: int) -> Snapshot:
    """What the user sees: every task, every conversation, every message of the conversation."""
    tasks = app.tasks()
    conversations = app.request("GET", "/api/v1/conversations")
    messages = app.request("GET", f"/api/v1/conversations/{conversation}/messages")
    assert conversations.status_code == 200, conversations.text
    assert messages.status_code == 200, messages.text
    return {
        "tasks": sorted(tasks, key=lambda t: int(t["id"])),
        "conversations": conversations.json(),
        "messages": messages.json(),
    }


def _api(release: Cluster) -> Any:
    return release.port_forward("svc/api", 8000)


def _restore(release: Cluster, file: Path) -> Any:
    return release.invoke("restore", str(file), "--yes", "--namespace", release.namespace)


def _refused(result: Any, reason: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout  # one line
    assert lines[0].startswith("error: refusing "), lines
    assert reason in lines[0]
    assert lines[0].endswith("nothing was changed")


def _namespace_exists(release: Cluster) -> bool:
    return release.namespace in {n.metadata.name for n in release.core.list_namespace().items}


def _api_pods(release: Cluster) -> dict[str, int]:
    return {
        p.metadata.name: sum(s.restart_count for s in p.status.container_statuses or [])
        for p in release.pods("api")
        if p.metadata.deletion_timestamp is None
    }


def test_backup_purge_reinstall_restore_brings_every_task_and_message_back(
    release: Cluster, figures: dict[str, Any], tmp_path: Path
) -> None:
    # --- data worth keeping -------------------------------------------------------------------
    with _api(release) as url:
        app = App(url)
        app.wait_healthy()
        user = app.signup()
        for n in range(3):
            app.create_task(unique(f"backed up task {n}"))
        conversation = int(
            app.chat(f"Add a task to {unique('restore the backup')}")["conversation_id"]
        )
        app.chat("Show my tasks", conversation)
        before = _snapshot(app, conversation)
    assert len(before["tasks"]) == 4
    assert len(before["messages"]) >= 4

    # --- invoke backup ------------------------------------------------------------------------
    start = time.monotonic()
    result = release.invoke(
        "backup", "--namespace", release.namespace, "--directory", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures["invoke backup (s)"] = elapsed(start)
    [backup] = sorted(tmp_path.glob("*.sql.gz"))
    revision = release.revision()
    assert backup.name.startswith(f"pakaura-{release.namespace}-r{revision}-v")
    checksum = backup.with_name(backup.name + ".sha256")
    assert checksum.read_text().split()[0] == hashlib.sha256(backup.read_bytes()).hexdigest()
    figures["backup size"] = f"{backup.stat().st_size} bytes ({backup.name})"

    # --- a truncated backup is refused and changes nothing ------------------------------------
    with _api(release) as url:
        app = App(url)
        app.wait_healthy()
        app.login(user["email"], user["password"])
        later = app.create_task(unique("written after the backup"))  # a restore would drop it
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    cut = damaged / backup.name
    cut.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    shutil.copy(checksum, damaged / checksum.name)
    _refused(_restore(release, cut), "checksum mismatch")
    # cut AND given a matching checksum: its gzip stream still ends too early
    (damaged / checksum.name).write_text(hashlib.sha256(cut.read_bytes()).hexdigest() + "\n")
    _refused(_restore(release, cut), "not a complete gzip file")
    with _api(release) as url:
        app = App(url)
        app.wait_healthy()
        app.login(user["email"], user["password"])
        assert later["id"] in [task["id"] for task in app.tasks()]

    # --- everything gone, then a fresh install ------------------------------------------------
    start = time.monotonic()
    result = release.invoke("destroy", "--purge-data", "--namespace", release.namespace)
    assert result.returncode == 0, result.stdout + result.stderr
    poll(
        lambda: release.namespace
        not in {n.metadata.name for n in release.core.list_namespace().items},
        f"namespace {release.namespace} to be deleted",
        300,
        2,
    )
    result = release.invoke("deploy", "--namespace", release.namespace)
    assert result.returncode == 0, result.stdout + result.stderr
    release.wait_release_ready()
    figures["destroy --purge-data + deploy (s)"] = elapsed(start)
    with _api(release) as url:
        app = App(url)
        app.wait_healthy(timeout=120)
        gone = app.request(
            "POST",
            "/api/v1/auth/login",
            json={"email": user["email"], "password": user["password"]},
        )
        assert gone.status_code == 401, "the purge left the user behind"

    # --- invoke restore -----------------------------------------------------------------------
    serving = _api_pods(release)
    start = time.monotonic()
    result = _restore(release, backup)
    assert result.returncode == 0, result.stdout + result.stderr
    figures["invoke restore (s)"] = elapsed(start)
    assert "restored " in result.stdout
    with _api(release) as url:
        app = App(url)
        app.wait_healthy()
        app.login(user["email"], user["password"])  # the new release signs with a new secret
        after = _snapshot(app, conversation)
    assert after == before  # every task and message, as they were at the backup
    assert _api_pods(release) == serving, "the API pods were restarted or replaced"
