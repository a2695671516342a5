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
    a, b = streets
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


def test_scope_checks_run_a_constant_number_of_statements(client, engine, streets):
    a, _b = streets
    client.login("org-a")
    with count_queries(engine) as first:
        assert client.get("/organisations").status_code == 200
    with count_queries(engine) as second:
        assert client.get("/organisations").status_code == 200
    assert len(first) == len(second)


def test_the_demo_street_organisers_see_their_own_rounds(client, session):
    from grants.demo import data, load

    load.load(session)
    session.commit()
    client.login("nanshan", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "南山街道第四届" in page and "坂田街道" not in page
    client.post_form("/logout")
    client.login("bantian", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "坂田街道“幸福老人计划”公益微创投" in page and "南山街道第四届" not in page
    client.post_form("/logout")
    client.login("longgang", data.DEMO_PASSWORD)
    page = client.get("/rounds").text
    assert "坂田街道“幸福老人计划”公益微创投" in page and "南山街道第四届" not in page
