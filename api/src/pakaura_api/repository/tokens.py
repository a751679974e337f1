"""Is this token still valid? As SQL conditions that each request folds into its own statement.

A token is valid while its user exists, its version equals the user's `token_version` (a password
change increments it) and its id is not in `revoked_tokens` (sign-out). Checking that in a
separate query would double the task list's round trips, so the task statements join `AUTH` (a
one-row subquery: the user's id when the token is valid, no row otherwise) or test `VALID`.
Parameters: `auth_params(principal)`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, exists, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from pakaura_api.db import Connection, fetch
from pakaura_api.models import RevokedToken, User
from pakaura_api.security import Principal


class TokenNoLongerValid(Exception):  # noqa: N818 (reads as the condition it reports)
    """The token was revoked, its user's password changed, or its user no longer exists."""


_REVOKED = RevokedToken.metadata.tables["revoked_tokens"]
_CONDITION = (
    (col(User.id) == bindparam("auth_user_id"))
    & (col(User.token_version) == bindparam("auth_version"))
    & ~exists().where(col(RevokedToken.jti) == bindparam("auth_jti"))
)
# One row (the user's id) when the token is valid, none otherwise.
AUTH = select(col(User.id).label("id")).where(_CONDITION).subquery("auth")
# For WHERE clauses of statements on other tables.
VALID = exists().where(_CONDITION)

_CHECK: Select[tuple[int]] = select(literal_column("1")).where(_CONDITION)
_CURRENT_USER = select(User).where(_CONDITION)
_REVOKE = insert(RevokedToken).from_select(
    ["jti", "expires_at"],
    select(
        bindparam("auth_jti", type_=_REVOKED.c.jti.type),
        bindparam("expires_at", type_=_REVOKED.c.expires_at.type),
    ).where(_CONDITION),
)
_NEW_VERSION = (
    update(User)
    .where(_CONDITION)
    .values(password_hash=bindparam("password_hash"), token_version=User.token_version + 1)
    .returning(col(User.token_version))
)
_PURGE = _REVOKED.delete().where(col(RevokedToken.expires_at) < bindparam("now"))


def auth_params(principal: Principal) -> dict[str, Any]:
    return {
        "auth_user_id": principal.user_id,
        "auth_version": principal.version,
        "auth_jti": principal.token_id,
    }


async def ensure_valid(connection: Connection, principal: Principal) -> None:
    """Raise `TokenNoLongerValid` unless the token is valid (one statement)."""
    if not await fetch(connection, _CHECK, auth_params(principal)):
        raise TokenNoLongerValid


async def current_user(connection: AsyncConnection, principal: Principal) -> User:
    """The token's user (one statement); `TokenNoLongerValid` when the token is not valid."""
    row = (await connection.execute(_CURRENT_USER, auth_params(principal))).first()
    if row is None:
        raise TokenNoLongerValid
    return User.model_validate(row._mapping)


async def revoke(connection: AsyncConnection, principal: Principal) -> None:
    """Sign this token out (one statement). A token that is already invalid is an error."""
    params = {**auth_params(principal), "expires_at": principal.expires_at}
    # The INSERT ... SELECT adds the row only while the token is valid (same statement).
    result = await connection.execute(_REVOKE.returning(col(RevokedToken.jti)), params)
    if result.first() is None:
        raise TokenNoLongerValid


async def change_password(
    connection: AsyncConnection, principal: Principal, password_hash: str
) -> int:
    """Store the new hash and revoke every older token; returns the new token version."""
    params = {**auth_params(principal), "password_hash": password_hash}
    version = (await connection.execute(_NEW_VERSION, params)).scalar()
    if version is None:
        raise TokenNoLongerValid
    return int(version)


async def purge_expired(connection: AsyncConnection, now: Any) -> int:
    return int((await connection.execute(_PURGE, {"now": now})).rowcount)
