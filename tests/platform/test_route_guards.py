"""Every page needs a login except the few public ones; a judge reaches no organiser page."""

import re

import pytest
from starlette.routing import Route

from grants.app import collect_routes
from tests import factories

# /join/{token} and the public notices answer 404 without a valid token or a published notice
PUBLIC = {"/login", "/healthz", "/favicon.ico", "/register", "/public", "/verify", "/verify/1",
          "/public/impact"}


def _concrete(path):
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(method):
    for route in collect_routes():
        if isinstance(route, Route) and method in (route.methods or set()):
            yield _concrete(route.path)


@pytest.mark.parametrize("path", sorted(set(_routes("GET")) - PUBLIC))
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    page = client.get(path, follow_redirects=False)
    assert page.status_code in (303, 404), f"{path} answered {page.status_code} to a stranger"
    if page.status_code == 303:
        assert page.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", sorted(set(_routes("POST")) - PUBLIC - {"/lang"}))
def test_anonymous_posts_change_nothing(client, path):
    page = client.post_form(path, {"name": "x"})
    assert page.status_code in (303, 403, 404)
    if page.status_code == 303:
        assert page.headers["location"].startswith("/login")


ORGANISER_ONLY = ["/admin/users", "/admin/users/new", "/admin/regions", "/admin/audit",
                  "/organisations/new", "/funds/new", "/rounds/new", "/organisations/import"]


@pytest.mark.parametrize("role", ["applicant", "judge", "funder"])
def test_other_roles_cannot_open_organiser_pages(client, session, role):
    factories.user(session, role, username=f"someone-{role}")
    session.commit()
    client.login(f"someone-{role}")
    for path in ORGANISER_ONLY:
        assert client.get(path).status_code in (403, 404), path
