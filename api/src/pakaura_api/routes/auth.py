"""Sign up, sign in, sign out, change the password, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pakaura_api import repository
from pakaura_api.deps import (
    CurrentPrincipal,
    CurrentUser,
    SettingsDep,
    read_only_session,
    run_statement,
    session_in_transaction,
)
from pakaura_api.emails import lookup_form
from pakaura_api.limits import LoginThrottler
from pakaura_api.models import (
    LoginRequest,
    PasswordChangeRequest,
    SignupRequest,
    TokenResponse,
    User,
    UserPublic,
)
from pakaura_api.repository import tokens
from pakaura_api.security import (
    create_access_token,
    hash_password,
    password_weakness,
    verify_password,
)

router = APIRouter(prefix="/auth", tags=["auth"])

BAD_CREDENTIALS = "Incorrect email or password"
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Missing or invalid token"}}
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many failed attempts from this client",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}


def _token_response(user: User, settings: SettingsDep, version: int | None = None) -> TokenResponse:
    assert user.id is not None
    return TokenResponse(
        access_token=create_access_token(
            user.id, user.token_version if version is None else version, settings
        ),
        user=UserPublic.model_validate(user),
    )


async def _require_strong(password: str, field: str, *context: str) -> None:
    weakness = await password_weakness(password, *context)
    if weakness is not None:
        raise RequestValidationError(
            [{"loc": ("body", field), "msg": weakness, "type": "value_error"}]
        )


def _client(request: Request) -> str:
    # After ProxyHeadersMiddleware: the right-most address not in FORWARDED_ALLOW_IPS.
    return request.client.host if request.client else "unknown"


def _throttled(wait: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "Too many failed login attempts; try again later",
        headers={"Retry-After": str(wait)},
    )


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "Email already registered"}},
)
async def signup(body: SignupRequest, request: Request, settings: SettingsDep) -> TokenResponse:
    """Create an account and return a token for it. The password needs at least 12 characters
    and must not be easy to guess (zxcvbn score 3 or more); the email is stored normalised."""
    await _require_strong(body.password, "password", body.email, body.name or "")
    # Hashed before the database is asked anything: no pooled connection waits on Argon2
    # (`deps.session_in_transaction`). A taken email costs a hash too, as a new one does.
    password_hash = await hash_password(body.password)
    async with session_in_transaction(request) as session:
        if await repository.email_registered(session, body.email):
            raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered")
        user = await repository.add_user(session, body.email, password_hash, body.name)
        try:
            await session.commit()
        except IntegrityError:  # a concurrent signup with the same email won the race
            raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    return _token_response(user, settings)


@router.post("/login", responses={401: {"description": "Wrong email or password"}, **THROTTLED})
async def login(body: LoginRequest, request: Request, settings: SettingsDep) -> TokenResponse:
    """Exchange email and password for a token."""
    throttle: LoginThrottler = request.app.state.login_throttle
    email, client = lookup_form(body.email), _client(request)
    wait = await throttle.retry_after(client, email)
    if wait is not None:
        raise _throttled(wait)
    async with read_only_session(request) as session:
        user = await repository.get_user_by_email(session, email)
    # The connection is back in the pool before Argon2 runs (`deps.session_in_transaction`).
    if not await verify_password(body.password, user.password_hash if user else None):
        await throttle.record_failure(client, email)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"}
        )
    assert user is not None
    await throttle.record_success(client, email)
    return _token_response(user, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHORIZED)
async def logout(request: Request, principal: CurrentPrincipal) -> Response:
    """Sign out: the presented token is revoked server-side (any later use is a 401)."""

    async def revoke(connection: AsyncConnection) -> None:
        await tokens.revoke(connection, principal)

    await run_statement(request, revoke, read_only=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    responses={
        400: {"description": "Current password is incorrect"},
        **UNAUTHORIZED,
        **THROTTLED,
    },
)
async def change_password(
    body: PasswordChangeRequest,
    request: Request,
    principal: CurrentPrincipal,
    user: CurrentUser,
    settings: SettingsDep,
) -> TokenResponse:
    """Change the password. Returns a fresh token; every older token of the user is revoked."""
    throttle: LoginThrottler = request.app.state.login_throttle
    client = _client(request)
    wait = await throttle.retry_after(client, user.email)
    if wait is not None:
        raise _throttled(wait)
    if not await verify_password(body.current_password, user.password_hash):
        # A stolen token must not become a way to guess the password: counted like a login.
        await throttle.record_failure(client, user.email)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Current password is incorrect")
    await _require_strong(body.new_password, "new_password", user.email, user.name or "")
    password_hash = await hash_password(body.new_password)

    async def store(connection: AsyncConnection) -> int:
        return await tokens.change_password(connection, principal, password_hash)

    version = await run_statement(request, store, read_only=False)
    return _token_response(user, settings, version)


@router.get("/me", responses=UNAUTHORIZED)
async def me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(user)
