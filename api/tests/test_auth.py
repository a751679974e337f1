"""Signup, login, /me, token handling and the failed-login limit."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from .conftest import TEST_JWT_SECRET

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def _email() -> str:
    return f"auth-{uuid.uuid4().hex[:10]}@example.com"


async def test_signup_returns_a_token_and_the_user(client: httpx.AsyncClient) -> None:
    email = _email()
    response = await client.post(SIGNUP, json={"email": email, "password": "tawny-otter-lantern"})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"] == {"id": body["user"]["id"], "email": email, "name": None}
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == email


async def test_duplicate_signup_is_409_whatever_the_case(client: httpx.AsyncClient) -> None:
    email = _email()
    first = await client.post(SIGNUP, json={"email": email, "password": "tawny-otter-lantern"})
    assert first.status_code == 201
    again = await client.post(
        SIGNUP, json={"email": email.upper(), "password": "quiet-harbor-cobalt"}
    )
    assert again.status_code == 409
    assert again.json() == {"detail": "Email already registered"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "tawny-otter-lantern"},
        {"email": "a@b.co", "password": "short-12345"},
        {"email": "a@b.co"},
        {"email": 5, "password": "tawny-otter-lantern"},
        {"email": "a\x00@b.co", "password": "tawny-otter-lantern"},
        {"email": "a@b.co", "password": "tawny-otter-lantern", "name": "x" * 101},
    ],
)
async def test_invalid_signup_is_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await client.post(SIGNUP, json=body)
    assert response.status_code == 422
    assert [set(problem) for problem in response.json()["detail"]] == [{"loc", "msg", "type"}]
    assert "tawny-otter-lantern" not in response.text  # input (maybe a password) is never echoed


async def test_login_and_identical_401s(client: httpx.AsyncClient, make_user) -> None:
    user = await make_user()
    ok = await client.post(LOGIN, json={"email": user.email.upper(), "password": user.password})
    assert ok.status_code == 200
    assert ok.json()["user"]["id"] == user.id
    wrong_password = await client.post(LOGIN, json={"email": user.email, "password": "nope-nope"})
    unknown_email = await client.post(LOGIN, json={"email": _email(), "password": "nope-nope"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert (
        wrong_password.json() == unknown_email.json() == {"detail": "Incorrect email or password"}
    )


def _token(claims: dict[str, object], secret: str = TEST_JWT_SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data, default=str).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_bad_tokens_are_401(client: httpx.AsyncClient, make_user) -> None:
    user = await make_user()
    future = datetime.now(UTC) + timedelta(hours=1)
    header, payload, signature = user.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    tokens = {
        "tampered signature": f"{header}.{payload}.{flipped}",
        "other secret": _token(
            {"sub": str(user.id), "exp": future}, secret="another-secret-" + "0" * 32
        ),
        "alg none": _unsigned({"sub": str(user.id), "exp": int(future.timestamp())}),
        "expired": _token({"sub": str(user.id), "exp": datetime.now(UTC) - timedelta(seconds=5)}),
        "no expiry": _token({"sub": str(user.id)}),
        "non-numeric subject": _token({"sub": "admin", "exp": future}),
        "garbage": "not.a.jwt",
    }
    for name, token in tokens.items():
        response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json() == {"detail": "Invalid or expired token"}, name
        tasks = await client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        assert tasks.status_code == 401, name


async def test_missing_token_and_unknown_user(client: httpx.AsyncClient) -> None:
    assert (await client.get(ME)).status_code == 401
    assert (await client.get(ME, headers={"Authorization": "Basic abc"})).status_code == 401
    exp = datetime.now(UTC) + timedelta(hours=1)
    ghost = _token({"sub": "2000000000", "exp": exp, "ver": 0, "jti": "ghost"})
    response = await client.get(ME, headers={"Authorization": f"Bearer {ghost}"})
    assert response.status_code == 401


async def test_failed_logins_are_limited_per_email(make_client, make_user) -> None:
    user = await make_user()
    async with make_client(login_attempts_per_email=3, login_attempts_per_client=100) as client:
        wrong = {"email": user.email, "password": "wrong-password"}
        statuses = [(await client.post(LOGIN, json=wrong)).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        # Even the right password waits: the attacker must not learn when they guessed it.
        right = await client.post(LOGIN, json={"email": user.email, "password": user.password})
        assert right.status_code == 429
        assert int(right.headers["Retry-After"]) > 0
        assert right.json()["detail"].startswith("Too many failed login attempts")
        # Another account from another client is not affected by this email's limit.
        other = await make_user()
        ok = await client.post(LOGIN, json={"email": other.email, "password": other.password})
        assert ok.status_code == 200


async def test_failed_logins_are_limited_per_client(make_client) -> None:
    async with make_client(login_attempts_per_email=100, login_attempts_per_client=3) as client:
        statuses = [
            (await client.post(LOGIN, json={"email": _email(), "password": "x"})).status_code
            for _ in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


async def test_a_quiet_window_forgets_failures(make_client, make_user) -> None:
    user = await make_user()
    wrong = {"email": user.email, "password": "wrong-password"}
    async with make_client(
        login_attempts_per_email=1, login_attempts_per_client=100, login_window_seconds=30
    ) as client:
        throttle = client.app.state.login_throttle  # type: ignore[attr-defined]
        assert [(await client.post(LOGIN, json=wrong)).status_code for _ in range(2)] == [401, 429]
        later = datetime.now(UTC) + timedelta(seconds=31)
        throttle.clock = lambda: later
        assert [(await client.post(LOGIN, json=wrong)).status_code for _ in range(2)] == [401, 429]
        # Housekeeping forgets counts that can no longer delay anyone.
        throttle.clock = lambda: later + timedelta(days=1)
        async with client.app.state.autocommit_engine.connect() as connection:  # type: ignore[attr-defined]
            assert await throttle.purge(connection) >= 2
