"""Issue 10's measured failures, each as a test: spoofed client addresses, lock-outs, weak
passwords, look-alike emails, the 422 shape, security headers, out-of-range token subjects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from pakaura_api.config import ConfigError, load_settings

from .conftest import PASSWORD, TEST_JWT_SECRET

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
TASKS = "/api/v1/tasks"


def _email() -> str:
    return f"hard-{uuid.uuid4().hex[:10]}@example.com"


async def test_spoofed_forwarded_for_does_not_reset_the_limit(make_client, make_user) -> None:
    # Before: the chart trusted every peer (`*`), so a fresh X-Forwarded-For per try was a
    # fresh counter (0 of 60 bad logins blocked). Now only FORWARDED_ALLOW_IPS is trusted.
    user = await make_user()
    async with make_client(
        login_attempts_per_email=3, login_attempts_per_client=100, forwarded_allow_ips="192.0.2.1"
    ) as client:  # the test peer (127.0.0.1) is not a trusted proxy here
        statuses = []
        for n in range(8):
            spoof = {"X-Forwarded-For": f"10.9.{n}.{n}"}
            wrong = {"email": user.email, "password": f"wrong-{n}"}
            statuses.append((await client.post(LOGIN, json=wrong, headers=spoof)).status_code)
    assert statuses[:3] == [401, 401, 401]
    assert set(statuses[3:]) == {429}, statuses


async def test_a_trusted_proxy_passes_the_real_client_address(make_client, make_user) -> None:
    # The ASGI test client's peer is 127.0.0.1 (trusted by default): its X-Forwarded-For is
    # honoured, right-most untrusted entry first, so two real clients get two counters.
    user = await make_user()
    async with make_client(login_attempts_per_email=2, login_attempts_per_client=100) as client:
        wrong = {"email": user.email, "password": "wrong-password"}
        attacker = {"X-Forwarded-For": "198.51.100.7"}
        for _ in range(2):
            assert (await client.post(LOGIN, json=wrong, headers=attacker)).status_code == 401
        assert (await client.post(LOGIN, json=wrong, headers=attacker)).status_code == 429
        # The attacker prepends a forged address: the proxy appended the real one at the end.
        forged = {"X-Forwarded-For": "203.0.113.99, 198.51.100.7"}
        assert (await client.post(LOGIN, json=wrong, headers=forged)).status_code == 429
        # The account's owner, elsewhere, still signs in with the correct password.
        owner = {"X-Forwarded-For": "192.0.2.10"}
        right = {"email": user.email, "password": user.password}
        assert (await client.post(LOGIN, json=right, headers=owner)).status_code == 200


async def test_nobody_can_lock_out_the_owner(make_client, make_user) -> None:
    # Before: 10 bad tries on an email from anywhere → the owner's correct password got 429.
    user = await make_user()
    async with make_client(login_attempts_per_email=3, login_attempts_per_client=5) as client:
        for n in range(6):
            await client.post(
                LOGIN,
                json={"email": user.email, "password": f"guess-{n}"},
                headers={"X-Forwarded-For": "198.51.100.66"},
            )
        right = {"email": user.email, "password": user.password}
        ok = await client.post(LOGIN, json=right, headers={"X-Forwarded-For": "192.0.2.1"})
        assert ok.status_code == 200
        # ...while the attacker's own address stays throttled, even with the right password.
        blocked = await client.post(LOGIN, json=right, headers={"X-Forwarded-For": "198.51.100.66"})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1


async def test_the_limit_is_shared_by_every_worker_and_replica(make_client, make_user) -> None:
    # Before: counters per process, so 2 replicas doubled the budget. Two apps = two processes.
    user = await make_user()
    wrong = {"email": user.email, "password": "wrong-password"}
    settings = {"login_attempts_per_email": 4, "login_attempts_per_client": 100}
    same_client = {"X-Forwarded-For": "198.51.100.44"}
    async with make_client(**settings) as first, make_client(**settings) as second:
        statuses = []
        for n in range(6):
            app = first if n % 2 else second
            statuses.append((await app.post(LOGIN, json=wrong, headers=same_client)).status_code)
    assert statuses == [401, 401, 401, 401, 429, 429]


async def test_delays_grow_with_each_further_failure(make_client, make_user) -> None:
    user = await make_user()
    async with make_client(
        login_attempts_per_email=2, login_attempts_per_client=100, login_base_delay_seconds=10
    ) as client:
        app = client.app  # type: ignore[attr-defined]
        wrong = {"email": user.email, "password": "wrong-password"}
        for _ in range(2):
            await client.post(LOGIN, json=wrong)
        first = await client.post(LOGIN, json=wrong)
        assert first.status_code == 429
        assert 1 <= int(first.headers["Retry-After"]) <= 10
        # Once the delay has passed (the throttle's clock moves on), the next failure doubles it.
        throttle = app.state.login_throttle
        later = datetime.now(UTC) + timedelta(seconds=11)
        throttle.clock = lambda: later
        assert (await client.post(LOGIN, json=wrong)).status_code == 401
        second = await client.post(LOGIN, json=wrong)
        assert second.status_code == 429
        assert 10 < int(second.headers["Retry-After"]) <= 20


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "at least 12"),
        ("12345678", "at least 12"),
        (" " * 12, "blank"),
        ("\x00" * 12, "NUL"),
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ],
)
async def test_weak_passwords_are_refused_in_plain_words(
    client: httpx.AsyncClient, password: str, why: str
) -> None:
    response = await client.post(SIGNUP, json={"email": _email(), "password": password})
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "password"]
    assert why in problem["msg"]
    assert set(problem) == {"loc", "msg", "type"}  # no "input": the password is never echoed


@pytest.mark.parametrize(
    ("registered", "twin"),
    [
        ("admin-{id}@example.com", "\uff21\uff24\uff2d\uff29\uff2e-{id}@example.com"),
        ("strasse-{id}@example.com", "STRAßE-{id}@EXAMPLE.COM"),
        ("plain-{id}@example.com", "Plain-{id}@Example.com"),
    ],
)
async def test_look_alike_emails_are_the_same_account(
    client: httpx.AsyncClient, registered: str, twin: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    first = await client.post(
        SIGNUP, json={"email": registered.format(id=tag), "password": PASSWORD}
    )
    assert first.status_code == 201
    assert first.json()["user"]["email"] == registered.format(id=tag)
    again = await client.post(SIGNUP, json={"email": twin.format(id=tag), "password": PASSWORD})
    assert again.status_code == 409
    login = await client.post(LOGIN, json={"email": twin.format(id=tag), "password": PASSWORD})
    assert login.status_code == 200


async def test_422_has_the_documented_shape_and_never_echoes_input(
    client: httpx.AsyncClient, auth_headers
) -> None:
    response = await client.post(
        TASKS, json={"title": "", "priority": "urgent"}, headers=auth_headers
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert {tuple(item["loc"]) for item in detail} == {("body", "title"), ("body", "priority")}
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}
        assert not item["msg"].startswith("Value error")
    assert "urgent" not in response.text


async def test_security_headers(client: httpx.AsyncClient, make_user) -> None:
    user = await make_user()
    login = await client.post(LOGIN, json={"email": user.email, "password": user.password})
    assert login.headers["x-content-type-options"] == "nosniff"
    assert login.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in login.headers  # plain http
    health = await client.get("/api/v1/health")
    assert health.headers["x-content-type-options"] == "nosniff"
    # Behind a trusted proxy that terminated TLS: HSTS.
    https = await client.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("subject", [str(2**63), str(2**31), "0", "-1", "1e3"])
async def test_out_of_range_token_subjects_are_401(client: httpx.AsyncClient, subject: str) -> None:
    exp = datetime.now(UTC) + timedelta(hours=1)
    token = jwt.encode(
        {"sub": subject, "exp": exp, "ver": 0, "jti": "x"}, TEST_JWT_SECRET, algorithm="HS256"
    )
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", ME), ("GET", TASKS), ("POST", TASKS)):
        response = await client.request(method, path, json={"title": "x"}, headers=headers)
        assert response.status_code == 401, (method, path, subject)


async def test_out_of_range_subject_on_sqlite_is_401(tmp_path) -> None:
    from pakaura_api.main import create_app
    from pakaura_api.migrate import run_migrations

    settings = load_settings(pakaura_data_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    run_migrations(settings)
    app = create_app(settings)
    exp = datetime.now(UTC) + timedelta(hours=1)
    token = jwt.encode({"sub": str(2**63), "exp": exp, "ver": 0, "jti": "x"}, TEST_JWT_SECRET)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sqlite") as client:
            response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()


@pytest.mark.parametrize("password", ["CHANGE-ME", "changeme", "placeholder"])
def test_placeholder_db_password_refused(password: str, tmp_path) -> None:
    with pytest.raises(ConfigError, match="DB_PASSWORD"):
        load_settings(
            db_host="db",
            db_password=password,
            jwt_secret=TEST_JWT_SECRET,
            pakaura_data_dir=tmp_path,
        )
    with pytest.raises(ConfigError, match="DB_PASSWORD"):
        load_settings(
            database_url=f"postgresql://pakaura:{password}@db/pakaura",
            jwt_secret=TEST_JWT_SECRET,
            pakaura_data_dir=tmp_path,
        )
