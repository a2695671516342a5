"""Settings: safe defaults locally, refusals in production, every setting documented."""

import re
from pathlib import Path

import pytest

from grants import settings as settings_module
from grants.settings import DEFAULT_SECRET, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


# Random-looking keys (fixed, so the tests are repeatable).
GOOD_SECRET = "q3VfX9pLr2Tz8KwYb7Nd4Hs6Jm1Gc5Ra0Ue-Ei_Oa"
GOOD_AUDIT_KEY = "Zt7Wm2Qx9Lp4Rk8Vn3Bh6Yc1Fd5Gs0Ja-Ku_Ee"


def _production(monkeypatch, **env):
    monkeypatch.setenv("GRANTS_ENV", "production")
    for key in ("DATABASE_URL", "SECRET_KEY", "ALLOW_SQLITE_IN_PRODUCTION", "AUDIT_KEY"):
        monkeypatch.delenv(key, raising=False)
    env.setdefault("AUDIT_KEY", GOOD_AUDIT_KEY)
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
    _production(monkeypatch, SECRET_KEY=GOOD_SECRET)
    with pytest.raises(SettingsError, match="PostgreSQL"):
        load_settings()
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "true")
    assert load_settings().is_sqlite


def test_production_with_a_real_secret_and_postgresql_starts(monkeypatch):
    _production(monkeypatch, SECRET_KEY=GOOD_SECRET, DATABASE_URL="postgres://u:p@db:5432/grants")
    loaded = load_settings()
    assert loaded.is_production
    assert loaded.database_url == "postgresql+psycopg://u:p@db:5432/grants"


def _example_value(name):
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in deploy/env.example")


@pytest.mark.parametrize("name", ["SECRET_KEY", "AUDIT_KEY"])
def test_production_refuses_the_keys_copied_from_env_example(monkeypatch, name):
    example = _example_value(name)
    assert len(example) >= 32  # long enough to pass a length check alone
    _production(monkeypatch, DATABASE_URL="postgresql://u:p@db/grants",
                **{"SECRET_KEY": GOOD_SECRET, name: example})
    with pytest.raises(SettingsError, match=name):
        load_settings()


@pytest.mark.parametrize("secret", [
    "y" * 48,                                          # one character
    "ab12" * 12,                                       # a repeated pattern
    "abcdefghijklmnopqrstuvwxyz0123456789ABCD",        # a sequence
    "aaaaaaaabbbbbbbbccccccccddddddddeeeeffff",        # few distinct characters
    DEFAULT_SECRET + "-and-some-more-text-appended",   # the development value, lengthened
    "my-dev-secret-for-the-grants-platform-2026",      # a development phrase
])
def test_production_refuses_low_entropy_and_development_keys(monkeypatch, secret):
    _production(monkeypatch, DATABASE_URL="postgresql://u:p@db/grants", SECRET_KEY=secret)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_generated_keys_are_accepted():
    import secrets

    for _ in range(200):
        assert settings_module.key_problem(secrets.token_urlsafe(48)) is None
        assert settings_module.key_problem(secrets.token_hex(32)) is None


def test_production_needs_its_own_audit_key(monkeypatch):
    _production(monkeypatch, DATABASE_URL="postgresql://u:p@db/grants", SECRET_KEY=GOOD_SECRET,
                AUDIT_KEY="")
    with pytest.raises(SettingsError, match="AUDIT_KEY is not set"):
        load_settings()
    monkeypatch.setenv("AUDIT_KEY", GOOD_SECRET)
    with pytest.raises(SettingsError, match="AUDIT_KEY must differ"):
        load_settings()


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


@pytest.mark.parametrize("value", ["0", "65", "-1"])
def test_thread_counts_are_checked(monkeypatch, value):
    monkeypatch.setenv("PAGE_THREADS", value)
    with pytest.raises(SettingsError, match="PAGE_THREADS must be a whole number from 1 to 64"):
        load_settings()
    monkeypatch.setenv("PAGE_THREADS", "3")
    monkeypatch.setenv("HEAVY_THREADS", value)
    with pytest.raises(SettingsError, match="HEAVY_THREADS"):
        load_settings()
    monkeypatch.setenv("HEAVY_THREADS", "1")
    loaded = load_settings()
    assert (loaded.page_threads, loaded.heavy_threads) == (3, 1)


@pytest.mark.parametrize(("seconds", "idle", "problem"), [
    ("-1", "120", "from 0 (off) to 300"), ("301", "120", "from 0 (off) to 300"),
    ("120", "2", "shorter than SESSION_IDLE_MINUTES")])
def test_the_page_cache_is_checked(monkeypatch, seconds, idle, problem):
    monkeypatch.setenv("PAGE_CACHE_SECONDS", seconds)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", idle)
    with pytest.raises(SettingsError, match=re.escape(problem)):
        load_settings()
    monkeypatch.setenv("PAGE_CACHE_SECONDS", "0")
    assert load_settings().page_cache_seconds == 0
