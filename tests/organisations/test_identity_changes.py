"""An applicant's change to its organisation's identity (what eligibility reads) becomes a
change request; until an organiser in scope approves it the old values hold."""

import pytest
from sqlalchemy import select

from grants.applications import services as applications
from grants.applications.models import ApplicationVersion
from grants.audit import SYSTEM, AuditEvent
from grants.organisations.forms import values_of
from grants.organisations.models import Organisation, OrganisationChange
from tests import factories
from tests.applications import factories as af

pytestmark = pytest.mark.db


def _form(org, **changes):
    data = {k: ("" if v is None else str(v)) for k, v in values_of(org).items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


@pytest.fixture
def world(session):
    home = factories.community(session)
    elsewhere = factories.community(session)  # another district and street
    user = af.applicant(session, community=home)
    organiser = factories.user(session, "organiser", username="home-boss")
    organiser.scope_region_id = home.parent_id
    limited = af.round_(session, name="2026年只限外地社区",
                        eligibility={"registered_only": False, "min_rating": None,
                                     "exclude_black_list": True, "categories": [],
                                     "community_ids": [elsewhere.id]})
    session.commit()
    return {"home": home, "elsewhere": elsewhere, "user": user, "round": limited,
            "org": session.get(Organisation, user.organisation_id)}


def test_changing_the_community_becomes_a_request_and_the_old_value_holds(client, session,
                                                                          world):
    org, user = world["org"], world["user"]
    client.login(user.username)
    page = client.post_form(f"/organisations/{org.id}/edit",
                            _form(org, community_id=world["elsewhere"].id, intro="新的介绍"))
    assert page.status_code == 303
    session.expire_all()
    assert org.community_id == world["home"].id  # identity unchanged
    assert org.intro == "新的介绍"  # the rest is saved at once
    change = session.execute(select(OrganisationChange)).scalar_one()
    assert change.status == "pending"
    assert change.changes["community_id"] == [world["home"].id, world["elsewhere"].id]
    # the round limited to the other community still refuses the organisation
    problems = applications.standing(session, world["round"], org.id)
    assert any(p.code == "eligibility.community" for p in problems)
    assert "waiting for approval" in client.get(f"/organisations/{org.id}").text


def test_an_organiser_in_scope_approves_or_refuses_with_an_audit_trail(client, session,
                                                                         world):
    org, user = world["org"], world["user"]
    client.login(user.username)
    client.post_form(f"/organisations/{org.id}/edit",
                     _form(org, community_id=world["elsewhere"].id))
    change = session.execute(select(OrganisationChange)).scalar_one()
    client.post_form("/logout")
    client.login("home-boss")
    page = client.post_form(f"/organisation-changes/{change.id}/decide", {"decision": "refuse"})
    session.expire_all()
    assert change.status == "pending"  # a refusal needs a reason
    client.post_form(f"/organisation-changes/{change.id}/decide",
                     {"decision": "refuse", "reason": "未见迁址证明"})
    session.expire_all()
    assert change.status == "refused" and org.community_id == world["home"].id
    client.post_form("/logout")
    client.login(user.username)
    page = client.post_form(f"/organisations/{org.id}/edit", _form(org, category="life_service"))
    assert page.status_code == 303
    second = session.execute(select(OrganisationChange).where(
        OrganisationChange.status == "pending")).scalar_one()
    client.post_form("/logout")
    client.login("home-boss")
    page = client.post_form(f"/organisation-changes/{second.id}/decide",
                            {"decision": "approve"})
    assert page.status_code == 303
    session.expire_all()
    assert org.category == "life_service"
    actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"organisation.change_request", "organisation.change_refuse",
            "organisation.change_approve"} <= actions


def test_an_organiser_out_of_scope_cannot_decide(client, session, world):
    org, user = world["org"], world["user"]
    far = factories.user(session, "organiser", username="far-boss")
    far.scope_region_id = world["elsewhere"].parent_id
    session.commit()
    client.login(user.username)
    client.post_form(f"/organisations/{org.id}/edit",
                     _form(org, community_id=world["elsewhere"].id))
    change = session.execute(select(OrganisationChange)).scalar_one()
    client.post_form("/logout")
    client.login("far-boss")
    page = client.post_form(f"/organisation-changes/{change.id}/decide", {"decision": "approve"})
    assert page.status_code == 404
    session.expire_all()
    assert change.status == "pending"


def test_a_submitted_version_keeps_the_facts_it_was_judged_on(session, world):
    open_round = af.round_(session, name="2026年不限社区")
    user = world["user"]
    app = af.application(session, open_round, user)
    applications.submit(session, SYSTEM, user, app, open_round)
    org = world["org"]
    org.category = "life_service"
    session.flush()
    version = session.execute(select(ApplicationVersion)).scalar_one()
    assert version.snapshot["organisation_facts"]["category"] == "charity"
    assert version.snapshot["organisation_facts"]["community_id"] == world["home"].id


def test_issue_8_finding_2_applicant1_cannot_move_into_nanshan(client, session):
    """The reported path: applicant1 re-posts its organisation with a 南山 community."""
    from grants.accounts.models import User
    from grants.demo import data, load
    from grants.regions.models import Region
    from grants.rounds.models import Round

    load.load(session)
    session.commit()
    user = session.execute(select(User).where(User.username == "applicant1")).scalar_one()
    org = session.get(Organisation, user.organisation_id)
    home = org.community_id
    nanshan = session.execute(select(Region).where(Region.name == "荔林社区")).scalar_one()
    client.login("applicant1", data.DEMO_PASSWORD)
    page = client.post_form(f"/organisations/{org.id}/edit", _form(org, community_id=nanshan.id))
    assert page.status_code == 303
    session.expire_all()
    assert org.community_id == home
    contest = session.execute(select(Round).where(Round.status == "open",
                                                  Round.name.like("%南山街道第四届%"))).scalar_one()
    found = applications.standing(session, contest, org.id)
    assert any(p.code == "eligibility.community" for p in found), found
