"""Task endpoints: the contract, validation (4xx, never 500), and isolation between users."""

from __future__ import annotations

import httpx
import pytest

TASKS = "/api/v1/tasks"
TASK_KEYS = {
    "id",
    "title",
    "description",
    "completed",
    "priority",
    "due_date",
    "created_at",
    "updated_at",
    "completed_at",
}


async def test_create_read_update_delete(client: httpx.AsyncClient, auth_headers) -> None:
    created = await client.post(
        TASKS,
        json={"title": "  Buy milk ", "priority": "high", "due_date": "2030-01-02"},
        headers=auth_headers,
    )
    assert created.status_code == 201
    task = created.json()
    assert set(task) == TASK_KEYS
    assert task["title"] == "Buy milk"
    assert (task["priority"], task["due_date"], task["completed"]) == ("high", "2030-01-02", False)
    assert task["completed_at"] is None
    assert task["created_at"].endswith(("Z", "+00:00"))

    url = f"{TASKS}/{task['id']}"
    assert (await client.get(url, headers=auth_headers)).json() == task

    done = (await client.patch(url, json={"completed": True}, headers=auth_headers)).json()
    assert done["completed"] is True
    assert done["completed_at"] is not None
    assert done["title"] == "Buy milk"  # untouched fields stay

    reopened = await client.patch(
        url,
        json={"completed": False, "due_date": None, "title": "Buy oat milk"},
        headers=auth_headers,
    )
    assert reopened.status_code == 200
    assert reopened.json()["completed_at"] is None
    assert reopened.json()["due_date"] is None
    assert reopened.json()["title"] == "Buy oat milk"

    deleted = await client.delete(url, headers=auth_headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(url, headers=auth_headers)).status_code == 404
    assert (await client.delete(url, headers=auth_headers)).status_code == 404


async def test_list_is_newest_first_and_filters(client: httpx.AsyncClient, auth_headers) -> None:
    ids = []
    for title in ("first", "second", "third"):
        response = await client.post(TASKS, json={"title": title}, headers=auth_headers)
        ids.append(response.json()["id"])
    await client.patch(f"{TASKS}/{ids[1]}", json={"completed": True}, headers=auth_headers)

    everything = (await client.get(TASKS, headers=auth_headers)).json()
    assert [t["id"] for t in everything] == ids[::-1]
    pending = (await client.get(TASKS, params={"status": "pending"}, headers=auth_headers)).json()
    assert [t["id"] for t in pending] == [ids[2], ids[0]]
    completed = await client.get(TASKS, params={"status": "completed"}, headers=auth_headers)
    assert [t["id"] for t in completed.json()] == [ids[1]]
    bad = await client.get(TASKS, params={"status": "done"}, headers=auth_headers)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": 42},
        {"title": ["a"]},
        {"title": "ok", "priority": "urgent"},
        {"title": "ok", "due_date": "2030-13-40"},
        {"title": "ok", "description": "d" * 2001},
        {"title": "nul\x00byte"},
        [],
        "just a string",
    ],
)
async def test_invalid_task_is_422(client: httpx.AsyncClient, auth_headers, body: object) -> None:
    response = await client.post(TASKS, json=body, headers=auth_headers)
    assert response.status_code == 422, response.text
    for problem in response.json()["detail"]:
        assert set(problem) == {"loc", "msg", "type"}


async def test_title_of_200_chars_is_accepted(client: httpx.AsyncClient, auth_headers) -> None:
    response = await client.post(TASKS, json={"title": "x" * 200}, headers=auth_headers)
    assert response.status_code == 201


