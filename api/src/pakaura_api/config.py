"""All configuration, read once from the environment into one typed `Settings` object.

Secrets are `SecretStr` so they print masked everywhere (logs, reprs, tracebacks).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

# Values copied from examples and templates; a deployment that keeps one of them is not secret.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "jwt-secret",
        "placeholder",
        "password",
    }
)
MIN_SECRET_LENGTH = 32  # PyJWT warns below 32 bytes for HS256
JWT_SECRET_FILE = "jwt-secret"  # noqa: S105 (a file name)
SQLITE_FILE = "pakaura.sqlite3"
# The chat's defaults, here and nowhere else (the chat package reads them through `Settings`).
AI_MODEL = "command-a-03-2025"
AI_TEMPERATURE_MIN, AI_TEMPERATURE_MAX = 0.0, 1.0  # Cohere accepts 0..1


class ConfigError(Exception):
    """Configuration that must not start; the message is one line meant for the operator."""


class Environment(StrEnum):
    local = "local"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=False)

    pakaura_env: Environment | None = None
    pakaura_data_dir: Path = Path(".pakaura")

    database_url: SecretStr | None = None  # may embed a password
    db_host: str | None = None
    db_port: int = Field(default=5432, ge=1, le=65535)
    db_name: str = "pakaura"
    db_user: str = "pakaura"
    db_password: SecretStr = SecretStr("")
    # PER WORKER (`pakaura-api serve --workers N` runs N processes, each with its own pool).
    # Sized to a worker's concurrency: see `api/README.md` ("Pool size") for the formula. No
    # overflow by default: under sustained load, overflow connections are opened and closed
    # again and again (a handshake each: 3 % of the list's CPU at 32 clients); a request beyond
    # the pool waits for a connection (DB_POOL_TIMEOUT_SECONDS, then 503) instead.
    db_pool_size: int = Field(default=15, ge=1)
    db_pool_max_overflow: int = Field(default=0, ge=0)
    # Off: a round trip before every checkout (7-17 % of the task list's CPU). Instead a read
    # that meets a connection killed by a database restart is retried once on a fresh one.
    db_pool_pre_ping: bool = False
    # A request that waits longer than this for a pooled connection is answered 503.
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # SQLite: how long a writer waits for the database lock before giving up (503).
    db_busy_timeout_seconds: float = Field(default=15.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=2.0, gt=0)

    jwt_secret: SecretStr = SecretStr("")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"  # never "none"
    jwt_expiration_hours: int = Field(default=24, ge=1)

    frontend_url: str = "http://localhost:3000"

    cohere_api_key: SecretStr | None = None
    cohere_base_url: str = "https://api.cohere.com"
    ai_model: str = AI_MODEL
    ai_temperature: float = Field(default=0.3, ge=AI_TEMPERATURE_MIN, le=AI_TEMPERATURE_MAX)
    ai_max_tokens: int = Field(default=300, ge=1)
    ai_timeout_seconds: float = Field(default=30, gt=0)
    ai_max_retries: int = Field(default=1, ge=0)

    log_level: str = "INFO"

    # `pakaura-api serve`: worker processes (None: the container's CPU limit, see cli.py).
    api_workers: int | None = Field(default=None, ge=1)
    # Peers whose X-Forwarded-For/-Proto are believed (IPs or CIDRs, comma-separated; uvicorn's
    # semantics: the right-most address that is not a trusted proxy is the client).
    forwarded_allow_ips: str = "127.0.0.1"

    # Login throttling, kept in the database (shared by every worker and replica). Failed logins
    # are counted per client address and per (client, email); past the free failures each
    # further one doubles the wait, from the base delay up to the maximum. A quiet window resets.
    login_attempts_per_email: int = Field(default=5, ge=1)  # per (client, email)
    login_attempts_per_client: int = Field(default=30, ge=1)
    login_base_delay_seconds: float = Field(default=1.0, gt=0)
    login_max_delay_seconds: float = Field(default=900.0, gt=0)
    login_window_seconds: int = Field(default=3600, ge=1)

    max_tasks_per_user: int = Field(default=10_000, ge=1)
    undo_window_seconds: int = Field(default=60, ge=1)  # a deleted task can be restored this long
    purge_interval_seconds: float = Field(default=300.0, gt=0)  # housekeeping, per worker

    # Chat turns running at once (429 + Retry-After beyond): per user, and per process.
    chat_max_concurrent_per_user: int = Field(default=2, ge=1)
    chat_max_concurrent: int = Field(default=16, ge=1)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    readiness_timeout_seconds: float = Field(default=1.5, gt=0, le=2)

    _generated_dev_secret: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _resolve_environment_and_secret(self) -> Settings:
        if self.pakaura_env is None:
            configured = self.database_url is not None or self.db_host is not None
            self.pakaura_env = Environment.production if configured else Environment.local
        if self.pakaura_env is not Environment.local and self._db_password_is_placeholder():
            raise ValueError(
                "DB_PASSWORD (or the password in DATABASE_URL) is a placeholder: set the "
                "database password to a generated value"
            )
        if self.jwt_secret_is_usable:
            return self
        if self.pakaura_env is not Environment.local:
            raise ValueError(
                "JWT_SECRET is missing or a placeholder: set it to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters (required outside PAKAURA_ENV=local)"
            )
        self.jwt_secret, self._generated_dev_secret = _local_dev_secret(self.pakaura_data_dir)
        return self

    @property
    def jwt_secret_is_usable(self) -> bool:
        value = self.jwt_secret.get_secret_value()
        return value.lower() not in PLACEHOLDER_SECRETS and len(value) >= MIN_SECRET_LENGTH

    def _db_password_is_placeholder(self) -> bool:
        # An empty password is not a placeholder: certificate or trust authentication need none.
        passwords = [self.db_password.get_secret_value()]
        if self.database_url is not None:
            # A malformed URL is reported by `database()`.
            with contextlib.suppress(Exception):
                passwords.append(make_url(self.database_url.get_secret_value()).password or "")
        return any(p and p.lower() in PLACEHOLDER_SECRETS for p in passwords)

    @property
    def generated_dev_secret(self) -> bool:
        return self._generated_dev_secret

    @property
    def is_local(self) -> bool:
        return self.pakaura_env is Environment.local

    @property
    def sqlite_path(self) -> Path:
        return self.pakaura_data_dir / SQLITE_FILE

    def database(self, *, sync: bool = False) -> URL:
        """The database URL with the driver SQLAlchemy needs (async for the app, sync: Alembic)."""
        if self.database_url is not None:
            url = make_url(self.database_url.get_secret_value())
        elif self.db_host is not None:
            url = URL.create(
                "postgresql",
                username=self.db_user,
                password=self.db_password.get_secret_value() or None,
                host=self.db_host,
                port=self.db_port,
                database=self.db_name,
            )
        else:
            url = URL.create("sqlite", database=str(self.sqlite_path))
        backend = url.get_backend_name()
        if backend in ("postgresql", "postgres"):
            return url.set(drivername="postgresql+psycopg")
        if backend == "sqlite":
            return url.set(drivername="sqlite" if sync else "sqlite+aiosqlite")
        raise ConfigError(
            f"DATABASE_URL: unsupported database {backend!r} (use postgresql or sqlite)"
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database().get_backend_name() == "sqlite"

    def masked(self) -> dict[str, Any]:
        """Every setting as it may be logged: secrets masked, the DB URL without its password."""
        values = self.model_dump(mode="json")  # SecretStr dumps as "**********"
        values["database_url"] = self.database().render_as_string(hide_password=True)
        values["cohere_api_key"] = "**********" if self.cohere_api_key else None
        return values


def _local_dev_secret(data_dir: Path) -> tuple[SecretStr, bool]:
    """A per-machine secret for local runs: made once, reused so tokens survive restarts."""
    path = data_dir / JWT_SECRET_FILE
    if path.exists():
        return SecretStr(path.read_text().strip()), False
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not both write (the loser reads the winner's).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return SecretStr(path.read_text().strip()), False
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return SecretStr(value), True


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; any problem becomes a one-line `ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]).upper()
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if name else message)
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
