"""Password hashing (Argon2 via pwdlib) and access tokens (JWT via PyJWT)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import jwt
from anyio import to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from pakaura_api.config import Settings

_hasher = PasswordHash((Argon2Hasher(),))


@functools.cache
def _dummy_hash() -> str:
    # Verified when the email is unknown, so a login takes as long whether or not it exists.
    return _hasher.hash("pakaura-timing-equaliser")


class InvalidTokenError(Exception):
    """The token is missing, malformed, tampered with, expired or uses a refused algorithm."""


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow: keep it off the event loop.
    return await to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    target = password_hash or _dummy_hash()
    valid = await to_thread.run_sync(_hasher.verify, password, target)
    return valid and password_hash is not None


def create_access_token(user_id: int, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(hours=settings.jwt_expiration_hours),
    }
    return jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )


def decode_access_token(token: str, settings: Settings) -> int:
    """The user id in a valid token. Only the configured algorithm is accepted (never `none`)."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "sub"]},
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidTokenError(str(error)) from None