async def test_malformed_json_is_422(client: httpx.AsyncClient, auth_headers) -> None:
    response = await client.post(
        TASKS,
        content=b'{"title": "unterminated',
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"title": None},
        {"completed": None},
        {"priority": None},
        {"title": ""},
        {"completed": "maybe"},
    ],
)
async def test_invalid_patch_is_422(client: httpx.AsyncClient, auth_headers, body) -> None:
    task = (await client.post(TASKS, json={"title": "t"}, headers=auth_headers)).json()
    response = await client.patch(f"{TASKS}/{task['id']}", json=body, headers=auth_headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("task_id", ["999999999", "0", "-1", "2147483648", "99999999999999999999"])
async def test_unknown_ids_are_404(client: httpx.AsyncClient, auth_headers, task_id: str) -> None:
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"{TASKS}/{task_id}", headers=auth_headers)
        assert response.status_code == 404, (method, task_id)
    patch = await client.patch(f"{TASKS}/{task_id}", json={"title": "x"}, headers=auth_headers)
    assert patch.status_code == 404
    assert patch.json() == {"detail": "Task not found"}


async def test_non_numeric_id_is_422(client: httpx.AsyncClient, auth_headers) -> None:
    assert (await client.get(f"{TASKS}/abc", headers=auth_headers)).status_code == 422


async def test_users_never_see_each_others_tasks(client: httpx.AsyncClient, make_user) -> None:
    alice, bob = await make_user(), await make_user()
    task = (await client.post(TASKS, json={"title": "alice's"}, headers=alice.headers)).json()
    url = f"{TASKS}/{task['id']}"

    assert (await client.get(TASKS, headers=bob.headers)).json() == []
    assert (await client.get(url, headers=bob.headers)).status_code == 404
    patched = await client.patch(url, json={"completed": True}, headers=bob.headers)
    assert patched.status_code == 404
    assert (await client.delete(url, headers=bob.headers)).status_code == 404

    still = (await client.get(url, headers=alice.headers)).json()
    assert still["completed"] is False


async def test_tasks_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(TASKS)).status_code == 401
    assert (await client.post(TASKS, json={"title": "x"})).status_code == 401


async def test_body_over_1_mib_is_413(client: httpx.AsyncClient, auth_headers) -> None:
    big = {"title": "x", "description": "y" * (1024 * 1024)}
    response = await client.post(TASKS, json=big, headers=auth_headers)
    assert response.status_code == 413
    assert "detail" in response.json()


