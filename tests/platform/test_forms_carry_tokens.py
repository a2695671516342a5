"""Every form a page renders carries the session's CSRF token (a real browser sends only that)."""

import pytest
from bs4 import BeautifulSoup

from tests import factories

PAGES = ["/", "/organisations/new", "/organisations/{org}", "/organisations/{org}/edit",
         "/funds/new", "/funds/{fund}", "/funds/{fund}/edit", "/admin/regions",
         "/admin/users/new", "/admin/users/{user}", "/account/password"]


@pytest.mark.parametrize("path", PAGES)
def test_post_forms_on_the_page_carry_the_session_token(client, session, path):
    org = factories.organisation(session)
    fund = factories.fund(session)
    user = factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    page = client.get(path.format(org=org.id, fund=fund.id, user=user.id))
    assert page.status_code == 200
    forms = [f for f in BeautifulSoup(page.text, "html.parser").select("form")
             if f.get("method", "get").lower() == "post"]
    assert forms, "the page has no form to check"
    token = client.csrf_token()
    for form in forms:
        field = form.select_one("input[name=csrf_token]")
        assert field is not None and field.get("value") == token, form.get("action")


def test_the_login_form_token_works_as_rendered(client, session):
    factories.user(session, "judge", username="judge")
    session.commit()
    page = client.get("/login")
    rendered = BeautifulSoup(page.text, "html.parser").select_one(
        "main input[name=csrf_token]")["value"]
    response = client.post("/login", data={"username": "judge", "password": factories.PASSWORD,
                                           "csrf_token": rendered}, follow_redirects=False)
    assert response.status_code == 303
