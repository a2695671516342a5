"""CSRF on every state-changing route, security headers, cookies, error pages."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from starlette.routing import Route

from grants.app import collect_routes
from grants.organisations.models import Organisation
from tests import factories


def _post_routes():
    for route in collect_routes():
        if isinstance(route, Route) and "POST" in (route.methods or set()):
            yield route.path.replace("{id}", "1").replace("{", "").replace("}", "")


@pytest.mark.parametrize("path", sorted(set(_post_routes())))
def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(client, session, path):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    assert client.post(path, data={"name": "x"}).status_code == 403
    page = client.post(path, data={"name": "x", "csrf_token": "forged"})
    assert page.status_code == 403
    assert "expired or came from another site" in page.text


def test_a_forged_form_changes_nothing(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    client.post("/organisations/new", data={"name": "伪造", "csrf_token": "forged"})
    assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == 0


def test_security_headers_and_cookie_flags(client):
    page = client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_not_found_and_forbidden_pages_use_the_layout(client, session):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert BeautifulSoup(page.text, "html.parser").select_one(".error-code").get_text() == "404"
    factories.user(session, "judge", username="judge")
    session.commit()
    client.login("judge")
    page = client.get("/admin/users")
    assert page.status_code == 403
    assert "do not have permission" in page.text


@pytest.mark.parametrize("path", ["/organisations/abc", "/organisations/0", "/organisations/-1",
                                  "/organisations/99999999999999999999999", "/funds/1.5"])
def test_malformed_ids_in_urls_are_404_not_500(client, session, path):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    assert client.get(path).status_code == 404


def test_an_oversized_request_is_refused_clearly(client, session, settings):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    blob = b"x" * (settings.max_upload_bytes + 200_000)
    page = client.post("/organisations/new", content=blob,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413
    assert "too large" in page.text


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_no_page_template_carries_inline_styles_or_scripts():
    """The Content-Security-Policy (style-src 'self'; script-src 'self') blocks inline style
    attributes and handlers, so each would be a console error and a lost style. PDF templates
    are rendered by WeasyPrint, not a browser, and may use them."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    found = [f"{path.relative_to(root)}:{n}"
             for path in root.rglob("*.html") if path.parts[len(root.parts)] != "pdf"
             for n, line in enumerate(path.read_text().splitlines(), start=1)
             if re.search(r'\sstyle="|\son[a-z]+="|<script>', line)]
    assert not found, found


def test_favicon_ico_leads_to_the_icon(client):
    answer = client.get("/favicon.ico", follow_redirects=False)
    assert answer.status_code == 301 and answer.headers["location"] == "/static/favicon.svg"
    icon = client.get(answer.headers["location"])
    assert icon.status_code == 200 and b"<svg" in icon.content