async def test_streamed_body_over_1_mib_is_413(client: httpx.AsyncClient, auth_headers) -> None:
    async def chunks():
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        TASKS, content=chunks(), headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_small_streamed_body_is_accepted(client: httpx.AsyncClient, auth_headers) -> None:
    async def chunks():
        yield b'{"title": '
        yield b'"streamed"}'

    response = await client.post(
        TASKS, content=chunks(), headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json()["title"] == "streamed"


async def test_token_of_a_vanished_user_is_401(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime, timedelta

    import jwt

    from .conftest import TEST_JWT_SECRET

    exp = datetime.now(UTC) + timedelta(hours=1)
    claims = {"sub": "2000000000", "exp": exp, "ver": 0, "jti": "ghost"}
    ghost = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    headers = {"Authorization": f"Bearer {ghost}"}
    # Validly signed, but no such user: a 401 like any other bad token, for reads and writes.
    assert (await client.get(TASKS, headers=headers)).status_code == 401
    response = await client.post(TASKS, json={"title": "x"}, headers=headers)
    assert response.status_code == 401


async def _titles(client: httpx.AsyncClient, headers, **params) -> tuple[list[str], str | None]:
    response = await client.get(TASKS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [t["title"] for t in response.json()], response.headers.get("x-next-offset")


async def test_pages_and_the_next_offset_header(client: httpx.AsyncClient, auth_headers) -> None:
    for n in range(5):
        await client.post(TASKS, json={"title": f"t{n}"}, headers=auth_headers)
    assert await _titles(client, auth_headers, limit=2) == (["t4", "t3"], "2")
    assert await _titles(client, auth_headers, limit=2, offset=2) == (["t2", "t1"], "4")
    assert await _titles(client, auth_headers, limit=2, offset=4) == (["t0"], None)
    assert await _titles(client, auth_headers, limit=5) == (["t4", "t3", "t2", "t1", "t0"], None)
    assert await _titles(client, auth_headers, offset=9) == ([], None)
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"sort": "title"}):
        response = await client.get(TASKS, params=bad, headers=auth_headers)
        assert response.status_code == 422, bad


async def test_sorting_by_due_date_and_priority(client: httpx.AsyncClient, auth_headers) -> None:
    for title, due, priority in (
        ("undated", None, "high"),
        ("later", "2031-01-01", "low"),
        ("sooner", "2030-01-01", "medium"),
    ):
        body = {"title": title, "due_date": due, "priority": priority}
        await client.post(TASKS, json=body, headers=auth_headers)
    assert (await _titles(client, auth_headers, sort="due"))[0] == ["sooner", "later", "undated"]
    by_priority = (await _titles(client, auth_headers, sort="priority"))[0]
    assert by_priority == ["undated", "sooner", "later"]


async def test_the_task_cap_is_a_clear_409(make_client, make_user) -> None:
    user = await make_user()
    async with make_client(max_tasks_per_user=2) as client:
        for n in range(2):
            created = await client.post(TASKS, json={"title": f"t{n}"}, headers=user.headers)
            assert created.status_code == 201
        over = await client.post(TASKS, json={"title": "one too many"}, headers=user.headers)
        assert over.status_code == 409
        assert over.json() == {
            "detail": "Task limit reached: at most 2 tasks per user; delete some first"
        }
        # Deleting one makes room again.
        first = (await client.get(TASKS, headers=user.headers)).json()[0]
        await client.delete(f"{TASKS}/{first['id']}", headers=user.headers)
        again = await client.post(TASKS, json={"title": "fits"}, headers=user.headers)
        assert again.status_code == 201


async def test_delete_is_undoable_within_the_window(make_client, make_user) -> None:
    user = await make_user()
    async with make_client(undo_window_seconds=1) as client:
        task = (await client.post(TASKS, json={"title": "oops"}, headers=user.headers)).json()
        url = f"{TASKS}/{task['id']}"
        assert (await client.delete(url, headers=user.headers)).status_code == 204
        assert (await client.get(url, headers=user.headers)).status_code == 404
        assert (await client.get(TASKS, headers=user.headers)).json() == []
        restored = await client.post(f"{url}/restore", headers=user.headers)
        assert restored.status_code == 200
        assert restored.json() == task
        assert (await client.post(f"{url}/restore", headers=user.headers)).status_code == 404

        assert (await client.delete(url, headers=user.headers)).status_code == 204
        import asyncio

        await asyncio.sleep(1.1)
        late = await client.post(f"{url}/restore", headers=user.headers)
        assert late.status_code == 404
        assert late.json() == {"detail": "No deleted task to restore"}


async def test_purge_removes_only_rows_past_the_undo_window(app, client, auth_headers) -> None:
    from datetime import timedelta

    from pakaura_api import repository
    from pakaura_api.models import utcnow

    task = (await client.post(TASKS, json={"title": "gone"}, headers=auth_headers)).json()
    await client.delete(f"{TASKS}/{task['id']}", headers=auth_headers)
    async with app.state.autocommit_engine.connect() as connection:
        assert await repository.purge_deleted(connection, utcnow() - timedelta(hours=1)) == 0
        assert await repository.purge_deleted(connection, utcnow() + timedelta(seconds=1)) >= 1
    restore = await client.post(f"{TASKS}/{task['id']}/restore", headers=auth_headers)
    assert restore.status_code == 404


async def test_pool_exhaustion_is_503_with_retry_after(make_client, auth_headers) -> None:
    async with make_client(
        db_pool_size=1, db_pool_max_overflow=0, db_pool_timeout_seconds=0.2
    ) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        async with engine.connect():  # the only connection, held
            response = await client.get(TASKS, headers=auth_headers)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "2"
        assert (await client.get(TASKS, headers=auth_headers)).status_code == 200
