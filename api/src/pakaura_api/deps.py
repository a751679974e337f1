"""Typed dependencies for the routes: settings, database access, the caller's token and user.

Token dependencies, cheapest first:
- `CurrentPrincipal`: the decoded, signature-checked token, NOT yet checked against the database.
  For routes that fold the check into their own statement (`repository.tokens`), so a request
  stays one round trip (the task routes).
- `CurrentUserId`: the user id of a token checked against the database (one statement): revoked,
  superseded by a password change, or its user gone → 401.
- `CurrentUser`: the `User` row of a valid token (one statement).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api import db
from pakaura_api.config import Settings
from pakaura_api.models import User
from pakaura_api.repository import tokens
from pakaura_api.security import InvalidTokenError, Principal, decode_access_token

_bearer = HTTPBearer(auto_error=False, description="The access token from signup or login.")
T = TypeVar("T")
INVALID_TOKEN = "Invalid or expired token"  # noqa: S105 (a message)


# Dependencies are `async def`: FastAPI runs plain `def` ones in a worker thread (slow hand-off).
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@asynccontextmanager
async def session_in_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in a transaction (the pool's PostgreSQL connections are in autocommit).

    Opened where the route needs the database, not as a dependency: a dependency's session
    holds its pooled connection for the whole route, and sign-up and login spend most of theirs
    hashing a password (tens of ms, two at a time per process). A crowd of logins then held
    every connection of the worker's pool while waiting for a hashing slot, and the task routes
    waited `DB_POOL_TIMEOUT_SECONDS` for one, then answered 503 (`test_auth_pool.py`)."""
    async with request.app.state.sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":
            await session.connection(execution_options=db.TRANSACTION)
        yield session


@asynccontextmanager
async def read_only_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reads only: no BEGIN/ROLLBACK round trips around the query."""
    async with request.app.state.sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


async def run_statement(
    request: Request, work: Callable[[AsyncConnection], Awaitable[T]], *, read_only: bool
) -> T:
    """Run `work` on an autocommit connection of the request's app (`db.run`: one safe retry on a
    connection the database restart killed)."""
    return await db.run(request.app.state.autocommit_engine, work, read_only=read_only)


SettingsDep = Annotated[Settings, Depends(get_settings)]


def unauthorized(detail: str = INVALID_TOKEN) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_principal(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The decoded token (signature, expiry, claim shapes); no database query."""
    if credentials is None:
        raise unauthorized("Not authenticated")
    try:
        return decode_access_token(credentials.credentials, settings)
    except InvalidTokenError:
        raise unauthorized() from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_user_id(request: Request, principal: CurrentPrincipal) -> int:
    """The user id of a token that is still valid in the database (one statement)."""

    async def check(connection: AsyncConnection) -> None:
        await tokens.ensure_valid(connection, principal)

    await run_statement(request, check, read_only=True)
    return principal.user_id


CurrentUserId = Annotated[int, Depends(current_user_id)]


async def current_user(request: Request, principal: CurrentPrincipal) -> User:
    async def load(connection: AsyncConnection) -> User:
        return await tokens.current_user(connection, principal)

    return await run_statement(request, load, read_only=True)


CurrentUser = Annotated[User, Depends(current_user)]
