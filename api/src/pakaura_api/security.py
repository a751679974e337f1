"""Password hashing (Argon2 via pwdlib) and access tokens (JWT via PyJWT)."""

from __future__ import annotations

import functools
import threading
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


# Each Argon2 computation takes 64 MiB for a moment: at most two at once, so a burst of logins
# queues instead of multiplying the process's memory (and its pod's OOM risk).
_hashing_slots = threading.BoundedSemaphore(2)


def _hash(password: str) -> str:
    with _hashing_slots:
        return _hasher.hash(password)


def _verify(password: str, password_hash: str | None) -> bool:
    with _hashing_slots:
        valid = _hasher.verify(password, password_hash or _dummy_hash())
    return valid and password_hash is not None


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow: keep it off the event loop.
    return await to_thread.run_sync(_hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    return await to_thread.run_sync(_verify, password, password_hash)


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
