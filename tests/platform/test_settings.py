"""Settings: safe defaults locally, refusals in production, every setting documented."""

import re
from pathlib import Path

import pytest

from grants import settings as settings_module
from grants.settings import DEFAULT_SECRET, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _production(monkeypatch, **env):
    monkeypatch.setenv("GRANTS_ENV", "production")
    for key in ("DATABASE_URL", "SECRET_KEY", "ALLOW_SQLITE_IN_PRODUCTION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_production_refuses_the_default_secret(monkeypatch):
    _production(monkeypatch, DATABASE_URL="postgresql://u:p@db/grants")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_production_refuses_a_short_secret(monkeypatch):
    _production(monkeypatch, DATABASE_URL="postgresql://u:p@db/grants", SECRET_KEY="short")
    with pytest.raises(SettingsError, match="32 characters"):
        load_settings()


def test_production_refuses_sqlite_unless_told(monkeypatch):
    _production(monkeypatch, SECRET_KEY="x" * 40)
    with pytest.raises(SettingsError, match="PostgreSQL"):
        load_settings()
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "true")
    assert load_settings().is_sqlite


def test_production_with_a_real_secret_and_postgresql_starts(monkeypatch):
    _production(monkeypatch, SECRET_KEY="y" * 48, DATABASE_URL="postgres://u:p@db:5432/grants")
    loaded = load_settings()
    assert loaded.is_production
    assert loaded.database_url == "postgresql+psycopg://u:p@db:5432/grants"


def test_development_defaults_are_local_and_shanghai(monkeypatch):
    monkeypatch.setenv("GRANTS_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TIME_ZONE", raising=False)
    loaded = load_settings()
    assert loaded.database_url.startswith("sqlite:///")
    assert str(loaded.time_zone) == "Asia/Shanghai"
    assert str(loaded.secret_key) == DEFAULT_SECRET


def test_an_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("GRANTS_ENV", "prod")
    with pytest.raises(SettingsError, match="development, test or production"):
        load_settings()


def test_every_setting_is_documented():
    source = Path(settings_module.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'config\(\s*"([A-Z_]+)"', source)) | {"GRANTS_ENV_FILE"}
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert names, "no settings found: the pattern is out of date"
    assert missing == []
