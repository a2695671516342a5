"""Organiser scopes: a street organiser reaches only its street's rounds, applications,
organisations, funds and users; a district organiser sees both streets; lists are filtered."""

import pytest

from grants.permissions import can
from grants.regions import scope
from tests.querycount import count_queries

pytestmark = pytest.mark.db


def _urls(street):
    return [f"/rounds/{street.round.id}", f"/rounds/{street.round.id}/edit",
            f"/rounds/{street.round.id}/applications",
            f"/applications/{street.application.id}",
            f"/organisations/{street.org.id}", f"/organisations/{street.org.id}/edit",
            f"/funds/{street.fund.id}", f"/funds/{street.fund.id}/edit",
            f"/admin/users/{street.applicant.id}"]


def test_a_street_organiser_cannot_reach_another_streets_objects(client, streets):
    a, b = streets
    client.login("org-a")
    for url in _urls(a):
        assert client.get(url).status_code == 200, url
    for url in _urls(b):
        assert client.get(url).status_code == 404, url


def test_posts_to_another_streets_objects_change_nothing(client, session, streets):
    _a, b = streets
    client.login("org-a")
    page = client.post_form(f"/organisations/{b.org.id}/edit", {"name": "改名了"})
    assert page.status_code == 404
    page = client.post_form(f"/applications/{b.application.id}/screen",
                            {"decision": "eligible"})
    assert page.status_code == 404
    session.expire_all()
    assert b.org.name != "改名了"
    assert b.application.status == "submitted"


def test_lists_show_only_rows_in_scope(client, streets):
    a, b = streets
    client.login("org-a")
    for url, mine, theirs in (("/rounds", a.round.name, b.round.name),
                              ("/organisations", a.org.name, b.org.name),
                              ("/funds", a.fund.name, b.fund.name),
                              ("/admin/users", a.applicant.username, b.applicant.username),
                              ("/", a.round.name, b.round.name)):
        page = client.get(url).text
        assert mine in page, url
        assert theirs not in page, url


def test_the_district_organiser_sees_both_streets(client, streets):
    a, b = streets
    client.login("org-district")
    for street in (a, b):
        for url in _urls(street):
            assert client.get(url).status_code == 200, url
    page = client.get("/rounds").text
    assert a.round.name in page and b.round.name in page


def test_scope_relation_and_ancestry(session, streets):
    a, b = streets
    assert can(a.organiser, "round.edit", a.round)
    assert not can(a.organiser, "round.edit", b.round)
    assert not can(a.organiser, "application.pass_screening", b.application)
    assert scope.covers(session, a.street.parent_id, b.community.id)
    assert not scope.covers(session, a.street.id, b.community.id)
    assert scope.covers(session, None, None)


def test_a_scoped_organiser_creates_rounds_only_in_scope(client, session, streets):
    a, b = streets
    client.login("org-a")
    page = client.post_form("/rounds/new", {"name": "2027年越界大赛", "organiser_unit": "某街道",
                                            "year": "2027", "region_id": str(b.street.id)})
    assert page.status_code == 400
    assert "within your scope" in page.text
    page = client.post_form("/rounds/new", {"name": "2027年越界大赛", "organiser_unit": "某街道",
                                            "year": "2027", "region_id": ""})
    assert page.status_code == 400
    page = client.post_form("/rounds/new", {"name": "2027年本街道大赛", "organiser_unit": "南山街道",
                                            "year": "2027", "region_id": str(a.street.id)})
    assert page.status_code == 303


