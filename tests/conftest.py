"""Test fixtures: a fresh database per test on SQLite or PostgreSQL, the app, and a client.

`make test` runs the suite on SQLite, then the `db`-marked tests again against a throwaway
PostgreSQL (TEST_DATABASE_URL, set by tests/pgserver.py).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, text
from sqlmodel import Session
from starlette.testclient import TestClient

os.environ.setdefault("GRANTS_ENV", "test")

from grants import db as grants_db
from grants import migrate
from grants.models import metadata
from grants.settings import load_settings, reset_settings

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKEND = "postgresql" if PG_URL else "sqlite"


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Anything that uses the database fixture is a `db` test, so it runs on both engines.
    for item in items:
        if "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a file to copy (SQLite) or the migrated test database (PostgreSQL)."""
    if PG_URL:
        engine = grants_db.make_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = grants_db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Any]:
    base = load_settings()
    chosen = replace(base, env="test", upload_dir=tmp_path / "uploads",
                     database_url=PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
                     mail_host="", base_url="http://testserver",
                     audit_checkpoint_dir=tmp_path / "audit-checkpoints")
    reset_settings(chosen)
    yield chosen
    reset_settings(None)


@pytest.fixture
def engine(_template: str, settings: Any, tmp_path: Path) -> Iterator[Engine]:
    """A database with the schema and no rows, used by the app and by the test."""
    if PG_URL:
        engine = grants_db.make_engine(PG_URL)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(_template, target)
        engine = grants_db.make_engine(f"sqlite:///{target}")
    grants_db.set_engine(engine)
    yield engine
    grants_db.set_engine(None)
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data; factories flush, tests commit when needed."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app(engine: Engine) -> Any:
    from grants.app import create_app

    return create_app()


class Client(TestClient):
    """A test client that knows the session's CSRF token and can log in."""

    def csrf_token(self) -> str:
        session = self._session_data()
        if "_csrf" not in session:
            self.get("/login")
            session = self._session_data()
        return str(session["_csrf"])

    def _session_data(self) -> dict[str, Any]:
        cookie = self.cookies.get("grants_session")
        if not cookie:
            return {}
        from grants.settings import get_settings

        signer = TimestampSigner(str(get_settings().secret_key))
        payload = signer.unsign(cookie.encode())
        return json.loads(base64.b64decode(payload))

    def post_form(self, url: str, data: dict[str, Any] | list[tuple[str, Any]] | None = None,
                  files: Any = None, **kwargs: Any) -> Any:
        """POST a form the way a browser would, with the CSRF token included."""
        token = self.csrf_token()
        if isinstance(data, list):  # repeated fields, e.g. checkboxes
            grouped: dict[str, Any] = {}
            for key, value in data:
                grouped.setdefault(key, []).append(value)
            data = grouped
        data = {**(data or {}), "csrf_token": token}
        kwargs.setdefault("follow_redirects", False)
        return self.post(url, data=data, files=files, **kwargs)

    def login(self, username: str, password: str = "a-good-pass-123") -> Any:  # noqa: S107
        response = self.post_form("/login", {"username": username, "password": password})
        assert response.status_code == 303, f"login as {username} failed: {response.status_code}"
        return response


@pytest.fixture
def client(app: Any) -> Iterator[Client]:
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as c:
        yield c


@pytest.fixture
def zh_client(app: Any) -> Iterator[Client]:
    with Client(app, base_url="http://testserver", headers={"accept-language": "zh-CN"}) as c:
        yield c
