"""Statements per request, counted in PostgreSQL's log and asserted (issue 11): every task
request is ONE statement (token check folded in, no BEGIN/COMMIT), reads never end in ROLLBACK,
and a read that meets a connection killed by a database restart is retried once."""

from __future__ import annotations

from .conftest import PASSWORD
from .statements import CountedClient

TASKS = "/api/v1/tasks"
TRANSACTION_NOISE = ("BEGIN", "COMMIT", "ROLLBACK", "DEALLOCATE ALL")


async def _signup(counted: CountedClient) -> dict[str, str]:
    response = await counted.http.post(
        "/api/v1/auth/signup", json={"email": "count@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_each_task_request_is_one_statement(counted_client: CountedClient) -> None:
    http = counted_client.http
    headers = await _signup(counted_client)
    requests = [
        ("create", "POST", TASKS, {"title": "counted"}, 201, "INSERT"),
        ("list", "GET", TASKS, None, 200, "SELECT"),
        ("get", "GET", f"{TASKS}/{{id}}", None, 200, "SELECT"),
        ("update", "PATCH", f"{TASKS}/{{id}}", {"completed": True}, 200, "UPDATE"),
        ("delete", "DELETE", f"{TASKS}/{{id}}", None, 204, "UPDATE"),
        ("restore", "POST", f"{TASKS}/{{id}}/restore", None, 200, "UPDATE"),
        ("me", "GET", "/api/v1/auth/me", None, 200, "SELECT"),
    ]
    task_id = None
    counts = {}
    for name, method, path, body, expected, verb in requests:
        for _ in range(2):  # the second run uses psycopg's prepared statement: still one
            async with counted_client.count() as statements:
                response = await http.request(
                    method, path.format(id=task_id), json=body, headers=headers
                )
            assert response.status_code == expected, (name, response.text)
            if name == "create":
                task_id = response.json()["id"]
            if name == "delete":  # deleting twice: the second is a 404 after 2 statements
                break
            if name == "restore":
                break
        counts[name] = len(statements)
        assert len(statements) == 1, (name, statements)
        assert statements[0].upper().startswith(verb), (name, statements)
    print(f"statements per request: {counts}")


async def test_reads_never_open_a_transaction(counted_client: CountedClient) -> None:
    headers = await _signup(counted_client)
    async with counted_client.count() as statements:
        for _ in range(7):  # past psycopg's prepare threshold (5)
            await counted_client.http.get(TASKS, headers=headers)
            await counted_client.http.get("/api/v1/auth/me", headers=headers)
    assert len(statements) == 14
    assert not [s for s in statements if s.upper().startswith(TRANSACTION_NOISE)]


async def test_a_read_survives_a_database_restart(counted_client: CountedClient) -> None:
    """Pre-ping is off: the first read on a connection the restart killed is retried once on a
    fresh one, so readers never see the restart. A write is retried too when PostgreSQL had
    already ended the session (57P01 on shutdown): the statement never ran, so it cannot be
    applied twice."""
    http = counted_client.http
    headers = await _signup(counted_client)
    assert (await http.post(TASKS, json={"title": "before"}, headers=headers)).status_code == 201
    assert (await http.get(TASKS, headers=headers)).status_code == 200

    counted_client.server.restart()
    listed = await http.get(TASKS, headers=headers)
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()] == ["before"]

    counted_client.server.restart()
    write = await http.post(TASKS, json={"title": "after"}, headers=headers)
    assert write.status_code == 201, write.text
    listed = await http.get(TASKS, headers=headers)
    assert [t["title"] for t in listed.json()] == ["after", "before"]  # applied exactly once


async def test_a_demo_chat_turn_is_at_most_three_statements(
    counted_client: CountedClient,
) -> None:
    """A chat turn never holds a connection while it thinks, so it never spans a transaction:
    one read (the token check, the conversation's history, the user's tasks when the demo needs
    them), the task's one statement when it changes one, one statement storing the turn."""
    http = counted_client.http
    headers = await _signup(counted_client)
    messages = [
        "Add a task to buy milk tomorrow",  # a new conversation
        "Add a task to call mom",
        "mark buy milk as done",  # the title is resolved from the tasks read with the turn
        "show my tasks",
        "rename call mom to call dad",
        "delete it",
        "hello",
    ]
    conversation = None
    counts: dict[str, int] = {}
    # Twice: the second round runs on psycopg's prepared statements (counted the same).
    for message in messages + [f"{m} again" if m.startswith("Add") else m for m in messages]:
        body = {"message": message, "conversation_id": conversation}
        async with counted_client.count() as statements:
            response = await http.post("/api/v1/chat", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["mode"] == "demo"
        assert len(statements) <= 3, (message, statements)
        assert not [s for s in statements if s.upper().startswith(TRANSACTION_NOISE)]
        counts.setdefault(message, len(statements))  # the first round's
        conversation = response.json()["conversation_id"]
    print(f"statements per demo chat turn: {counts}")
    assert counts["Add a task to buy milk tomorrow"] == 3  # read; INSERT; store
    assert counts["mark buy milk as done"] == 3  # read (history + tasks); UPDATE; store
    assert counts["delete it"] == 3  # read; UPDATE (soft delete); store
    assert counts["show my tasks"] == 2  # read; store
    assert counts["hello"] == 2


async def test_each_conversation_page_is_one_statement(counted_client: CountedClient) -> None:
    http = counted_client.http
    headers = await _signup(counted_client)
    chat = await http.post("/api/v1/chat", json={"message": "hello"}, headers=headers)
    conversation = chat.json()["conversation_id"]
    for path in ("/api/v1/conversations", f"/api/v1/conversations/{conversation}/messages"):
        async with counted_client.count() as statements:
            response = await http.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert len(statements) == 1, (path, statements)


async def test_connections_the_server_ended_are_replaced_before_use(
    counted_client: CountedClient,
) -> None:
    """A pooled connection whose session the server ended (here: terminated, as a PostgreSQL pod
    going away does) is noticed at checkout without a round trip and replaced, so the next
    write and the next sign-in never see it: no 503, and the write is applied once."""
    http = counted_client.http
    headers = await _signup(counted_client)
    assert (await http.post(TASKS, json={"title": "before"}, headers=headers)).status_code == 201
    counted_client.server.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'pakaura-api'"
    )
    write = await http.post(TASKS, json={"title": "after"}, headers=headers)
    assert write.status_code == 201, write.text
    counted_client.server.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'pakaura-api'"
    )
    login = await http.post(
        "/api/v1/auth/login", json={"email": "count@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    listed = await http.get(TASKS, headers=headers)
    assert [t["title"] for t in listed.json()] == ["after", "before"]
