"""Password hashing (Argon2 via pwdlib), the password strength rule (zxcvbn) and access tokens
(JWT via PyJWT).

A token names its user (`sub`), the user's token version (`ver`: a password change increments
it, revoking every older token) and itself (`jti`: sign-out stores it in `revoked_tokens`).
Decoding checks only the signature and the claims' shapes; whether the token is still valid is
checked in the database, folded into each request's own statement (`repository.tokens`).
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from anyio import to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from pakaura_api.config import Settings
from pakaura_api.models import ID_MAX

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


# --- password strength -------------------------------------------------------------------------

MIN_STRENGTH = 3  # zxcvbn's 0..4 score: 3 = "safely unguessable", 10^8+ guesses
# zxcvbn's cost grows steeply with length (measured: 32 chars ≤ 0.1 s, 72 chars up to 1.9 s), so
# it scores the first 32 characters: a longer password passes when its start is strong.
STRENGTH_PREFIX = 32
_estimating_slots = threading.BoundedSemaphore(2)


@functools.cache
def _zxcvbn() -> Any:
    # Imported on first use: 0.1 s and ~10 MB that only sign-up and password changes need.
    import zxcvbn

    return zxcvbn.zxcvbn


def _weakness(password: str, context: tuple[str, ...]) -> str | None:
    with _estimating_slots:
        result = _zxcvbn()(password[:STRENGTH_PREFIX], user_inputs=list(context))
    if result["score"] >= MIN_STRENGTH:
        return None
    hint = result["feedback"].get("warning") or " ".join(result["feedback"]["suggestions"][:1])
    sentence = "This password is too easy to guess."
    return f"{sentence} {hint}".strip() if hint else sentence


async def password_weakness(password: str, *context: str) -> str | None:
    """A plain sentence saying why the password is too weak, or None when it is strong enough.
    `context` (email, name) counts as guessable."""
    return await to_thread.run_sync(_weakness, password, context)


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principal:
    """A token whose signature and claims are valid; not yet checked against the database."""

    user_id: int
    version: int
    token_id: str
    expires_at: datetime


def create_access_token(user_id: int, version: int, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "ver": version,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + timedelta(hours=settings.jwt_expiration_hours),
    }
    return jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )


def decode_access_token(token: str, settings: Settings) -> Principal:
    """The claims of a validly signed token. Only the configured algorithm is accepted (never
    `none`); a subject or version outside the database's INTEGER range is invalid too."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "sub", "ver", "jti"]},
        )
        subject, version, token_id = claims["sub"], claims["ver"], claims["jti"]
        if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
            raise ValueError("subject is not a user id")
        user_id = int(subject)
        if not (0 < user_id <= ID_MAX and type(version) is int and 0 <= version <= ID_MAX):
            raise ValueError("subject or version out of range")
        if not (isinstance(token_id, str) and 0 < len(token_id) <= 64):
            raise ValueError("bad token id")
        return Principal(user_id, version, token_id, datetime.fromtimestamp(claims["exp"], UTC))
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as error:
        raise InvalidTokenError(str(error)) from None
