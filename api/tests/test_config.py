"""Settings: environment resolution, refusing placeholder secrets, the local dev secret, masking."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from pakaura_api.config import ConfigError, Environment, load_settings

from .conftest import TEST_JWT_SECRET


def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**keep, **extra}


@pytest.mark.parametrize("secret", ["", "changeme", "CHANGE-ME", "secret", "short-but-random"])
def test_placeholder_secret_refused_outside_local(secret: str, tmp_path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(
            database_url="postgresql://u@h/d", jwt_secret=secret, pakaura_data_dir=tmp_path
        )
    assert "JWT_SECRET" in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "jwt-secret").exists()


def test_serve_refuses_to_start_with_one_line(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pakaura_api", "serve"],
        env=_env(DB_HOST="db.example", JWT_SECRET="changeme", DB_PASSWORD="hunter2-password"),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "JWT_SECRET" in lines[0]
    assert "hunter2" not in run.stderr + run.stdout


def test_wrong_types_are_one_line_too(tmp_path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(db_port="not-a-port", pakaura_data_dir=tmp_path)
    assert str(error.value).startswith("invalid configuration: DB_PORT:")
    assert "\n" not in str(error.value)


def test_temperature_outside_cohere_range_is_a_config_error(tmp_path) -> None:
    # The chat client accepts 0..1 (Cohere's range): a higher value must stop start-up with one
    # line naming the variable, not a traceback from deep inside app creation.
    with pytest.raises(ConfigError) as error:
        load_settings(ai_temperature=1.5, pakaura_data_dir=tmp_path)
    assert "ai_temperature" in str(error.value).lower()
    assert "\n" not in str(error.value)


def test_unsupported_database_refused() -> None:
    settings = load_settings(database_url="mysql://u:p@h/d", jwt_secret=TEST_JWT_SECRET)
    with pytest.raises(ConfigError, match="unsupported database"):
        settings.database()


def test_local_dev_secret_is_generated_once(tmp_path) -> None:
    first = load_settings(pakaura_data_dir=tmp_path / "data")
    assert first.pakaura_env is Environment.local
    assert first.generated_dev_secret
    path = tmp_path / "data" / "jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_settings(pakaura_data_dir=tmp_path / "data")
    assert not second.generated_dev_secret
    assert second.jwt_secret.get_secret_value() == first.jwt_secret.get_secret_value()
    assert len(first.jwt_secret.get_secret_value()) >= 32
    assert first.is_sqlite
    assert (
        first.database().render_as_string()
        == f"sqlite+aiosqlite:///{tmp_path}/data/pakaura.sqlite3"
    )


def test_explicit_local_env_keeps_a_given_secret(tmp_path) -> None:
    settings = load_settings(pakaura_data_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    assert settings.jwt_secret.get_secret_value() == TEST_JWT_SECRET
    assert not (tmp_path / "jwt-secret").exists()


def test_db_parts_compose_the_url() -> None:
    settings = load_settings(
        db_host="postgresql",
        db_port=6543,
        db_name="pakaura",
        db_user="app",
        db_password="p@ss:w/rd%",
        jwt_secret=TEST_JWT_SECRET,
    )
    assert settings.pakaura_env is Environment.production
    url = settings.database()
    assert (url.drivername, url.host, url.port, url.database, url.username) == (
        "postgresql+psycopg",
        "postgresql",
        6543,
        "pakaura",
        "app",
    )
    assert url.password == "p@ss:w/rd%"  # special characters survive (escaped in the URL)
    assert "p@ss" not in settings.masked()["database_url"]


def test_database_url_wins_over_parts() -> None:
    settings = load_settings(
        database_url="postgresql://u:pw@one/d", db_host="two", jwt_secret=TEST_JWT_SECRET
    )
    assert settings.database().host == "one"


def test_masked_settings_hide_every_secret() -> None:
    settings = load_settings(
        database_url="postgresql://u:db-password-123@h/d",
        db_password="db-password-123",
        jwt_secret=TEST_JWT_SECRET,
        cohere_api_key="cohere-key-123",
    )
    text = json.dumps(settings.masked())
    for secret in ("db-password-123", TEST_JWT_SECRET, "cohere-key-123"):
        assert secret not in text
    assert settings.masked()["jwt_secret"] == "**********"
    assert settings.masked()["cohere_api_key"] == "**********"


def test_algorithm_none_is_refused() -> None:
    with pytest.raises(ConfigError, match="JWT_ALGORITHM"):
        load_settings(jwt_algorithm="none", jwt_secret=TEST_JWT_SECRET)
