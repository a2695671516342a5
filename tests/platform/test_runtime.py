"""Runtime promises: SQLite pragmas, Secure cookies in production, a friendly 500 page."""

from dataclasses import replace

from bs4 import BeautifulSoup
from sqlalchemy import text

from grants.settings import reset_settings


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine):
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_session_cookies_are_secure_in_production(settings, engine):
    from starlette.testclient import TestClient

    from grants.app import create_app

    reset_settings(replace(settings, env="production", secret_key="z" * 48))
    with TestClient(create_app(), base_url="https://testserver") as client:
        page = client.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()
        assert page.headers["strict-transport-security"].startswith("max-age=")


def test_an_unexpected_error_shows_the_500_page_and_saves_nothing(client, session, monkeypatch):
    from grants.organisations import services
    from tests import factories

    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "search", broken)
    from tests.conftest import Client

    with Client(client.app, base_url="http://testserver", raise_server_exceptions=False,
                cookies=client.cookies) as quiet:
        page = quiet.get("/organisations")
    assert page.status_code == 500
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one(".error-code").get_text() == "500"
    assert "disk on fire" not in page.text
