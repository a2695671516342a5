"""Logging in and out, passwords, throttling, and the organiser's user management."""

from bs4 import BeautifulSoup
from sqlalchemy import select

from grants.accounts.models import LoginFailure, User
from grants.audit import AuditEvent
from tests import factories


def _error(page):
    return BeautifulSoup(page.text, "html.parser").select_one(".flash-error").get_text(" ", strip=True)


def test_wrong_password_is_refused_and_counted(client, session):
    factories.user(session, "applicant", username="wang")
    session.commit()
    page = client.post_form("/login", {"username": "wang", "password": "nope-nope-1"})
    assert page.status_code == 400
    assert "not right" in _error(page)
    assert session.execute(select(LoginFailure).where(LoginFailure.username == "wang")).first()


def test_login_is_throttled_after_repeated_failures(client, session):
    factories.user(session, "applicant", username="lili")
    session.commit()
    for _ in range(5):
        client.post_form("/login", {"username": "lili", "password": "wrong-pass-1"})
    # Even the right password is refused while throttled.
    page = client.post_form("/login", {"username": "lili", "password": factories.PASSWORD})
    assert page.status_code == 429
    assert "Too many failed attempts" in _error(page)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_successful_login_clears_failures_and_is_audited(client, session):
    factories.user(session, "finance", username="chen")
    session.commit()
    client.post_form("/login", {"username": "chen", "password": "wrong-pass-1"})
    client.login("chen")
    session.expire_all()
    assert not session.execute(select(LoginFailure).where(LoginFailure.username == "chen")).first()
    assert session.execute(select(AuditEvent).where(AuditEvent.action == "user.login")).first()


def test_login_redirects_only_to_local_pages(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    page = client.post_form("/login", {"username": "boss", "password": factories.PASSWORD,
                                       "next": "//evil.example/steal"})
    assert page.headers["location"] == "/"


def test_anonymous_visitors_are_sent_to_login_and_back(client):
    page = client.get("/organisations?page=2", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/organisations%3Fpage%3D2"


def test_password_change_checks_the_old_one_and_the_rules(client, session):
    factories.user(session, "judge", username="zhou")
    session.commit()
    client.login("zhou")
    page = client.post_form("/account/password", {"current": "bad", "new": "short",
                                                  "repeat": "short"})
    assert page.status_code == 400
    soup = BeautifulSoup(page.text, "html.parser")
    errors = " ".join(e.get_text() for e in soup.select(".field-error"))
    assert "current password is not right" in errors
    assert "at least 10 characters" in errors
    page = client.post_form("/account/password", {"current": factories.PASSWORD,
                                                  "new": "new-pass-2026", "repeat": "new-pass-2026"})
    assert page.status_code == 303
    client.post_form("/logout")
    client.login("zhou", "new-pass-2026")


def test_a_password_change_ends_other_sessions(app, client, session):
    from tests.conftest import Client

    factories.user(session, "judge", username="zhou")
    session.commit()
    client.login("zhou")
    with Client(app, base_url="http://testserver") as other:
        other.login("zhou")
        client.post_form("/account/password", {"current": factories.PASSWORD,
                                               "new": "new-pass-2026", "repeat": "new-pass-2026"})
        assert other.get("/", follow_redirects=False).status_code == 303


def test_organiser_resets_a_password_and_the_user_must_change_it(client, session):
    factories.user(session, "organiser", username="boss")
    target = factories.user(session, "applicant", username="sun")
    session.commit()
    client.login("boss")
    page = client.post_form(f"/admin/users/{target.id}/reset-password")
    temporary = BeautifulSoup(page.text, "html.parser").select_one("code.secret").get_text()
    client.post_form("/logout")
    client.login("sun", temporary)
    assert client.get("/organisations", follow_redirects=False).headers["location"] == \
        "/account/password"


def test_organiser_creates_a_user_with_clear_errors(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    page = client.post_form("/admin/users/new", {"username": "Bad Name!", "display_name": "",
                                                 "role": "applicant", "password": "x"})
    assert page.status_code == 400
    text = BeautifulSoup(page.text, "html.parser").get_text(" ")
    assert "lower-case letters" in text
    assert "belong to an organisation" in text
    assert session.execute(select(User).where(User.display_name == "")).first() is None
    page = client.post_form("/admin/users/new", {"username": "mail.user", "display_name": "某人",
                                                 "role": "", "password": "a-fine-pass-1",
                                                 "email": "not-an-email"})
    text = BeautifulSoup(page.text, "html.parser").get_text(" ")
    assert page.status_code == 400 and "valid e-mail address" in text and "Choose a role" in text
    assert session.execute(select(User).where(User.username == "mail.user")).first() is None
    org = factories.organisation(session)
    session.commit()
    page = client.post_form("/admin/users/new", {"username": "new.user", "display_name": "新用户",
                                                 "role": "applicant", "password": "a-fine-pass-1",
                                                 "organisation_id": str(org.id), "is_owner": "1"})
    assert page.status_code == 303
    session.expire_all()
    created = session.execute(select(User).where(User.username == "new.user")).scalar_one()
    assert created.organisation_id == org.id and created.is_org_owner
    assert created.must_change_password


def test_deactivated_users_cannot_log_in(client, session):
    factories.user(session, "organiser", username="boss")
    target = factories.user(session, "judge", username="gone")
    session.commit()
    client.login("boss")
    client.post_form(f"/admin/users/{target.id}/active", {"active": "0"})
    client.post_form("/logout")
    page = client.post_form("/login", {"username": "gone", "password": factories.PASSWORD})
    assert page.status_code == 400


def test_only_organisers_manage_users(client, session):
    for role in ("applicant", "judge", "finance", "funder"):
        factories.user(session, role, username=f"u-{role}")
    session.commit()
    for role in ("applicant", "judge", "finance", "funder"):
        client.login(f"u-{role}")
        assert client.get("/admin/users").status_code == 403
        assert client.post_form("/admin/users/new", {"username": "x"}).status_code == 403
        assert client.get("/admin/audit").status_code == 403
        client.post_form("/logout")


def test_the_applicant_home_shows_their_applications_and_open_rounds(client, session):
    from tests.applications import factories as af

    user = af.applicant(session)
    rnd = af.round_(session, name="2026年南山街道社会治理创新大赛")
    af.application(session, rnd, user, title="长者饭堂互助计划")
    other = af.round_(session, name="2026年坂田街道公益微创投")
    session.commit()
    client.login(user.username)
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert "长者饭堂互助计划" in soup.select_one("#recent-applications").get_text()
    assert soup.select_one(f"a[href='/rounds/{other.id}/apply']") is not None
    # At the round's limit of one application: no Apply button, and the home page says why.
    assert soup.select_one(f"a[href='/rounds/{rnd.id}/apply']") is None
    assert "already has 1 application" in soup.select_one(f"#standing-{rnd.id}").get_text()
