"""Day 2 — an external PostgreSQL: a release installed with `postgresql.enabled=false` against a
PostgreSQL server outside the chart, the way a managed server or CloudNativePG's `<cluster>-rw`
Service is used.

The server runs in a namespace of its own (the chart's PostgreSQL image, taken from the suite's
release, so it is already on the node or in kind); the release gets a namespace of its own too
(one API and one web pod, no Ingress), so the suite's release is never touched. Its password comes
from a Secret the user made (`externalDatabase.existingSecret`, under a key name that is not the
default), and its database and user are not the chart's defaults either, so each value has to
reach every pod. Checked: nothing of the in-cluster database is rendered (no StatefulSet, Service
or volume), the migration Job completes against the external server, the API is ready (its answer
names the server's schema revision), signs up a user and stores a task whose rows are in that
server, and the NetworkPolicies let the API and the Job reach exactly that server's namespace on
its port. kind's kindnet enforces NetworkPolicies, the real node's bridge CNI does not: the API
answering proves the rule on the first, the rendered rule is checked on both. Then the schema is
stamped with a revision the code does not know, as after `invoke rollback` to an older image: the
next migration Job leaves it alone and succeeds, and the API stays ready, naming that revision.
Both namespaces are gone afterwards (deleted after a failure's evidence has been written)."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from support import INSTANCE, RELEASE, App, Cluster, elapsed, poll, unique

pytestmark = [pytest.mark.usefixtures("release"), pytest.mark.runtime]

SERVER = "pakaura-db"  # the server's Deployment, and the Secret with its password (both namespaces)
SERVICE = "pakaura-db-rw"  # named like CloudNativePG's read-write Service
PORT = 5432
DATABASE, USER = "pakaura_ext", "pakaura_app"  # not the defaults: each value must reach the pods
PASSWORD_KEY = "app-password"  # not `password`, the chart's default key name
MAX_CONNECTIONS = 60  # the server's max_connections, given to the chart's connection budget
NEWER = "9f3e1c0a7b2d"  # a revision id no version of the API ships: "a newer version migrated it"
LABELS = {
    "app.kubernetes.io/name": "external-postgresql",
    "app.kubernetes.io/part-of": "pakaura-acceptance",
}
SELECTOR = ",".join(f"{key}={value}" for key, value in LABELS.items())
FIGURE = "external database: "

Evidence = Callable[[Cluster, str], None]


@dataclass
class Server:
    """The PostgreSQL outside the chart: where it runs and how the release reaches it."""

    cluster: Cluster  # scoped to the server's namespace
    host: str
    password: str

    def psql(self, sql: str) -> list[str]:
        """Rows of one query, run inside the server's pod as the application user."""
        out = self.cluster.kubectl(
            "-n",
            self.cluster.namespace,
            "exec",
            f"deploy/{SERVER}",
            "-c",
            "postgresql",
            "--",
            "psql",
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            USER,
            "-d",
            DATABASE,
            "-c",
            sql,
        )
        return out.splitlines()


def _namespace(release: Cluster, name: str, request: pytest.FixtureRequest) -> Cluster:
    """A fresh namespace (deleted, and waited for, in the test's teardown) and a handle on it."""
    labels = {"app.kubernetes.io/part-of": "pakaura-acceptance"}
    release.core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=labels))
    )
    request.addfinalizer(lambda: _delete_namespace(release, name))
    return Cluster(release.kubeconfig, release.context, name, name=release.name)


def _delete_namespace(release: Cluster, name: str) -> None:
    try:
        release.core.delete_namespace(name)
    except client.ApiException as error:
        if error.status != 404:
            raise
    poll(
        lambda: name not in {n.metadata.name for n in release.core.list_namespace().items},
        f"namespace {name} to be deleted",
        300,
        2,
    )


def _password_secret(cluster: Cluster, password: str) -> None:
    cluster.core.create_namespaced_secret(
        cluster.namespace,
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": SERVER, "labels": LABELS},
            "type": "Opaque",
            "stringData": {PASSWORD_KEY: password},
        },
    )


