"""Secrets: generated when missing, explicit values win, stable renders, never in plain sight."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .rendering import EXPLICIT_SECRETS, MATRIX, count, find, pod_spec, render, render_text

EXPLICIT = {
    "JWT_SECRET": "test-jwt-secret-0123456789-abcdefghij",
    "DB_PASSWORD": "test-db-password-42",
    "COHERE_API_KEY": "test-cohere-key-7",
}


def decoded(docs: list[dict[str, Any]]) -> dict[str, str]:
    (secret,) = [d for d in docs if d["kind"] == "Secret"]
    data = secret["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def test_zero_flags_generates_strong_secrets_and_keeps_cohere_empty(
    defaults: list[dict[str, Any]],
) -> None:
    values = decoded(defaults)
    assert len(values["JWT_SECRET"]) >= 32
    assert len(values["DB_PASSWORD"]) >= 32
    assert values["JWT_SECRET"] != values["DB_PASSWORD"]
    assert values["COHERE_API_KEY"] == "", "empty key → demo mode"
    secret = find(defaults, "Secret", "pakaura-secrets")
    # Kept by `helm uninstall`, so a reinstall still matches the PostgreSQL volume.
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    count("secret assertions", 5)


def test_explicit_values_win() -> None:
    assert decoded(render(EXPLICIT_SECRETS)) == EXPLICIT
    count("secret assertions")


def test_two_renders_with_explicit_secrets_are_identical() -> None:
    namespace, args = MATRIX["explicit-secrets"]
    first = render_text.__wrapped__(namespace, args)  # bypass the cache: really render twice
    second = render_text.__wrapped__(namespace, args)
    assert first == second
    count("secret assertions")


def test_checksum_annotation_matches_the_rendered_secret(defaults: list[dict[str, Any]]) -> None:
    """Generated values are computed once per render, so the checksum describes the real Secret."""
    data = find(defaults, "Secret", "pakaura-secrets")["data"]
    expected = hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    for kind, name in (
        ("Deployment", "api"),
        ("Deployment", "frontend"),
        ("StatefulSet", "postgresql"),
    ):
        annotations = find(defaults, kind, name)["spec"]["template"]["metadata"]["annotations"]
        assert annotations["checksum/secret"] == expected, name
        count("secret assertions")


def test_secret_values_appear_nowhere_but_the_secret() -> None:
    """No secret literal in any pod spec, ConfigMap, annotation or label, for every matrix entry."""
    for name, (namespace, args) in MATRIX.items():
        docs = render(args, namespace)
        if not [d for d in docs if d["kind"] == "Secret"]:
            continue  # secrets.existingSecret: no value ever passes through the chart
        values = [v for v in decoded(docs).values() if v]
        for doc in docs:
            if doc["kind"] == "Secret":
                continue
            text = json.dumps(doc)
            for value in values:
                assert value not in text, f"{name}: secret value leaked into {doc['kind']}"
                assert base64.b64encode(value.encode()).decode() not in text
            spec = pod_spec(doc)
            for container in [*spec.get("initContainers", []), *spec["containers"]] if spec else []:
                for env in container.get("env", []):
                    if env["name"] in EXPLICIT:
                        assert "value" not in env, f"{name}: {env['name']} as a literal"
            count("secret leak scans")
