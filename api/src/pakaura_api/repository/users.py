"""User storage: look-ups by id and by (normalised) email, and new accounts."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from pakaura_api.models import User


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """The account registered under `email` (already normalised by the caller), if any."""
    return (await session.exec(select(User).where(User.email == email))).first()


async def email_registered(session: AsyncSession, email: str) -> bool:
    found = await session.exec(select(User.id).where(User.email == email))
    return found.first() is not None


async def add_user(session: AsyncSession, email: str, password_hash: str, name: str | None) -> User:
    """Stage a new account (the caller commits and handles a duplicate email's IntegrityError)."""
    user = User(email=email, name=name, password_hash=password_hash)
    session.add(user)
    return user
