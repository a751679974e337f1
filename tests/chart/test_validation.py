"""Invalid values fail before anything is created, with an error a person can act on."""

from __future__ import annotations

import pytest

from .rendering import CHART, count, helm

CASES = [
    # (helm arguments, text the error must contain)
    (("--set", "api.replicaCount=abc"), "/api/replicaCount"),
    (("--set", "api.replicaCount=0"), "/api/replicaCount"),
    (("--set", "frontend.replicaCount=-1"), "/frontend/replicaCount"),
    (("--set", "api.typo=1"), "additional properties 'typo' not allowed"),
    (("--set", "unknownTopLevel=1"), "additional properties 'unknownTopLevel' not allowed"),
    (("--set", "postgresql.persistence.sise=5Gi"), "'sise' not allowed"),
    (("--set", "api.image.tag=latest"), "/api/image/tag"),
    (("--set", "api.image.pullPolicy=Sometimes"), "/api/image/pullPolicy"),
    (("--set", "frontend.service.type=Ingress"), "/frontend/service/type"),
    (("--set", "api.resources.limits.cpu=lots"), "/api/resources/limits/cpu"),
    (("--set", "api.securityContext.allowPrivilegeEscalation=true"), "allowPrivilegeEscalation"),
    (("--set", "postgresql.persistence.size=10GB"), "/postgresql/persistence/size"),
    (("--set", "api.env.logLevel=LOUD"), "/api/env/logLevel"),
    (("--set-string", "api.env.aiTemperature=1.5"), "/api/env/aiTemperature"),
    (("--set", "secrets.jwtSecret=short"), "secrets.jwtSecret must be at least 32 characters"),
    (
        ("--set", "api.podDisruptionBudget.enabled=true", "--set", "api.replicaCount=1"),
        "api.podDisruptionBudget.minAvailable (1) must be below the replica count (1)",
    ),
    (
        (
            "--set",
            "frontend.autoscaling.enabled=true",
            "--set",
            "frontend.autoscaling.minReplicas=6",
        ),
        "frontend.autoscaling.minReplicas (6) must not exceed maxReplicas (5)",
    ),
    (
        ("--set", "api.preStopSleepSeconds=40"),
        "api.terminationGracePeriodSeconds (30) must exceed preStopSleepSeconds (40)",
    ),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_invalid_values_are_rejected_readably(args: tuple[str, ...], message: str) -> None:
    result = helm("template", "pakaura", str(CHART), *args)
    assert result.returncode != 0, f"accepted: {args}"
    assert message in result.stderr, result.stderr
    assert "panic" not in result.stderr.lower()
    count("invalid values rejected")


def test_schema_rejects_an_unknown_key_in_a_values_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    values = tmp_path / "typo.yaml"
    values.write_text("ingress:\n  hostName: pakaura.local\n")
    result = helm("lint", "--strict", str(CHART), "-f", str(values))
    assert result.returncode != 0
    assert "hostName" in result.stdout + result.stderr
    count("invalid values rejected")


def test_cluster_checks_are_skipped_offline() -> None:
    """lookup returns nothing under `helm template`: a missing IngressClass cannot be detected, so
    rendering must not fail (the check runs on install/upgrade and --dry-run=server)."""
    result = helm("template", "pakaura", str(CHART), "--set", "ingress.className=does-not-exist")
    assert result.returncode == 0, result.stderr
    template = (CHART / "templates" / "validations.yaml").read_text()
    assert 'lookup "networking.k8s.io/v1" "IngressClass"' in template
    assert 'lookup "storage.k8s.io/v1" "StorageClass"' in template
    count("invalid values rejected")
