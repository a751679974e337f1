"""Liveness (never touches the database) and readiness (database answers, schema at head or
ahead of this version: a newer version migrated it and expand/contract migrations keep this one
working, e.g. after `invoke rollback`; behind means "run the migration first")."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pakaura_api import __version__
from pakaura_api.revisions import is_ahead

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def liveness() -> dict[str, str]:
    """The process serves requests."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    responses={503: {"description": "Database unreachable or schema behind the migration head"}},
)
async def readiness(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at this version's migration head, or
    ahead of it (a newer version migrated it: after a rollback); the answer names the schema's
    revision."""
    state = request.app.state
    try:
        schema, reason = await asyncio.wait_for(
            _schema(state.probe_engine, state.schema_head),
            timeout=state.settings.readiness_timeout_seconds,
        )
    except TimeoutError:
        schema, reason = {}, "database did not answer in time"
    except Exception as error:  # any driver error means "not ready", never a 500
        schema, reason = {}, f"database unreachable ({type(error).__name__})"
    if reason is None:
        return JSONResponse({"status": "ready", "database": "ok", **schema})
    return JSONResponse({"status": "not ready", "detail": reason}, status_code=503)


async def _schema(engine: AsyncEngine, head: str) -> tuple[dict[str, str], str | None]:
    """(what a ready answer says about the schema, why it is not ready; None when it is)."""
    async with engine.connect() as connection:
        try:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:
            return {}, "schema not migrated (no alembic_version table)"
    if found == head:
        return {"schema": head}, None
    if found and is_ahead(found):
        return {
            "schema": found,
            "detail": f"schema {found} is ahead of this version (head {head}): a newer version "
            "migrated it; expand/contract migrations keep this version working",
        }, None
    return {}, f"schema at {found or 'nothing'}, expected {head}: run `pakaura-api migrate`"
