"""Liveness (never touches the database) and readiness (database answers, schema at head)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pakaura_api import __version__

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def liveness() -> dict[str, str]:
    """The process serves requests."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    responses={503: {"description": "Database unreachable or schema not at the migration head"}},
)
async def readiness(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the migration head."""
    state = request.app.state
    try:
        reason = await asyncio.wait_for(
            _schema_problem(state.probe_engine, state.schema_head),
            timeout=state.settings.readiness_timeout_seconds,
        )
    except TimeoutError:
        reason = "database did not answer in time"
    except Exception as error:  # any driver error means "not ready", never a 500
        reason = f"database unreachable ({type(error).__name__})"
    if reason is None:
        return JSONResponse({"status": "ready", "database": "ok"})
    return JSONResponse({"status": "not ready", "detail": reason}, status_code=503)


async def _schema_problem(engine: AsyncEngine, head: str) -> str | None:
    async with engine.connect() as connection:
        try:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:
            return "schema not migrated (no alembic_version table)"
    if found != head:
        return f"schema at {found or 'nothing'}, expected {head}: run `pakaura-api migrate`"
    return None
