"""The busiest requests, in their plainest form, answered without FastAPI's per-request machinery.

Measured (callgrind, in-process): of a 50-task list's instructions, routing through the included
routers, solving the dependencies (bearer scheme, settings, four query parameters with copied
defaults), the route's own exception and exit-stack layers and the telemetry hooks were ~1.4 M
of 1.9 M once the database and the token were taken out (and ~0.9 M more for a route with a
body). So `GET /tasks`, `POST /tasks`, `PATCH /tasks/{id}` and `POST /chat` are answered here
when the request is exactly what the route would accept without a question:

- a `Bearer` token that decodes (the same `decode_access_token`, cache included);
- for the list: no query parameters, or only `status`, `sort`, `limit`, `offset`, each once, each
  valid; for a new task, a change or a chat turn: an `application/json` body that `TaskCreate` /
  `TaskUpdate` / `ChatRequest` accepts (and a task id of plain digits);
- no `Origin` header (a browser's cross-origin request goes through CORS as before).

Anything else — no token, a bad one, a parameter FastAPI would refuse or ignore, a body it would
answer with a 422 — goes to the FastAPI route unchanged (the body is replayed), so every refusal
keeps its exact shape. The answer itself is built by the same code as the route's
(`routes.tasks.*_response`, `routes.chat.answer`), errors raised on the way are answered by the
app's own exception handlers, and the middleware around (request id, client address, security
headers, body limit) applies as before. The OpenAPI document still describes the routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pakaura_api.models import ID_MAX, ChatRequest, TaskCreate, TaskUpdate
from pakaura_api.routes.chat import answer, chat_response
from pakaura_api.routes.tasks import (
    PAGE_DEFAULT,
    PAGE_MAX,
    create_response,
    list_response,
    update_response,
)
from pakaura_api.security import InvalidTokenError, Principal, decode_access_token
from pakaura_api.terms import TaskSort, TaskStatus

ModelT = TypeVar("ModelT", bound=BaseModel)
Handler = Callable[[FastAPI, Principal, Scope, bytes], Awaitable[Response | None]]
_DIGITS = re.compile(r"[0-9]{1,10}")
_ID = re.compile(r"[1-9][0-9]{0,9}")


class HotPaths:
    """Pure ASGI; the innermost of the app's middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, api: FastAPI, prefix: str) -> None:
        self.app = app
        self.api = api
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", f"{prefix}/tasks"): _task_list,
            ("POST", f"{prefix}/tasks"): _task_create,
            ("POST", f"{prefix}/chat"): _chat_turn,
        }

        self.one_task = f"{prefix}/tasks/"  # PATCH {one_task}{id}

    def _handler(self, scope: Scope) -> Handler | None:
        if scope["type"] != "http":
            return None
        method, path = scope["method"], scope["path"]
        if method == "PATCH" and path.startswith(self.one_task):
            # A plain id only (not /tasks/007, /tasks/x or deeper paths: the routes answer).
            return _task_update if _ID.fullmatch(path[len(self.one_task) :]) else None
        return self.routes.get((method, path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handler(scope)
        principal = _principal(scope, self.api) if handler is not None else None
        if handler is None or principal is None:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive) if scope["method"] != "GET" else (b"", [])
        try:
            response = await handler(self.api, principal, scope, body)
        except Exception as error:
            response = await self._answer_error(scope, error)
        if response is None:  # not the plain form: the route decides, on the same body
            await self.app(scope, _replay(messages, receive), send)
            return
        await response(scope, receive, send)

    async def _answer_error(self, scope: Scope, error: Exception) -> Response:
        """As the app's exception handlers answer it (what the route's errors would get)."""
        for kind in type(error).__mro__:
            handler = self.api.exception_handlers.get(kind)
            if handler is not None:
                answered = handler(Request(scope), error)
                response: Response = await answered if isawaitable(answered) else answered
                return response
        raise error


def _principal(scope: Scope, api: FastAPI) -> Principal | None:
    """The decoded bearer token of a same-origin request, or None (the route decides)."""
    authorization = None
    for name, value in scope["headers"]:
        if name == b"origin":
            return None
        if name == b"authorization" and authorization is None:  # the first, as Starlette reads
            authorization = value
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token or token != token.strip():
        return None
    try:
        return decode_access_token(token, api.state.settings)
    except InvalidTokenError:
        return None


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return b"".join(m.get("body", b"") for m in messages), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


# --- GET /tasks --------------------------------------------------------------------------------

_STATUS = {status.value: status for status in TaskStatus}
_SORT = {sort.value: sort for sort in TaskSort}


def _page_query(query: bytes) -> dict[str, Any] | None:
    """The list's parameters when every one is known, given once and valid; else None."""
    found: dict[str, Any] = {}
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in found:
            return None
        if name == "status" and value in _STATUS:
            found[name] = _STATUS[value]
        elif name == "sort" and value in _SORT:
            found[name] = _SORT[value]
        elif name in ("limit", "offset") and _DIGITS.fullmatch(value):
            found[name] = int(value)
        else:
            return None
    return found


async def _task_list(
    api: FastAPI, principal: Principal, scope: Scope, _body: bytes
) -> Response | None:
    query = _page_query(scope["query_string"]) if scope["query_string"] else {}
    if query is None:
        return None
    limit = query.get("limit", PAGE_DEFAULT)
    offset = query.get("offset", 0)
    if not (1 <= limit <= PAGE_MAX and 0 <= offset <= ID_MAX):
        return None
    status = query.get("status", TaskStatus.all)
    sort = query.get("sort", TaskSort.created)
    return await list_response(api, principal, status, sort, limit, offset)


# --- POST /tasks, PATCH /tasks/{id}, POST /chat: a JSON body the route's model accepts ---------


def _json_body(scope: Scope, body: bytes, model: type[ModelT]) -> ModelT | None:
    """The body as the route would validate it (parsed, then validated, as FastAPI does), or
    None: not `application/json`, or refused (the route answers with its 422)."""
    content_type = next((v for n, v in scope["headers"] if n == b"content-type"), b"")
    if content_type.split(b";")[0].strip().lower() != b"application/json":
        return None
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return None


async def _task_create(
    api: FastAPI, principal: Principal, scope: Scope, body: bytes
) -> Response | None:
    task = _json_body(scope, body, TaskCreate)
    return None if task is None else await create_response(api, principal, task)


async def _task_update(
    api: FastAPI, principal: Principal, scope: Scope, body: bytes
) -> Response | None:
    changes = _json_body(scope, body, TaskUpdate)
    if changes is None:
        return None
    task_id = int(scope["path"].rpartition("/")[2])  # digits only (`HotPaths._handler`)
    return await update_response(api, principal, task_id, changes)


async def _chat_turn(
    api: FastAPI, principal: Principal, scope: Scope, body: bytes
) -> Response | None:
    request = _json_body(scope, body, ChatRequest)
    return None if request is None else chat_response(await answer(api, principal, request))
