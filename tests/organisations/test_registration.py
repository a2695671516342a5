"""Organisations register themselves, wait for verification, and invite members."""

import re

import pytest
from sqlalchemy import select

from grants.accounts.models import User
from grants.audit import AuditEvent
from grants.notifications.models import Notice
from grants.organisations.models import Organisation
from tests import factories
from tests.applications import factories as af

pytestmark = pytest.mark.db


def _form(community_id, **changes):
    data = {"name": "桃源长者互助会", "registration": "registered",
            "credit_code": factories.credit_code("1"), "org_type": "social_group",
            "category": "charity", "community_id": str(community_id),
            "contact_person": "李芳", "contact_phone": "0755-1234567",
            "username": "taoyuan", "email": "ly@example.org",
            "password": "a-good-pass-123", "password2": "a-good-pass-123"}
    data.update(changes)
    return data


@pytest.fixture
def place(session):
    community = factories.community(session)
    organiser = factories.user(session, "organiser", username="street-boss")
    organiser.scope_region_id = community.parent_id
    session.commit()
    return community


def _org(session, name="桃源长者互助会"):
    session.expire_all()
    return session.execute(select(Organisation).where(Organisation.name == name)).scalar_one()


def test_an_organisation_registers_itself_and_waits(client, session, place):
    assert client.get("/register").status_code == 200
    page = client.post_form("/register", _form(place.id))
    assert page.status_code == 303
    org = _org(session)
    assert org.verification == "pending"
    owner = session.execute(select(User).where(User.username == "taoyuan")).scalar_one()
    assert owner.organisation_id == org.id and owner.is_org_owner and owner.role == "applicant"
    assert "waits for verification" in client.get(page.headers["location"]).text
    assert "Not verified yet" in client.get("/").text
    boss = session.execute(select(User).where(User.username == "street-boss")).scalar_one()
    assert session.execute(select(Notice).where(Notice.user_id == boss.id)).first()


def test_a_duplicate_code_is_refused_naming_the_holder(client, session, place):
    holder = factories.organisation(session, name="已登记的协会", community_id=place.id)
    session.commit()
    page = client.post_form("/register", _form(place.id, credit_code=holder.credit_code))
    assert page.status_code == 400
    assert "已登记的协会" in page.text
    assert session.execute(select(User).where(User.username == "taoyuan")).first() is None


def test_a_bad_code_or_password_is_refused_and_changes_nothing(client, session, place):
    page = client.post_form("/register", _form(place.id, credit_code="51440305000000000X"))
    assert page.status_code == 400
    page = client.post_form("/register", _form(place.id, password="short", password2="short"))
    assert page.status_code == 400
    assert "10 characters" in page.text
    page = client.post_form("/register", _form(999999))
    assert page.status_code == 400
    assert session.execute(select(Organisation)).first() is None


def test_the_registration_form_is_rate_limited_per_address(client, session, place, settings):
    for _ in range(5):
        assert client.post_form("/register", _form(place.id, name="x")).status_code == 400
    page = client.post_form("/register", _form(place.id))
    assert page.status_code == 429
    assert "Too many" in page.text
    assert session.execute(select(Organisation)).first() is None


def _register_and_login(client, session, place):
    client.post_form("/register", _form(place.id))
    return _org(session)


def test_verification_flow_correction_resubmit_verify(client, session, place):
    org = _register_and_login(client, session, place)
    rnd = af.round_(session, name="2026年测试大赛")
    session.commit()
    # a pending organisation may not apply
    page = client.post_form(f"/rounds/{rnd.id}/apply",
                            {"track_id": str(af.track_of(session, rnd).id), "title": "试试"})
    assert page.status_code == 400
    assert "not verified" in page.text
    # the applicant cannot verify itself
    assert client.post_form(f"/organisations/{org.id}/verification/verify").status_code == 403
    client.post_form("/logout")
    client.login("street-boss")
    assert "Registrations to verify: 1" in client.get("/").text
    detail = client.get(f"/organisations/{org.id}").text
    for button in ("Verify", "Ask for a correction", "Reject"):
        assert f">{button}</button>" in detail
    page = client.post_form(f"/organisations/{org.id}/verification/request_correction",
                            {"reason": ""})
    assert _org(session).verification == "pending"
    page = client.post_form(f"/organisations/{org.id}/verification/request_correction",
                            {"reason": "联系电话有误"})
    assert page.status_code == 303
    assert _org(session).verification == "correction_requested"
    client.post_form("/logout")
    client.login("taoyuan")
    home = client.get("/").text  # the home page says what to correct, and where
    state = home.split('id="verification-state"', 1)[1].split("</div>", 1)[0]
    assert "联系电话有误" in state and f'href="/organisations/{org.id}"' in state
    detail = client.get(f"/organisations/{org.id}").text
    assert "联系电话有误" in detail
    page = client.post_form(f"/organisations/{org.id}/verification/resubmit")
    assert page.status_code == 303
    assert _org(session).verification == "pending"
    client.post_form("/logout")
    client.login("street-boss")
    assert client.post_form(f"/organisations/{org.id}/verification/verify").status_code == 303
    assert _org(session).verification == "verified"
    owner = session.execute(select(User).where(User.username == "taoyuan")).scalar_one()
    titles = [n.title for n in session.execute(
        select(Notice).where(Notice.user_id == owner.id)).scalars()]
    assert len(titles) == 2 and all("桃源长者互助会" in t for t in titles)  # correction, verified
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "organisation.verify")).first()
    client.post_form("/logout")
    client.login("taoyuan")
    page = client.post_form(f"/rounds/{rnd.id}/apply",
                            {"track_id": str(af.track_of(session, rnd).id), "title": "试试"})
    assert page.status_code == 303


def test_rejection_needs_a_reason_and_an_organiser_in_scope(client, session, place):
    org = _register_and_login(client, session, place)
    stranger = factories.user(session, "organiser", username="far-away")
    stranger.scope_region_id = factories.community(session).parent_id
    session.commit()
    client.post_form("/logout")
    client.login("far-away")
    assert client.post_form(f"/organisations/{org.id}/verification/reject",
                            {"reason": "x"}).status_code == 404
    client.post_form("/logout")
    client.login("street-boss")
    client.post_form(f"/organisations/{org.id}/verification/reject", {"reason": "证书不符"})
    assert _org(session).verification == "rejected"


def test_the_owner_invites_a_member_with_a_one_time_link(client, session, place):
    org = _register_and_login(client, session, place)
    page = client.post_form(f"/organisations/{org.id}/invite")
    assert page.status_code == 200
    link = re.search(r'id="invitation-link">([^<]+)<', page.text).group(1)
    path = link.replace("http://testserver", "")
    client.post_form("/logout")
    assert client.get(path).status_code == 200
    page = client.post_form(path, {"display_name": "王小明", "username": "wangxm",
                                   "password": "a-good-pass-123",
                                   "password2": "a-good-pass-123"})
    assert page.status_code == 303
    member = session.execute(select(User).where(User.username == "wangxm")).scalar_one()
    assert member.organisation_id == org.id and member.role == "applicant"
    assert not member.is_org_owner
    client.post_form("/logout")
    assert client.get(path).status_code == 404  # used once
    assert client.get("/join/not-a-token").status_code == 404


def test_only_the_owner_may_invite(client, session, place):
    org = factories.organisation(session, community_id=place.id)
    factories.user(session, "applicant", username="plain-member", organisation=org)
    session.commit()
    client.login("plain-member")
    assert client.post_form(f"/organisations/{org.id}/invite").status_code == 403
