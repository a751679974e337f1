"""The spec's functional requirements (FR-002 … FR-007) and issue 4, line by line, on the default
render (`helm install pakaura ./helm/pakaura` with no flags)."""

from __future__ import annotations

from typing import Any

import yaml

from .rendering import CHART, ROOT, containers, count, find, pod_spec, render

# Spec resource table (limits) and values sketch (requests).
RESOURCES = {
    ("Deployment", "frontend"): (
        {"memory": "256Mi", "cpu": "250m"},
        {"memory": "128Mi", "cpu": "100m"},
    ),
    ("Deployment", "api"): ({"memory": "512Mi", "cpu": "500m"}, {"memory": "256Mi", "cpu": "250m"}),
    ("StatefulSet", "postgresql"): (
        {"memory": "512Mi", "cpu": "500m"},
        {"memory": "256Mi", "cpu": "250m"},
    ),
    ("Job", "pakaura-migrate-1"): (
        {"memory": "256Mi", "cpu": "250m"},
        {"memory": "128Mi", "cpu": "100m"},
    ),
}
SECRET_KEYS = {"DB_PASSWORD", "JWT_SECRET", "COHERE_API_KEY"}


def container(doc: dict[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(doc)
    assert spec is not None
    return next(c for c in containers(spec) if c["name"] == name)


def env_sources(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in item.get("env", [])}


def test_fr002_replicas_and_workload_kinds(defaults: list[dict[str, Any]]) -> None:
    assert find(defaults, "Deployment", "frontend")["spec"]["replicas"] == 2
    assert find(defaults, "Deployment", "api")["spec"]["replicas"] == 2
    postgres = find(defaults, "StatefulSet", "postgresql")
    assert postgres["spec"]["replicas"] == 1
    assert postgres["spec"]["serviceName"] == "postgresql"
    count("FR assertions", 4)


def test_fr002_postgres_volume_claim(defaults: list[dict[str, Any]]) -> None:
    postgres = find(defaults, "StatefulSet", "postgresql")
    (claim,) = postgres["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "storageClassName" not in claim["spec"], "empty storageClass must mean cluster default"
    other = render(("--set", "postgresql.persistence.storageClass=fast"))
    (claim,) = find(other, "StatefulSet", "postgresql")["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "fast"
    count("FR assertions", 5)


def test_postgres_runs_as_alpine_postgres_with_pgdata_subdirectory(
    defaults: list[dict[str, Any]],
) -> None:
    postgres = find(defaults, "StatefulSet", "postgresql")
    spec = pod_spec(postgres)
    assert spec is not None
    assert spec["securityContext"]["runAsUser"] == 70
    assert spec["securityContext"]["runAsGroup"] == 70
    assert spec["securityContext"]["fsGroup"] == 70
    main = container(postgres, "postgresql")
    assert main["image"] == "postgres:16-alpine"
    env = env_sources(main)
    assert env["PGDATA"]["value"] == "/var/lib/postgresql/data/pgdata"
    mounts = {m["mountPath"]: m["name"] for m in main["volumeMounts"]}
    assert mounts["/var/lib/postgresql/data"] == "data"
    assert env["PGDATA"]["value"].startswith("/var/lib/postgresql/data/"), "PGDATA is a subdir"
    assert {"/var/run/postgresql", "/tmp"} <= mounts.keys()  # noqa: S108 - container paths
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "DB_PASSWORD"
    count("FR assertions", 9)


def test_persistence_off_uses_emptydir() -> None:
    docs = render(("--set", "postgresql.persistence.enabled=false"))
    postgres = find(docs, "StatefulSet", "postgresql")
    assert "volumeClaimTemplates" not in postgres["spec"]
    volumes = {v["name"]: v for v in postgres["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"]
    count("FR assertions", 2)


def test_resources_match_the_spec_table(defaults: list[dict[str, Any]]) -> None:
    for (kind, name), (limits, requests) in RESOURCES.items():
        doc = find(defaults, kind, name)
        spec = pod_spec(doc)
        assert spec is not None
        main = spec["containers"][0]
        assert main["resources"]["limits"] == limits, name
        assert main["resources"]["requests"] == requests, name
        count("FR assertions", 2)


def test_fr002_services_have_fixed_names_and_ports(defaults: list[dict[str, Any]]) -> None:
    expected = {"frontend": 3000, "api": 8000, "postgresql": 5432}
    services = {d["metadata"]["name"]: d for d in defaults if d["kind"] == "Service"}
    assert services.keys() == expected.keys()
    for name, port in expected.items():
        (service_port,) = services[name]["spec"]["ports"]
        assert service_port["port"] == port
        assert services[name]["spec"]["selector"]["app"] == name
    assert services["api"]["spec"]["type"] == "ClusterIP"
    assert services["postgresql"]["spec"]["type"] == "ClusterIP"
    # FR-002.5: external traffic goes through the Ingress (body limit, forwarded client address).
    assert services["frontend"]["spec"]["type"] == "ClusterIP"
    assert "nodePort" not in services["frontend"]["spec"]["ports"][0]
    nodeport = find(render(("--set", "frontend.service.type=NodePort")), "Service", "frontend")
    assert nodeport["spec"]["type"] == "NodePort"
    count("FR assertions", 12)


def test_fr003_config_in_configmap_secrets_in_secret(defaults: list[dict[str, Any]]) -> None:
    config = find(defaults, "ConfigMap", "pakaura-config")["data"]
    assert config["DB_HOST"] == "postgresql.pakaura.svc.cluster.local"  # FR-005.4
    assert config["DB_PORT"] == "5432"
    assert config["DB_NAME"] == "pakaura"
    assert config["DB_USER"] == "pakaura"
    assert config["FRONTEND_URL"] == "http://pakaura.local"  # FR-005.3 CORS origin
    assert config["PAKAURA_ENV"] == "production"
    assert config["API_INTERNAL_URL"] == "http://api:8000"
    assert config["AI_MODEL"] == "command-a-03-2025"
    assert config["AI_TEMPERATURE"] == "0.3"  # a number in values.yaml, text in a ConfigMap
    assert config["AI_MAX_TOKENS"] == "300"
    assert config["JWT_EXPIRATION_HOURS"] == "24"
    assert {"AI_TIMEOUT_SECONDS", "LOG_LEVEL", "PGSSLMODE"} <= config.keys()
    assert (config["API_WORKERS"], config["DB_POOL_SIZE"], config["DB_POOL_MAX_OVERFLOW"]) == (
        "1",
        "10",
        "0",
    )
    assert not SECRET_KEYS & config.keys(), "secret keys must not be in the ConfigMap"
    assert not [k for k in config if any(w in k for w in ("PASSWORD", "SECRET", "API_KEY"))]
    secret = find(defaults, "Secret", "pakaura-secrets")
    assert set(secret["data"]) == SECRET_KEYS
    count("FR assertions", 12)


def test_fr003_api_gets_env_from_configmap_and_secret_refs(defaults: list[dict[str, Any]]) -> None:
    for kind, name, container_name in (
        ("Deployment", "api", "api"),
        ("Job", "pakaura-migrate-1", "migrate"),
    ):
        main = container(find(defaults, kind, name), container_name)
        assert main["envFrom"] == [{"configMapRef": {"name": "pakaura-config"}}]
        env = env_sources(main)
        for key in SECRET_KEYS:
            ref = env[key]["valueFrom"]["secretKeyRef"]
            assert ref == {
                "name": "pakaura-secrets",
                "key": key,
                **({"optional": True} if key == "COHERE_API_KEY" else {}),
            }
        assert not [v for v in main.get("volumeMounts", []) if "secret" in v["name"]]
        count("FR assertions", 5)


def test_fr003_frontend_reads_api_url_from_configmap(defaults: list[dict[str, Any]]) -> None:
    env = env_sources(container(find(defaults, "Deployment", "frontend"), "frontend"))
    for key in ("API_INTERNAL_URL", "FORWARDED_ALLOW_IPS"):
        assert env[key]["valueFrom"]["configMapKeyRef"] == {"name": "pakaura-config", "key": key}
    assert env["HOSTNAME"]["value"] == "0.0.0.0"  # noqa: S104 - Next.js must listen on the pod IP
    assert env["PORT"]["value"] == "3000"
    assert not SECRET_KEYS & env.keys()
    count("FR assertions", 4)


def test_fr004_probes(defaults: list[dict[str, Any]]) -> None:
    api = container(find(defaults, "Deployment", "api"), "api")
    assert api["livenessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/api/v1/health/ready"
    assert api["startupProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert api["livenessProbe"] != api["readinessProbe"]
    frontend = container(find(defaults, "Deployment", "frontend"), "frontend")
    assert frontend["livenessProbe"]["httpGet"]["path"] == "/"
    assert frontend["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert frontend["livenessProbe"] != frontend["readinessProbe"]
    postgres = container(find(defaults, "StatefulSet", "postgresql"), "postgresql")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        command = postgres[probe]["exec"]["command"]
        # `$(VAR)` is not expanded in exec probes; the shell expands $POSTGRES_USER.
        assert command[:2] == ["sh", "-c"], probe
        assert "pg_isready" in command[2], probe
        assert "$(" not in command[2]
    assert '-d "$POSTGRES_DB"' in postgres["readinessProbe"]["exec"]["command"][2]
    assert postgres["livenessProbe"] != postgres["readinessProbe"]
    count("FR assertions", 14)


def test_each_probe_can_be_switched_off() -> None:
    args: tuple[str, ...] = ()
    for component in ("api", "frontend", "postgresql"):
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            args += ("--set", f"{component}.{probe}.enabled=false")
    docs = render(args)
    for kind, name in (
        ("Deployment", "api"),
        ("Deployment", "frontend"),
        ("StatefulSet", "postgresql"),
    ):
        main = find(docs, kind, name)["spec"]["template"]["spec"]["containers"][0]
        assert not {"livenessProbe", "readinessProbe", "startupProbe"} & main.keys(), name
    count("FR assertions", 3)


def test_fr005_ingress_routes(defaults: list[dict[str, Any]]) -> None:
    ingress = find(defaults, "Ingress", "pakaura")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "pakaura.local"
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert routes == {"/api": "api", "/": "frontend"}
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "60"
    custom = render(
        ("--set", "ingress.hostname=todo.example.test", "--set", "ingress.className=traefik")
    )
    ingress = find(custom, "Ingress", "pakaura")
    assert ingress["spec"]["rules"][0]["host"] == "todo.example.test"
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert (
        find(custom, "ConfigMap", "pakaura-config")["data"]["FRONTEND_URL"]
        == "http://todo.example.test"
    )
    assert not [d for d in render(("--set", "ingress.enabled=false")) if d["kind"] == "Ingress"]
    count("FR assertions", 10)


def test_fr006_migration_is_a_plain_job_named_by_revision(defaults: list[dict[str, Any]]) -> None:
    job = find(defaults, "Job", "pakaura-migrate-1")
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {}), "must not be a hook"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert container(job, "migrate")["command"] == ["pakaura-api"]
    assert container(job, "migrate")["args"] == ["migrate"]
    assert job["spec"]["template"]["metadata"]["labels"]["app"] == "migrate"
    # An upgrade is a new revision and therefore a new Job (no "field is immutable"); offline
    # renders are always revision 1, so check the name is built from the revision.
    template = (CHART / "templates" / "api" / "migration-job.yaml").read_text()
    assert '"%s-migrate-%d" (include "pakaura.fullname" .) (int .Release.Revision)' in template
    count("FR assertions", 7)


def test_job_name_uses_fullname_for_other_releases() -> None:
    docs = render(release="demo")
    assert find(docs, "Job", "demo-pakaura-migrate-1")
    assert find(docs, "ConfigMap", "demo-pakaura-config")
    assert find(docs, "Secret", "demo-pakaura-secrets")
    assert (
        find(docs, "Deployment", "api")["spec"]["template"]["metadata"]["labels"][
            "app.kubernetes.io/instance"
        ]
        == "demo"
    )
    count("FR assertions", 4)


def test_rollouts_are_safe_and_config_changes_roll_pods(defaults: list[dict[str, Any]]) -> None:
    for kind, name in (
        ("Deployment", "api"),
        ("Deployment", "frontend"),
        ("StatefulSet", "postgresql"),
    ):
        doc = find(defaults, kind, name)
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        assert len(annotations["checksum/config"]) == 64
        assert len(annotations["checksum/secret"]) == 64
        count("FR assertions", 2)
    changed = render(("--set", "api.env.logLevel=DEBUG"))
    before = find(defaults, "Deployment", "api")["spec"]["template"]["metadata"]["annotations"]
    after = find(changed, "Deployment", "api")["spec"]["template"]["metadata"]["annotations"]
    assert before["checksum/config"] != after["checksum/config"]
    count("FR assertions")


def test_read_only_root_has_writable_scratch(defaults: list[dict[str, Any]]) -> None:
    frontend = container(find(defaults, "Deployment", "frontend"), "frontend")
    mounts = {m["mountPath"] for m in frontend["volumeMounts"]}
    assert {"/tmp", "/app/.next/cache"} <= mounts  # noqa: S108 - container paths
    api = find(defaults, "Deployment", "api")["spec"]["template"]["spec"]
    assert api["securityContext"]["runAsUser"] == 10001
    assert (
        find(defaults, "Deployment", "frontend")["spec"]["template"]["spec"]["securityContext"][
            "runAsUser"
        ]
        == 1001
    )
    count("FR assertions", 3)


def test_helm_test_pod_checks_through_the_services(defaults: list[dict[str, Any]]) -> None:
    pod = find(defaults, "Pod", "pakaura-test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pod["spec"]["containers"][0]["args"][0]
    for url in (
        "http://api:8000/api/v1/health/ready",
        "http://frontend:3000/healthz",
        "http://frontend:3000/api/v1/health",
    ):
        assert url in script
    assert pod["spec"]["containers"][0]["image"] == "pakaura-api:4.0.0"
    compile(script, "helm-test", "exec")  # the embedded Python must at least parse
    count("FR assertions", 5)


def test_autoscaling_is_off_by_default_and_owns_replicas_when_on(
    defaults: list[dict[str, Any]],
) -> None:
    assert not [d for d in defaults if d["kind"] == "HorizontalPodAutoscaler"]
    docs = render(("--set", "api.autoscaling.enabled=true"))
    assert find(docs, "HorizontalPodAutoscaler", "api")["spec"]["maxReplicas"] == 5
    assert "replicas" not in find(docs, "Deployment", "api")["spec"], "the HPA owns replicas"
    count("FR assertions", 3)


def test_fr007_notes_give_next_steps() -> None:
    notes = (CHART / "templates" / "NOTES.txt").read_text()
    for needle in (
        "minikube ip",
        "127.0.0.1",
        "minikube tunnel",
        "minikube service frontend -n",
        "kubectl get pods -n",
        "invoke status",
        "--dry-run=server",
    ):
        assert needle in notes, needle
    count("FR assertions", 7)


def test_chart_version_follows_the_version_file() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    version = (ROOT / "VERSION").read_text().strip()
    assert chart["apiVersion"] == "v2", "Helm 3 compatible chart format"
    assert chart["appVersion"] == version
    assert chart["version"] == version
    count("FR assertions", 3)
