"""NOTES.txt rendered by the real helm as `helm install` shows it (client dry run, no cluster).

Helm 4 renders NOTES in a client dry run without a cluster; Helm 3 needs one, so under a Helm 3
override ($PAKAURA_HELM) these tests are skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from .rendering import CHART, EXPLICIT_SECRETS, count, helm, helm_binary


def notes(*args: str) -> str:
    env = {**os.environ, "KUBECONFIG": os.devnull}
    version = subprocess.run([helm_binary(), "version", "--short"], capture_output=True, text=True)
    if not version.stdout.startswith("v4"):
        pytest.skip("NOTES render offline only with Helm 4")
    result = subprocess.run(
        [
            helm_binary(),
            "install",
            "pakaura",
            str(CHART),
            "-n",
            "pakaura",
            "--dry-run=client",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("NOTES:", 1)[1]


def test_default_notes_give_exact_next_steps() -> None:
    text = notes()
    for line in (
        'echo "$(minikube ip) pakaura.local" | sudo tee -a /etc/hosts',
        "127.0.0.1 pakaura.local",
        "minikube tunnel",
        "minikube service frontend -n pakaura --url",
        "kubectl port-forward -n pakaura svc/frontend",
        "kubectl get pods -n pakaura",
        "invoke status",
        "kubectl logs -n pakaura job/pakaura-migrate-1",
        "helm test pakaura -n pakaura",
        "--dry-run=server",
        "demo mode",
    ):
        assert line in text, line
        count("NOTES assertions")


def test_notes_follow_values_and_never_print_secrets() -> None:
    text = notes(
        *EXPLICIT_SECRETS,
        "--set",
        "ingress.enabled=false",
        "--set",
        "frontend.service.type=NodePort",
    )
    assert "The Ingress is disabled" in text
    assert "kubectl port-forward -n pakaura svc/frontend" in text
    assert "needs --set frontend.service.type=NodePort" not in text
    assert "demo mode" not in text
    explicit = yaml.safe_load(Path(EXPLICIT_SECRETS[1]).read_text())["secrets"]
    for secret in explicit.values():
        assert secret not in text
    count("NOTES assertions", 7)


def test_helm_binary_runs() -> None:
    assert helm("version", "--short").returncode == 0


def test_notes_name_the_users_secret_the_external_database_and_backups() -> None:
    text = notes(
        "--set", "secrets.existingSecret=pakaura-app", "--set", "postgresql.enabled=false",
        "--set", "externalDatabase.host=db.example", "--set", "backup.enabled=true",
    )  # fmt: skip
    assert 'every pod reads your Secret "pakaura-app"' in text
    assert "kubectl delete secret" not in text
    assert "external PostgreSQL at db.example:5432" in text
    assert "--from=cronjob/pakaura-backup" in text
    count("NOTES assertions", 4)
