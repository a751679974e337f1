"""The optional scheduled backup (issue 9): off by default; when on, a restricted CronJob running
pg_dump from the PostgreSQL image against the release's database, onto a kept PVC."""

from __future__ import annotations

from typing import Any

from .rendering import count, find, pod_spec, render

ON = ("--set", "backup.enabled=true")


def test_off_by_default(defaults: list[dict[str, Any]]) -> None:
    assert not [d for d in defaults if d["kind"] in ("CronJob", "PersistentVolumeClaim")]
    count("backup assertions")


def test_cronjob_dumps_the_release_database_to_its_volume() -> None:
    docs = render(ON)
    cronjob = find(docs, "CronJob", "pakaura-backup")
    assert cronjob["spec"]["schedule"] == "17 3 * * *"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert "timeZone" not in cronjob["spec"]
    spec = pod_spec(cronjob)
    assert spec is not None
    (main,) = spec["containers"]
    assert main["image"] == "postgres:16-alpine"  # client matches the server
    script = main["args"][0]
    assert "pg_dump --format=custom" in script
    assert 'mv ".${name}.partial" "${name}"' in script, "complete dumps only"
    assert "sha256sum" in script
    env = {e["name"]: e for e in main["env"]}
    for name, key in (("PGHOST", "DB_HOST"), ("PGDATABASE", "DB_NAME"), ("PGSSLMODE", "PGSSLMODE")):
        assert env[name]["valueFrom"]["configMapKeyRef"]["key"] == key
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "pakaura-secrets",
        "key": "DB_PASSWORD",
    }
    assert env["KEEP"]["value"] == "7"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["backups"]["persistentVolumeClaim"]["claimName"] == "pakaura-backups"
    pvc = find(docs, "PersistentVolumeClaim", "pakaura-backups")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"
    count("backup assertions", 13)


def test_backup_is_restricted_and_reaches_only_the_database() -> None:
    docs = render(ON)
    spec = pod_spec(find(docs, "CronJob", "pakaura-backup"))
    assert spec is not None
    assert spec["securityContext"]["runAsUser"] == 70
    assert spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    policy = find(docs, "NetworkPolicy", "pakaura-backup")["spec"]
    assert "ingress" not in policy
    assert policy["egress"][1]["to"][0]["podSelector"]["matchLabels"]["app"] == "postgresql"
    count("backup assertions", 4)


def test_existing_claim_and_time_zone() -> None:
    docs = render(
        (
            *ON,
            "--set",
            "backup.persistence.existingClaim=nas",
            "--set",
            "backup.timeZone=Europe/Berlin",
        )
    )
    assert not [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    cronjob = find(docs, "CronJob", "pakaura-backup")
    assert cronjob["spec"]["timeZone"] == "Europe/Berlin"
    spec = pod_spec(cronjob)
    assert spec is not None
    claims = [
        v["persistentVolumeClaim"]["claimName"]
        for v in spec["volumes"]
        if "persistentVolumeClaim" in v
    ]
    assert claims == ["nas"]
    count("backup assertions", 3)
