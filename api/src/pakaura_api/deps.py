"""Typed dependencies for the routes: settings, a database session, the authenticated user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.config import Settings
from pakaura_api.models import User
from pakaura_api.security import InvalidTokenError, decode_access_token

_bearer = HTTPBearer(auto_error=False, description="The access token from signup or login.")


# Dependencies are `async def`: FastAPI runs plain `def` ones in a worker thread (slow hand-off).
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for requests that only read: no BEGIN/ROLLBACK round trips around the query."""
    async with request.app.state.sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


def read_connection(request: Request) -> AsyncConnection:
    """A pooled connection in autocommit for a single read, without an ORM session:
    `async with read_connection(request) as connection: ...`.

    Deliberately not a dependency: the route takes the connection only for its query (after the
    token is checked, released before the JSON is built), and skips the exit-stack machinery of
    a `yield` dependency (a few % of the task list's CPU in a py-spy profile).
    """
    connection: AsyncConnection = request.app.state.read_engine.connect()
    return connection


# scope="function": the session (and its pooled connection) is released when the route returns,
# not after the response is sent — otherwise a client's next request overlaps the previous one's
# connection and a busy pool overflows into new (SCRAM-authenticated) connections.
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_user_id(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int:
    """The user id from a valid bearer token, decoded once and without a database query."""
    if credentials is None:
        raise _unauthorized("Not authenticated")
    try:
        return decode_access_token(credentials.credentials, settings)
    except InvalidTokenError:
        raise _unauthorized("Invalid or expired token") from None


CurrentUserId = Annotated[int, Depends(current_user_id)]


async def current_user(session: SessionDep, user_id: CurrentUserId) -> User:
    user = await session.get(User, user_id) if 0 < user_id <= 2**31 - 1 else None
    if user is None:
        raise _unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