def test_the_demo_street_organisers_see_their_own_rounds(client, session):
    from grants.demo import data, load

    load.load(session)
    session.commit()
    client.login("nanshan", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "南山街道第四届" in page and "坂田街道" not in page
    page = client.get("/rounds/open").text  # its links would answer 404 to this organiser
    assert "坂田街道“幸福老人计划”公益微创投" not in page
    client.post_form("/logout")
    client.login("bantian", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "坂田街道“幸福老人计划”公益微创投" in page and "南山街道第四届" not in page
    client.post_form("/logout")
    client.login("longgang", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "坂田街道“幸福老人计划”公益微创投" in page and "南山街道第四届" not in page


def test_a_street_organiser_creates_users_only_within_scope(client, session, streets):
    from sqlalchemy import select

    from grants.accounts.models import User

    a, b = streets
    client.login("org-a")
    base = {"display_name": "新人", "password": "a-good-pass-123"}
    page = client.post_form("/admin/users/new", {**base, "username": "new-org", "role":
                                                 "organiser",
                                                 "scope_region_id": str(b.street.id)})
    assert page.status_code == 400
    page = client.post_form("/admin/users/new", {**base, "username": "new-app", "role":
                                                 "applicant",
                                                 "organisation_id": str(b.org.id)})
    assert page.status_code == 400
    page = client.post_form("/admin/users/new", {**base, "username": "new-org", "role":
                                                 "organiser"})
    assert page.status_code == 303
    created = session.execute(select(User).where(User.username == "new-org")).scalar_one()
    assert created.scope_region_id == a.street.id  # blank: the creator's own scope


def test_a_round_attaches_only_funds_of_the_organisers_scope(client, session, streets):
    from grants.rounds.models import RoundFund

    a, b = streets
    a.round.status = "draft"
    session.commit()
    client.login("org-a")
    page = client.get(f"/rounds/{a.round.id}/edit/funds").text
    assert a.fund.name in page and b.fund.name not in page
    page = client.post_form(f"/rounds/{a.round.id}/funds",
                            {"fund_id": str(b.fund.id), "amount": "100"})
    assert page.status_code == 400
    from sqlalchemy import select

    assert session.execute(select(RoundFund).where(RoundFund.fund_id == b.fund.id)).first() is None


def test_the_list_finds_registrations_waiting_for_verification(client, session, streets):
    a, _b = streets
    a.org.verification = "pending"
    session.commit()
    client.login("org-a")
    page = client.get("/organisations?verification=pending").text
    assert a.org.name in page
    page = client.get("/organisations?verification=rejected").text
    assert a.org.name not in page


def test_scoped_lists_do_not_grow_in_statements_with_the_data(client, session, engine, streets):
    from tests import factories
    from tests.applications import factories as af

    a, _b = streets

    def grow(n):
        for _ in range(n):
            user = af.applicant(session, community=a.community)
            factories.fund(session, region_id=a.street.id)
            factories.user(session, "organiser").scope_region_id = a.street.id
            af.application(session, a.round, user)
        session.commit()

    client.login("org-a")
    for url in ("/", "/organisations", "/funds", "/admin/users", "/rounds",
                f"/rounds/{a.round.id}/applications"):
        grow(2)
        with count_queries(engine) as small:
            assert client.get(url).status_code == 200
        grow(8)
        with count_queries(engine) as large:
            assert client.get(url).status_code == 200
        assert len(large) == len(small), f"{url}: {len(small)} statements, then {len(large)}"


def test_a_scoped_import_knows_only_the_communities_of_its_scope(client, session, streets):
    from tests.applications.test_import import orgs, post, row, workbook

    a, b = streets
    client.login("org-a")
    before = orgs(session)
    page = post(client, workbook([row("越界协会", b.community.name)]))
    assert page.status_code == 400
    assert "not a known community" in page.text
    page = post(client, workbook([row("无社区协会", "")]))
    assert page.status_code == 400
    assert orgs(session) == before
    page = post(client, workbook([row("本街道协会", a.community.name)]))
    assert page.status_code == 200
    assert orgs(session) == before + 1


def test_the_organising_region_is_set_within_scope(client, session, streets):
    from tests import factories
    from tests.applications import factories as af

    a, b = streets
    legacy = af.round_(session, name="2024年旧大赛")  # before scopes: platform-wide
    factories.user(session, "organiser", username="everywhere")
    session.commit()
    client.login("org-a")
    assert client.get(f"/rounds/{legacy.id}").status_code == 404
    basics = {"name": a.round.name, "organiser_unit": "南山街道", "year": "2026",
              "description": ""}
    page = client.post_form(f"/rounds/{a.round.id}/edit/basics",
                            {**basics, "region_id": str(b.street.id)})
    assert page.status_code == 400
    client.post_form("/logout")
    client.login("everywhere")
    page = client.post_form(f"/rounds/{legacy.id}/edit/basics",
                            {"name": legacy.name, "organiser_unit": "测试街道办事处",
                             "year": "2026", "description": "",
                             "region_id": str(a.street.id)})
    assert page.status_code == 303
    session.expire_all()
    assert legacy.region_id == a.street.id
    client.post_form("/logout")
    client.login("org-a")
    assert client.get(f"/rounds/{legacy.id}").status_code == 200


def test_submissions_notify_only_organisers_in_scope(session, streets):
    from sqlalchemy import func, select

    from grants.notifications.models import Notice

    a, b = streets

    def notices(user):
        return session.execute(select(func.count()).select_from(Notice).where(
            Notice.user_id == user.id)).scalar_one()

    # each street's fixture application was submitted once
    assert notices(a.organiser) == 1 and notices(b.organiser) == 1


def test_a_street_organiser_cannot_reach_another_streets_judging(client, session, streets):
    from grants.judging.models import PanelMember
    from grants.rounds.models import Stage

    a, b = streets
    stage_b = Stage(round_id=b.round.id, kind="scoring", name="初审", position=1, config={})
    session.add(stage_b)
    session.commit()
    client.login("org-a")
    for url in (f"/rounds/{b.round.id}/panel", f"/stages/{stage_b.id}/judging",
                f"/stages/{stage_b.id}/roadshow", f"/stages/{stage_b.id}/projection",
                f"/stages/{stage_b.id}/judging/scores.xlsx"):
        assert client.get(url).status_code in (403, 404), url
    page = client.post_form(f"/rounds/{b.round.id}/panel/add", {"user_id": str(a.organiser.id)})
    assert page.status_code in (403, 404)
    session.expire_all()
    from sqlalchemy import func, select

    assert session.execute(select(func.count()).select_from(PanelMember)).scalar_one() == 0
    assert client.get(f"/rounds/{a.round.id}/panel").status_code == 200