def _server_objects(release: Cluster) -> tuple[dict[str, Any], dict[str, Any]]:
    """Deployment and Service of the server: the image, resources and security settings of the
    suite's own PostgreSQL (restricted Pod Security), data on an emptyDir."""
    live = release.apps.read_namespaced_stateful_set("postgresql", release.namespace)
    template = live.spec.template.spec
    [container] = [c for c in template.containers if c.name == "postgresql"]
    as_dict = release.api.sanitize_for_serialization
    mounts = {
        "data": "/var/lib/postgresql/data",
        "run": "/var/run/postgresql",
        "tmp": "/tmp",  # noqa: S108 (mount points inside the container)
        "dshm": "/dev/shm",  # noqa: S108
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": SERVER, "labels": LABELS},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": as_dict(template.security_context),
                    "containers": [
                        {
                            "name": "postgresql",
                            "image": container.image,
                            "imagePullPolicy": container.image_pull_policy,
                            "args": ["postgres", "-c", f"max_connections={MAX_CONNECTIONS}"],
                            "ports": [{"name": "postgresql", "containerPort": PORT}],
                            "env": [
                                {"name": "POSTGRES_DB", "value": DATABASE},
                                {"name": "POSTGRES_USER", "value": USER},
                                {
                                    "name": "POSTGRES_PASSWORD",
                                    "valueFrom": {
                                        "secretKeyRef": {"name": SERVER, "key": PASSWORD_KEY}
                                    },
                                },
                                {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                            ],
                            "securityContext": as_dict(container.security_context),
                            "resources": as_dict(container.resources),
                            # over TCP: the entrypoint's first, socket-only server is not ready
                            "readinessProbe": {
                                "exec": {
                                    "command": [
                                        "pg_isready",
                                        "-h",
                                        "127.0.0.1",
                                        "-U",
                                        USER,
                                        "-d",
                                        DATABASE,
                                    ]
                                },
                                "periodSeconds": 2,
                                "failureThreshold": 60,
                            },
                            "volumeMounts": [
                                {"name": name, "mountPath": path} for name, path in mounts.items()
                            ],
                        }
                    ],
                    "volumes": [{"name": name, "emptyDir": {}} for name in mounts],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": SERVICE, "labels": LABELS},
        "spec": {
            "selector": LABELS,
            "ports": [{"name": "postgresql", "port": PORT, "targetPort": PORT}],
        },
    }
    return deployment, service


@dataclass
class Stopwatch:
    start: float
    cleanup_from: float | None = None  # when the test's checks were done


@pytest.fixture
def stopwatch(figures: dict[str, Any]) -> Iterator[Stopwatch]:
    """Set up first, torn down last: the test's whole duration, and how long the cleanup took."""
    watch = Stopwatch(time.monotonic())
    yield watch
    if watch.cleanup_from is not None:
        figures[FIGURE + "cleanup: release destroyed, both namespaces gone (s)"] = round(
            time.monotonic() - watch.cleanup_from, 1
        )
    figures[FIGURE + "whole test, setup to cleanup (s)"] = elapsed(watch.start)


@pytest.fixture
def server(
    release: Cluster,
    stopwatch: Stopwatch,
    figures: dict[str, Any],
    request: pytest.FixtureRequest,
    evidence_from: Evidence,
) -> Server:
    """A PostgreSQL server in a namespace of its own, ready; the namespace goes after the test."""
    scoped = _namespace(release, f"pakaura-extdb-{uuid.uuid4().hex[:6]}-pg", request)
    evidence_from(scoped, SELECTOR)
    password = secrets.token_urlsafe(24)
    _password_secret(scoped, password)
    deployment, service = _server_objects(release)
    scoped.apps.create_namespaced_deployment(scoped.namespace, deployment)
    scoped.core.create_namespaced_service(scoped.namespace, service)

    def ready() -> bool:
        live = scoped.apps.read_namespaced_deployment(SERVER, scoped.namespace)
        return (live.status.ready_replicas or 0) == 1

    poll(ready, f"the external PostgreSQL in {scoped.namespace} to be ready", 180, 2)
    figures[FIGURE + "server outside the chart ready (s)"] = elapsed(stopwatch.start)
    return Server(scoped, f"{SERVICE}.{scoped.namespace}.svc.cluster.local", password)


@pytest.fixture
def app_namespace(
    release: Cluster, server: Server, request: pytest.FixtureRequest, evidence_from: Evidence
) -> Iterator[Cluster]:
    """The second release's namespace, holding the Secret the user made for the chart. After
    the test `invoke destroy --purge-data` removes the release and the namespace, as a user
    would (then the namespace's deletion is waited for)."""
    name = server.cluster.namespace.removesuffix("-pg") + "-app"
    scoped = _namespace(release, name, request)
    evidence_from(scoped, INSTANCE)
    _password_secret(scoped, server.password)
    yield scoped
    destroyed = scoped.invoke("destroy", "--purge-data", "--namespace", scoped.namespace)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr


def _values(server: Server, path: Path) -> Path:
    values = {
        "postgresql": {"enabled": False},
        "externalDatabase": {
            "host": server.host,
            "port": PORT,
            "database": DATABASE,
            "user": USER,
            "existingSecret": SERVER,
            "existingSecretPasswordKey": PASSWORD_KEY,
            "sslMode": "disable",  # the stand-in serves no TLS; managed servers: require
            "maxConnections": MAX_CONNECTIONS,
        },
        # egress to the server's namespace only (kindnet enforces it; bridge CNI ignores it)
        "networkPolicy": {
            "egress": {
                "externalDatabase": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": server.cluster.namespace}
                        }
                    }
                ]
            }
        },
        # the suite's release owns pakaura.local; one pod each keeps this one light
        "ingress": {"enabled": False},
        "api": {"replicaCount": 1},
        "frontend": {"replicaCount": 1},
    }
    path.write_text(json.dumps(values, indent=2))  # JSON is YAML: a values file
    return path


