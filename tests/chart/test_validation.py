"""Invalid values fail before anything is created, with an error a person can act on."""

from __future__ import annotations

import pytest

from .rendering import CHART, count, helm

CASES = [
    # (helm arguments, text the error must contain)
    (("--set", "api.replicaCount=abc"), "at '/api/replicaCount': got string, want integer"),
    (("--set", "api.replicaCount=0"), "/api/replicaCount"),
    (("--set", "frontend.replicaCount=-1"), "/frontend/replicaCount"),
    (("--set", "api.typo=1"), "additional properties 'typo' not allowed"),
    (("--set", "unknownTopLevel=1"), "additional properties 'unknownTopLevel' not allowed"),
    (("--set", "postgresql.persistence.sise=5Gi"), "'sise' not allowed"),
    (("--set", "api.image.tag=latest"), "/api/image/tag"),
    (("--set", "api.image.pullPolicy=Sometimes"), "/api/image/pullPolicy"),
    (("--set", "frontend.service.type=Ingress"), "/frontend/service/type"),
    (("--set", "frontend.service.nodePort=80"), "/frontend/service/nodePort"),
    (("--set", "api.resources.limits.cpu=lots"), "/api/resources/limits/cpu"),
    (("--set", "api.securityContext.allowPrivilegeEscalation=true"), "allowPrivilegeEscalation"),
    (("--set", "postgresql.persistence.size=10GB"), "/postgresql/persistence/size"),
    (("--set", "api.env.logLevel=LOUD"), "/api/env/logLevel"),
    # Numbers are numbers: a fraction out of range, and text where a number belongs.
    (("--set-json", "api.env.aiTemperature=1.5"), "at '/api/env/aiTemperature': maximum"),
    (("--set-json", "api.env.aiTemperature=-0.1"), "at '/api/env/aiTemperature': minimum"),
    (("--set-string", "api.env.aiTemperature=0.5"), "'/api/env/aiTemperature': got string"),
    (("--set-string", "api.env.aiMaxTokens=300"), "'/api/env/aiMaxTokens': got string"),
    (("--set", "api.workers=-1"), "/api/workers"),
    (("--set", "externalDatabase.sslMode=maybe"), "/externalDatabase/sslMode"),
    (("--set", "backup.schedule=daily"), "/backup/schedule"),
    (("--set", "global.preStopMode=never"), "/global/preStopMode"),
    (("--set", "forwardedAllowIps={*}"), "at '/forwardedAllowIps/0': '*' does not match"),
    (("--set", "forwardedAllowIps=null"), "missing property 'forwardedAllowIps'"),
    (
        ("--set", "api.topologySpread.whenUnsatisfiable=Sometimes"),
        "/api/topologySpread/whenUnsatisfiable",
    ),
    # Rules spanning several values (helm/tools/rules.schema.json).
    (("--set", "postgresql.enabled=false"), "at '/externalDatabase/host': minLength"),
    (
        ("--set", "secrets.existingSecret=mine", "--set", "secrets.dbPassword=literal"),
        "at '/secrets/dbPassword': maxLength",
    ),
    # templates/validations.yaml
    (("--set", "secrets.jwtSecret=short"), "/secrets/jwtSecret"),
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
        "api.terminationGracePeriodSeconds (30) must be at least preStopSleepSeconds (40)"
        " + shutdownTimeoutSeconds (15) = 55",
    ),
    (
        ("--set", "frontend.preStopSleepSeconds=30"),
        "frontend.terminationGracePeriodSeconds (30) must exceed preStopSleepSeconds (30)",
    ),
    (
        ("--set", "api.workers=0", "--set", "api.resources.limits.cpu=null"),
        "api.workers is 0 (derive from the CPU limit) but api.resources.limits.cpu is not set",
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
