"""Redaction helpers for text received from elsewhere (provider error bodies)."""

from __future__ import annotations

from pakaura_api.logging import REDACTED, excerpt, redact

KEY = "co-3f9a7c1e5b2d4f6a8c0e1b3d5f7a9c1e"


def test_known_secrets_and_credential_shapes_are_redacted() -> None:
    body = (
        '{"message": "invalid api token", "echo": {"Authorization": "Bearer '
        + KEY
        + '", "x-api-key": "short-key"}, "jwt": "eyJhbGciOi.eyJzdWIiOiIxIn0.c2ln"}'
    )
    cleaned = redact(body, secrets=(KEY,))
    for leaked in (KEY, "short-key", "eyJhbGciOi", "c2ln"):
        assert leaked not in cleaned
    assert REDACTED in cleaned
    assert "invalid api" in cleaned  # the useful part stays


def test_an_unknown_long_key_is_redacted_too() -> None:
    assert KEY not in redact(f"rejected key {KEY} for model")


def test_excerpt_is_short() -> None:
    text = excerpt("x " * 500)
    assert len(text) == 200
    assert text.endswith("…")
    assert excerpt("fine") == "fine"
