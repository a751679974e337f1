"""The same app in-process on SQLite (the local default): migrations, requests, foreign keys."""

from __future__ import annotations

import httpx
from pakaura_api.config import load_settings
from pakaura_api.main import create_app
from pakaura_api.migrate import run_migrations
from sqlalchemy import text


async def test_app_on_sqlite(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path)
    run_migrations(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sqlite") as client:
            assert (await client.get("/api/v1/health/ready")).status_code == 200
            signup = await client.post(
                "/api/v1/auth/signup", json={"email": "lite@example.com", "password": "password1"}
            )
            headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
            task = await client.post("/api/v1/tasks", json={"title": "lite"}, headers=headers)
            assert task.status_code == 201
            assert task.json()["created_at"].endswith(("Z", "+00:00"))  # UTC even on SQLite
            listed = (await client.get("/api/v1/tasks", headers=headers)).json()
            assert [t["title"] for t in listed] == ["lite"]
        async with app.state.engine.connect() as conn:
            # Foreign keys are enforced (SQLite needs the pragma on every connection).
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await app.state.engine.dispose()
        await app.state.probe_engine.dispose()
