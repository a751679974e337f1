"""US4 — Persistent data: tasks and conversations survive a PostgreSQL restart, the deletion of
every pod, and an uninstall + reinstall (the kept Secret and PVC bring the same database back)."""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from support import SECRET, App, Cluster, unique

pytestmark = [pytest.mark.usefixtures("release"), pytest.mark.runtime]


def _user_with_a_task(release: Cluster) -> tuple[dict[str, Any], str, str]:
    with release.port_forward("svc/api", 8000) as url:
        app = App(url)
        app.wait_healthy()
        user = app.signup()
        title = unique("persistence check")
        app.create_task(title)
        conversation = app.chat(f"Add a task to {unique('remember the volume')}")["conversation_id"]
    return user, title, conversation


def _assert_still_there(
    release: Cluster, user: dict[str, Any], title: str, conversation: str
) -> None:
    release.wait_release_ready()
    with release.port_forward("svc/api", 8000) as url:
        app = App(url)
        app.wait_healthy(timeout=120)
        app.login(user["email"], user["password"])
        assert title in [task["title"] for task in app.tasks()]
        messages = app.request("GET", f"/api/v1/conversations/{conversation}/messages")
        assert messages.status_code == 200
        assert len(messages.json()) >= 2


def test_tasks_survive_a_postgresql_pod_restart(release: Cluster) -> None:
    user, title, conversation = _user_with_a_task(release)
    release.core.delete_namespaced_pod("postgresql-0", release.namespace)
    _assert_still_there(release, user, title, conversation)


def test_tasks_survive_deleting_every_pod(release: Cluster) -> None:
    user, title, conversation = _user_with_a_task(release)
    release.core.delete_collection_namespaced_pod(
        release.namespace, label_selector="app.kubernetes.io/instance=pakaura"
    )
    _assert_still_there(release, user, title, conversation)


def test_tasks_and_conversations_survive_uninstall_and_reinstall(release: Cluster) -> None:
    user, title, conversation = _user_with_a_task(release)
    supplied = release.helm(
        "get", "values", "pakaura", "-n", release.namespace, "-o", "yaml"
    ).stdout
    pvcs_before = {
        p.metadata.name
        for p in release.core.list_namespaced_persistent_volume_claim(release.namespace).items
    }
    assert pvcs_before

    release.helm("uninstall", "pakaura", "-n", release.namespace, "--wait")
    assert release.release_status() is None
    # kept on purpose: the data volume, and the Secret whose password matches it (pitfall 5)
    release.core.read_namespaced_secret(SECRET, release.namespace)
    pvcs_after = {
        p.metadata.name
        for p in release.core.list_namespaced_persistent_volume_claim(release.namespace).items
    }
    assert pvcs_after == pvcs_before

    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values:
        values.write(supplied if supplied.strip() not in ("null", "") else "{}\n")
        values.flush()
        result = release.invoke("deploy", "--namespace", release.namespace, "--values", values.name)
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_still_there(release, user, title, conversation)
