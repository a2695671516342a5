"""Settings, read once from the environment (and an optional `.env` file).

Every setting is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.config import Config
from starlette.datastructures import Secret

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - the known default we refuse in production
# The placeholders shipped in deploy/env.example: refused in production (a test keeps them equal).
EXAMPLE_SECRET = "change-me-generate-with-python3-secrets-token-urlsafe-48"  # noqa: S105
EXAMPLE_AUDIT_KEY = "change-me-another-random-value-not-the-secret-key"
# Words that mark a value someone forgot to replace.
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "insecure", "example", "placeholder",
                     "dev-secret", "development", "your-secret", "secret-key", "password")

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
    login_max_failures_per_address: int
    max_form_bytes: int
    max_form_fields: int
    session_idle_minutes: int
    session_max_hours: int
    audit_key: Secret
    audit_checkpoint_dir: Path
    registration_max_per_hour: int = 5
    page_threads: int = 2
    heavy_threads: int = 2
    page_cache_seconds: int = 10
    page_cache_entries: int = 2000

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def audit_seal_key(self) -> bytes:
        """The key that seals audit events: AUDIT_KEY, or one derived from SECRET_KEY."""
        if str(self.audit_key):
            return str(self.audit_key).encode("utf-8")
        return hashlib.sha256(b"grants-audit-seal:" + str(self.secret_key).encode("utf-8")).digest()

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
        login_max_failures_per_address=config("LOGIN_MAX_FAILURES_PER_ADDRESS", cast=int,
                                              default=20),
        max_form_bytes=config("MAX_FORM_BYTES", cast=int, default=256 * 1024),
        max_form_fields=config("MAX_FORM_FIELDS", cast=int, default=1000),
        session_idle_minutes=config("SESSION_IDLE_MINUTES", cast=int, default=120),
        session_max_hours=config("SESSION_MAX_HOURS", cast=int, default=12),
        audit_key=config("AUDIT_KEY", cast=Secret, default=""),
        audit_checkpoint_dir=Path(config("AUDIT_CHECKPOINT_DIR",
                                         default=str(ROOT / "var" / "audit-checkpoints"))),
        registration_max_per_hour=config("REGISTRATION_MAX_PER_HOUR", cast=int, default=5),
        page_threads=config("PAGE_THREADS", cast=int, default=2),
        heavy_threads=config("HEAVY_THREADS", cast=int, default=2),
        page_cache_seconds=config("PAGE_CACHE_SECONDS", cast=int, default=10),
        page_cache_entries=config("PAGE_CACHE_ENTRIES", cast=int, default=2000),
    )
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Refuse to run in production with a default secret or, unless told, on SQLite."""
    if settings.env not in {"development", "test", "production"}:
        raise SettingsError(
            f"GRANTS_ENV must be development, test or production, not {settings.env!r}"
        )
    for name, threads in (("PAGE_THREADS", settings.page_threads),
                          ("HEAVY_THREADS", settings.heavy_threads)):
        if not 1 <= threads <= 64:
            raise SettingsError(f"{name} must be a whole number from 1 to 64, not {threads}")
    if not 0 <= settings.page_cache_seconds <= 300:
        raise SettingsError("PAGE_CACHE_SECONDS must be a whole number from 0 (off) to 300, "
                            f"not {settings.page_cache_seconds}")
    if settings.page_cache_seconds >= settings.session_idle_minutes * 60:
        raise SettingsError("PAGE_CACHE_SECONDS must be shorter than SESSION_IDLE_MINUTES: a "
                            "kept page would outlive the session's idle timeout")
    if not 1 <= settings.page_cache_entries <= 1_000_000:
        raise SettingsError("PAGE_CACHE_ENTRIES must be a whole number from 1 to 1000000, "
                            f"not {settings.page_cache_entries}")
    if not settings.is_production:
        return
    problem = key_problem(str(settings.secret_key))
    if problem:
        raise SettingsError(
            f"SECRET_KEY {problem}: set it to a random value of at least 32 characters in "
            "production (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    audit_problem = ("is not set" if not str(settings.audit_key)
                     else key_problem(str(settings.audit_key)))
    if not audit_problem and str(settings.audit_key) == str(settings.secret_key):
        audit_problem = "must differ from SECRET_KEY"
    if audit_problem:
        raise SettingsError(
            f"AUDIT_KEY {audit_problem}: production seals the audit trail with its own random "
            "key of at least 32 characters, kept out of the database "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if settings.is_sqlite and not settings.allow_sqlite_in_production:
        raise SettingsError(
            "production runs on PostgreSQL: set DATABASE_URL, "
            "or ALLOW_SQLITE_IN_PRODUCTION=true to run on SQLite deliberately"
        )


def key_problem(key: str) -> str | None:
    """Why a secret key is unfit for production (a short phrase), or None when it looks random.

    Refuses the development default, the placeholders from deploy/env.example, anything that
    still says "change-me" or similar, keys shorter than 32 characters, and low-entropy keys:
    few distinct characters, a repeated pattern, or too little estimated randomness.
    """
    if key in {DEFAULT_SECRET, EXAMPLE_SECRET, EXAMPLE_AUDIT_KEY}:
        return "is a published example value"
    lowered = key.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder"
    if len(key) < 32:
        return "needs at least 32 characters"
    if len(set(key)) < 8:
        return "has too few distinct characters"
    for size in range(1, len(key) // 2 + 1):
        if len(key) % size == 0 and key[:size] * (len(key) // size) == key:
            return "is a repeated pattern"
    steps = sum(1 for a, b in pairwise(key) if abs(ord(a) - ord(b)) <= 1)
    if steps > len(key) * 3 // 4:
        return "is a simple sequence"
    counts = Counter(key)
    per_char = -sum(c / len(key) * math.log2(c / len(key)) for c in counts.values())
    if per_char * len(key) < 80:
        return "is not random enough"
    return None


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
