"""Sign up, log in, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy.exc import IntegrityError

from pakaura_api import repository
from pakaura_api.deps import CurrentUser, SessionDep, SettingsDep
from pakaura_api.limits import FailedLoginLimiter
from pakaura_api.models import (
    LoginRequest,
    SignupRequest,
    TokenResponse,
    User,
    UserPublic,
)
from pakaura_api.security import create_access_token, hash_password, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])

BAD_CREDENTIALS = "Incorrect email or password"


def _token_response(user: User, settings: SettingsDep) -> TokenResponse:
    assert user.id is not None
    return TokenResponse(
        access_token=create_access_token(user.id, settings),
        user=UserPublic.model_validate(user),
    )


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "Email already registered"}},
)
async def signup(body: SignupRequest, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    """Create an account and return a token for it."""
    if await repository.email_registered(session, body.email):
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered")
    password_hash = await hash_password(body.password)
    user = await repository.add_user(session, body.email, password_hash, body.name)
    try:
        await session.commit()
    except IntegrityError:  # a concurrent signup with the same email won the race
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    return _token_response(user, settings)


@router.post(
    "/login",
    responses={
        401: {"description": "Wrong email or password"},
        429: {"description": "Too many failed attempts"},
    },
)
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Exchange email and password for a token."""
    limiter: FailedLoginLimiter = request.app.state.login_limiter
    email = body.email.strip().lower()
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(email, client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "Too many failed login attempts; try again later",
            headers={"Retry-After": str(wait)},
        )
    user = await repository.get_user_by_email(session, email)
    if not await verify_password(body.password, user.password_hash if user else None):
        limiter.record_failure(email, client)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"}
        )
    assert user is not None
    return _token_response(user, settings)


@router.get("/me", responses={401: {"description": "Missing or invalid token"}})
async def me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(user)