def _password_ref(env: list[Any]) -> dict[str, str]:
    [entry] = [e for e in env or [] if e.name == "DB_PASSWORD"]
    ref = entry.value_from.secret_key_ref
    return {"name": ref.name, "key": ref.key}


def _egress_to_database(policy: client.V1NetworkPolicy, cluster: Cluster) -> list[Any]:
    """The `to` peers of the policy's egress rules on the database port (as plain dicts)."""
    rules = cluster.api.sanitize_for_serialization(policy.spec).get("egress", [])
    return [
        rule.get("to") for rule in rules if rule.get("ports") == [{"port": PORT, "protocol": "TCP"}]
    ]


def test_release_runs_against_a_postgresql_outside_the_chart(
    server: Server,
    app_namespace: Cluster,
    stopwatch: Stopwatch,
    figures: dict[str, Any],
    tmp_path: Path,
) -> None:
    scoped, namespace = app_namespace, app_namespace.namespace

    # --- install: the project's own deploy, postgresql.enabled=false --------------------------
    start = time.monotonic()
    result = scoped.invoke(
        "deploy", "--namespace", namespace, "--values", str(_values(server, tmp_path / "v.yaml"))
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures[FIGURE + "install: invoke deploy incl. migration (s)"] = elapsed(start)
    scoped.wait_release_ready()
    status = scoped.invoke("status", "--namespace", namespace)
    assert status.returncode == 0, status.stdout + status.stderr
    assert re.search(r"postgresql +✓ healthy +external database", status.stdout), status.stdout

    # --- nothing of the in-cluster database ---------------------------------------------------
    manifest = scoped.helm("get", "manifest", RELEASE, "-n", namespace).stdout
    kinds = set(re.findall(r"^kind: (\w+)$", manifest, re.MULTILINE))
    assert {"Deployment", "Job", "NetworkPolicy"} <= kinds, kinds
    assert not kinds & {"StatefulSet", "PersistentVolumeClaim"}, kinds
    assert scoped.apps.list_namespaced_stateful_set(namespace).items == []
    assert scoped.core.list_namespaced_persistent_volume_claim(namespace).items == []
    services = {s.metadata.name for s in scoped.core.list_namespaced_service(namespace).items}
    assert "postgresql" not in services, services

    # --- every pod is pointed at the server, with the user's Secret ---------------------------
    config = scoped.core.read_namespaced_config_map(f"{RELEASE}-config", namespace).data
    assert {k: config[k] for k in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "PGSSLMODE")} == {
        "DB_HOST": server.host,
        "DB_PORT": str(PORT),
        "DB_NAME": DATABASE,
        "DB_USER": USER,
        "PGSSLMODE": "disable",
    }
    api = scoped.apps.read_namespaced_deployment("api", namespace)
    [job] = scoped.batch.list_namespaced_job(namespace).items
    for spec in (api.spec.template.spec, job.spec.template.spec):
        [container] = spec.containers
        assert _password_ref(container.env) == {"name": SERVER, "key": PASSWORD_KEY}

    # --- the migration Job completed against the external server ------------------------------
    assert job.status.succeeded == 1, job.status
    logs = scoped.kubectl("-n", namespace, "logs", f"job/{job.metadata.name}")
    assert f"@{server.host}:{PORT}/{DATABASE}" in logs, logs
    assert '"migrate.done"' in logs, logs
    [revision] = server.psql("SELECT version_num FROM alembic_version")

    # --- the API is ready, signs up a user and stores a task: the rows are in the server ------
    with scoped.port_forward("svc/api", 8000) as url:
        app = App(url)
        app.wait_healthy(timeout=120)
        ready = app.request("GET", "/api/v1/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["schema"] == revision, ready.json()
        user = app.signup()
        title = unique("stored in the external database")
        app.create_task(title)
        assert title in [task["title"] for task in app.tasks()]
    # the server holds this test's rows only: every task with its owner
    rows = server.psql("SELECT u.email, t.title FROM tasks t JOIN users u ON u.id = t.user_id")
    assert rows == [f"{user['email']}|{title}"]
    connections = server.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND usename = current_user AND datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    assert int(connections[0]) >= 1, "the API holds no pooled connection to the server"
    figures[FIGURE + "API connections open on the server"] = int(connections[0])

    # --- NetworkPolicies: the API and the Job may reach that namespace on its port ------------
    networking = client.NetworkingV1Api(scoped.api)
    policies = {
        p.metadata.name: p for p in networking.list_namespaced_network_policy(namespace).items
    }
    assert f"{RELEASE}-postgresql" not in policies, sorted(policies)
    peer = {
        "namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": server.cluster.namespace}
        }
    }
    for component in ("api", "migrate"):
        assert _egress_to_database(policies[f"{RELEASE}-{component}"], scoped) == [[peer]]

    # --- the code meets a schema a newer version migrated (what `invoke rollback` makes) ------
    server.psql(f"UPDATE alembic_version SET version_num = '{NEWER}'")  # noqa: S608 (constant)
    start = time.monotonic()
    result = scoped.invoke(
        "deploy", "--force", "--namespace", namespace, "--values", str(tmp_path / "v.yaml")
    )
    assert result.returncode == 0, result.stdout + result.stderr  # its migration Job succeeded
    figures[FIGURE + "schema ahead of the code: deploy --force incl. migration (s)"] = elapsed(
        start
    )
    logs = scoped.kubectl("-n", namespace, "logs", f"job/{RELEASE}-migrate-2")
    assert '"migrate.schema_ahead"' in logs, logs
    assert '"migrate.done"' not in logs, logs
    assert server.psql("SELECT version_num FROM alembic_version") == [NEWER]
    with scoped.port_forward("svc/api", 8000) as url:
        app = App(url)
        app.wait_healthy(timeout=60)
        ready = app.request("GET", "/api/v1/health/ready").json()
        assert ready["schema"] == NEWER, ready
        assert "ahead of this version" in ready["detail"], ready
        app.login(user["email"], user["password"])
        assert title in [task["title"] for task in app.tasks()]
    stopwatch.cleanup_from = time.monotonic()
