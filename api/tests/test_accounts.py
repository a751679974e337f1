"""Sign-out, password change and token revocation, checked on every kind of request."""

from __future__ import annotations

import httpx

from .conftest import PASSWORD, SignedUpUser

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
PASSWORD_URL = "/api/v1/auth/password"
ME = "/api/v1/auth/me"
TASKS = "/api/v1/tasks"
NEW_PASSWORD = "amber-falcon-teaspoon-91"


async def _second_device(client: httpx.AsyncClient, user: SignedUpUser) -> dict[str, str]:
    """The user signs in again (another device): the headers of that second token."""
    login = await client.post(LOGIN, json={"email": user.email, "password": user.password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _all_refused(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for method, path, body in (
        ("GET", ME, None),
        ("GET", TASKS, None),
        ("POST", TASKS, {"title": "x"}),
        ("GET", f"{TASKS}/1", None),
        ("PATCH", f"{TASKS}/1", {"title": "x"}),
        ("DELETE", f"{TASKS}/1", None),
        ("POST", f"{TASKS}/1/restore", None),
        ("GET", "/api/v1/conversations", None),
        ("POST", LOGOUT, None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json() == {"detail": "Invalid or expired token"}


async def test_logout_revokes_only_the_presented_token(
    client: httpx.AsyncClient, make_user
) -> None:
    user = await make_user()
    other_device = await _second_device(client, user)
    response = await client.post(LOGOUT, headers=user.headers)
    assert response.status_code == 204
    assert response.headers["cache-control"] == "no-store"
    await _all_refused(client, user.headers)
    assert (await client.get(ME, headers=other_device)).status_code == 200


async def test_password_change_revokes_every_older_token(
    client: httpx.AsyncClient, make_user
) -> None:
    user = await make_user()
    second_headers = await _second_device(client, user)
    changed = await client.post(
        PASSWORD_URL,
        json={"current_password": user.password, "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["cache-control"] == "no-store"
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert changed.json()["user"]["id"] == user.id
    await _all_refused(client, user.headers)
    await _all_refused(client, second_headers)
    assert (await client.get(ME, headers=fresh)).status_code == 200
    old = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post(LOGIN, json={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


async def test_password_change_refusals(client: httpx.AsyncClient, make_user) -> None:
    user = await make_user()
    wrong = await client.post(
        PASSWORD_URL,
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": "Current password is incorrect"}
    weak = await client.post(
        PASSWORD_URL,
        json={"current_password": user.password, "new_password": "password1234"},
        headers=user.headers,
    )
    assert weak.status_code == 422
    (problem,) = weak.json()["detail"]
    assert problem["loc"] == ["body", "new_password"]
    assert "too easy to guess" in problem["msg"]
    # Nothing changed: the token still works.
    assert (await client.get(ME, headers=user.headers)).status_code == 200


async def test_guessing_the_current_password_is_throttled(make_client, make_user) -> None:
    user = await make_user()
    async with make_client(login_attempts_per_email=2) as client:
        statuses = [
            (
                await client.post(
                    PASSWORD_URL,
                    json={"current_password": f"guess-{n}", "new_password": NEW_PASSWORD},
                    headers=user.headers,
                )
            ).status_code
            for n in range(3)
        ]
    assert statuses == [400, 400, 429]


async def test_an_email_taken_by_a_look_alike_is_reported_by_the_migration(
    create_database,
) -> None:
    """Migration 0002 folds stored emails; look-alikes keep their row, the canonical one wins."""
    import psycopg

    from .conftest import migrate_to

    url = create_database()
    migrate_to(url, "0001")
    rows = [
        "Mixed.Case@Example.COM",  # alone: folded
        "\uff41\uff4c\uff49\uff43\uff45@example.com",  # full-width "alice": folded...
        "ALICE@example.com",  # ...to the same address as this one (younger, not canonical)
        "bob@example.com",  # canonical already: keeps it
        "BOB@example.com",  # look-alike of an existing canonical address: left unchanged
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        for email in rows:
            conn.execute(
                "INSERT INTO users (email, password_hash, created_at) VALUES (%s, 'x', now())",
                (email,),
            )
    migrate_to(url, "head")
    with psycopg.connect(url) as conn:
        stored = [row[0] for row in conn.execute("SELECT email FROM users ORDER BY id")]
    assert stored == [
        "mixed.case@example.com",
        "alice@example.com",
        "ALICE@example.com",
        "bob@example.com",
        "BOB@example.com",
    ]
