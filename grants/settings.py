"""Settings, read once from the environment (and an optional `.env` file).

Every setting is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.config import Config
from starlette.datastructures import Secret

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - the known default we refuse in production

_env_file = Path(os.environ.get("GRANTS_ENV_FILE", str(ROOT / ".env")))
config = Config(_env_file if _env_file.is_file() else None)


class SettingsError(RuntimeError):
    """The configuration is unsafe or invalid; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: Secret
    allow_sqlite_in_production: bool
    time_zone: ZoneInfo
    upload_dir: Path
    max_upload_bytes: int
    default_locale: str
    mail_host: str
    mail_port: int
    mail_user: str
    mail_password: Secret
    mail_from: str
    mail_starttls: bool
    base_url: str
    login_max_failures: int
    login_window_minutes: int
    registration_max_per_hour: int = 5

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_sqlite_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'grants.sqlite3'}"


def load_settings() -> Settings:
    """Read the environment into Settings and refuse unsafe production configurations."""
    env = config("GRANTS_ENV", default="development")
    database_url = config("DATABASE_URL", default="") or default_sqlite_url()
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    settings = Settings(
        env=env,
        database_url=database_url,
        secret_key=config("SECRET_KEY", cast=Secret, default=DEFAULT_SECRET),
        allow_sqlite_in_production=config("ALLOW_SQLITE_IN_PRODUCTION", cast=bool, default=False),
        time_zone=ZoneInfo(config("TIME_ZONE", default="Asia/Shanghai")),
        upload_dir=Path(config("UPLOAD_DIR", default=str(ROOT / "var" / "uploads"))),
        max_upload_bytes=config("MAX_UPLOAD_BYTES", cast=int, default=10 * 1024 * 1024),
        default_locale=config("DEFAULT_LOCALE", default="zh_CN"),
        mail_host=config("MAIL_HOST", default=""),
        mail_port=config("MAIL_PORT", cast=int, default=25),
        mail_user=config("MAIL_USER", default=""),
        mail_password=config("MAIL_PASSWORD", cast=Secret, default=""),
        mail_from=config("MAIL_FROM", default="noreply@grants.invalid"),
        mail_starttls=config("MAIL_STARTTLS", cast=bool, default=False),
        base_url=config("BASE_URL", default="http://127.0.0.1:8000"),
        login_max_failures=config("LOGIN_MAX_FAILURES", cast=int, default=5),
        login_window_minutes=config("LOGIN_WINDOW_MINUTES", cast=int, default=15),
        registration_max_per_hour=config("REGISTRATION_MAX_PER_HOUR", cast=int, default=5),
    )
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Refuse to run in production with a default secret or, unless told, on SQLite."""
    if settings.env not in {"development", "test", "production"}:
        raise SettingsError(
            f"GRANTS_ENV must be development, test or production, not {settings.env!r}"
        )
    if not settings.is_production:
        return
    if str(settings.secret_key) == DEFAULT_SECRET or len(str(settings.secret_key)) < 32:
        raise SettingsError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if settings.is_sqlite and not settings.allow_sqlite_in_production:
        raise SettingsError(
            "production runs on PostgreSQL: set DATABASE_URL, "
            "or ALLOW_SQLITE_IN_PRODUCTION=true to run on SQLite deliberately"
        )


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def reset_settings(settings: Settings | None = None) -> None:
    """Replace the cached settings (tests and the CLI use this)."""
    global _settings
    _settings = settings
