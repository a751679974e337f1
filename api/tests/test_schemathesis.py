"""Property-based fuzzing from the OpenAPI document: no generated request may cause a 5xx, and
every response conforms to the document (status code, content type, headers, body schema).

Runs against a real server (conftest `live_server`) with a signed-up user's token, so the
authenticated operations are exercised past the 401. ~13 operations x 50 examples > 500 cases.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MIN_CASES = 500
calls: list[str] = []


@pytest.fixture(scope="session")
def api_token(live_server) -> str:
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    response = httpx.post(
        f"{live_server.url}/api/v1/auth/signup",
        json={"email": email, "password": "fuzzing-password-kestrel"},
    )
    assert response.status_code == 201
    return str(response.json()["access_token"])


@pytest.fixture(scope="session")
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


# Sign-out would revoke the one token every other operation uses; it has its own tests.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/v1/auth/logout")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, api_token: str) -> None:
    calls.append(f"{case.method} {case.path}")
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)


def test_enough_cases_ran() -> None:
    if not calls:
        pytest.skip("the fuzzing test did not run in this session")
    assert len(calls) >= MIN_CASES, f"only {len(calls)} generated cases"
    assert len(set(calls)) >= 13  # every operation was exercised
