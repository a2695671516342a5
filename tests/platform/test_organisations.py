"""Organisations: one identity each, clear refusals, lists with search and filters, no leaks."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from grants.organisations.models import Organisation
from tests import factories


def _form(**overrides):
    data = {"name": "坂田街道摄影协会", "registration": "registered",
            "credit_code": factories.credit_code("1"), "org_type": "social_group",
            "category": "culture_sports", "party_branch": "none", "credit_status": "normal"}
    data.update(overrides)
    return data


def _errors(page):
    soup = BeautifulSoup(page.text, "html.parser")
    return {e["id"].removesuffix("-error"): e.get_text(strip=True)
            for e in soup.select(".field-error[id]")}


def _count(session):
    session.expire_all()
    return session.execute(select(func.count()).select_from(Organisation)).scalar_one()


@pytest.fixture
def organiser(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    return client


def test_organiser_registers_an_organisation(organiser, session):
    place = factories.community(session, "五和社区")
    session.commit()
    page = organiser.post_form("/organisations/new", _form(community_id=str(place.id),
                                                           rating="3A", star_rating="4"))
    assert page.status_code == 303
    org = session.execute(select(Organisation)).scalar_one()
    assert (org.name, org.rating, org.star_rating, org.community_id) == \
        ("坂田街道摄影协会", "3A", 4, place.id)


@pytest.mark.parametrize(("code", "message"), [
    ("", "required"),
    ("51440305000000001", "18 characters"),
    ("5144030500000000IX", "except I, O, Z, S, V"),
    ("514403050000000010", "check character"),
])
def test_malformed_credit_codes_are_refused_and_nothing_is_saved(organiser, session, code, message):
    page = organiser.post_form("/organisations/new", _form(credit_code=code))
    assert page.status_code == 400
    assert message in _errors(page)["credit_code"]
    assert _count(session) == 0


def test_a_code_of_another_organisation_type_is_refused(organiser, session):
    page = organiser.post_form("/organisations/new",
                               _form(credit_code=factories.credit_code("3")))  # a foundation's
    assert "another type of organisation" in _errors(page)["credit_code"]


def test_a_duplicate_credit_code_is_refused_naming_the_holder(organiser, session):
    code = factories.credit_code("1")
    factories.organisation(session, name="坂田义工联", credit_code=code)
    session.commit()
    page = organiser.post_form("/organisations/new", _form(name="另一个组织", credit_code=code.lower()))
    assert page.status_code == 400
    assert "坂田义工联 is already registered" in _errors(page)["credit_code"]
    assert _count(session) == 1


def test_a_duplicate_filing_number_is_refused(organiser, session):
    factories.organisation(session, registration="filed", filing_number="坂田备〔2022〕第015号")
    session.commit()
    page = organiser.post_form("/organisations/new", _form(
        registration="filed", credit_code="", filing_number="坂田备〔2022〕第015号",
        org_type="community_filed"))
    assert "already registered" in _errors(page)["filing_number"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "required"),
    ("name", "长" * 101, "At most 100 characters"),
    ("org_type", "pirates", "Choose one"),
    ("staff_count", "-3", "at least 0"),
    ("staff_count", "三", "whole number"),
    ("founded_on", "2999-01-01", "future"),
    ("founded_on", "yesterday", "YYYY-MM-DD"),
    ("contact_phone", "call me", "phone number"),
    ("community_id", "999999", "Choose a community"),
])
def test_bad_fields_get_a_clear_message_and_change_nothing(organiser, session, field, value, message):
    page = organiser.post_form("/organisations/new", _form(**{field: value}))
    assert page.status_code == 400
    assert message in _errors(page)[field]
    assert _count(session) == 0


def test_search_filters_and_pagination(organiser, session):
    street = factories.community(session).parent_id
    for n in range(25):
        factories.organisation(session, name=f"社区组织{n:02d}", category="charity")
    factories.organisation(session, name="南山粤剧团", category="culture_sports", rating="4A")
    session.commit()
    first = BeautifulSoup(organiser.get("/organisations").text, "html.parser")
    assert len(first.select("#organisations tbody tr")) == 20
    assert "26" in first.select_one(".count").get_text()
    second = BeautifulSoup(organiser.get("/organisations?page=2").text, "html.parser")
    assert len(second.select("#organisations tbody tr")) == 6
    found = BeautifulSoup(organiser.get("/organisations?q=粤剧").text, "html.parser")
    assert [a.get_text() for a in found.select("#organisations tbody a")] == ["南山粤剧团"]
    rated = BeautifulSoup(organiser.get("/organisations?rating=4A&category=culture_sports").text,
                          "html.parser")
    assert [a.get_text() for a in rated.select("#organisations tbody a")] == ["南山粤剧团"]
    assert organiser.get(f"/organisations?street_id={street}&page=abc").status_code == 200


def test_an_applicant_edits_their_own_profile_but_not_its_identity(client, session):
    org = factories.organisation(session, name="妈妈荟", rating="2A")
    factories.user(session, "applicant", username="mama", organisation=org, owner=True)
    session.commit()
    client.login("mama")
    mine = client.get("/my/organisation", follow_redirects=False)
    assert mine.headers["location"] == f"/organisations/{org.id}"
    page = client.post_form(f"/organisations/{org.id}/edit", _form(
        name="万科城妈妈荟", credit_code=factories.credit_code("1"), rating="5A",
        credit_status="red", staff_count="6"))
    assert page.status_code == 303
    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert (saved.name, saved.staff_count) == ("万科城妈妈荟", 6)
    assert (saved.credit_code, saved.rating, saved.credit_status) == \
        (org.credit_code, "2A", "normal")


def test_another_organisations_ids_in_urls_are_refused(client, session):
    mine = factories.organisation(session, name="荔林关爱中心")
    theirs = factories.organisation(session, name="坂田义工联")
    factories.user(session, "applicant", username="lilin", organisation=mine)
    session.commit()
    client.login("lilin")
    # not found, like the organisation's own page: an id says nothing about what exists
    assert client.get(f"/organisations/{theirs.id}").status_code == 404
    assert client.get(f"/organisations/{theirs.id}/edit").status_code == 404
    page = client.post_form(f"/organisations/{theirs.id}/edit", _form(name="被改了"))
    assert page.status_code == 404
    session.expire_all()
    assert session.get(Organisation, theirs.id).name == "坂田义工联"
    assert client.get("/organisations").status_code == 403
    assert "坂田义工联" not in client.get(f"/organisations/{mine.id}").text


def test_judges_and_funders_cannot_browse_organisations(client, session):
    org = factories.organisation(session)
    factories.user(session, "judge", username="judge")
    factories.user(session, "funder", username="funder")
    session.commit()
    for name in ("judge", "funder"):
        client.login(name)
        assert client.get("/organisations").status_code == 403
        assert client.get(f"/organisations/{org.id}").status_code == 404
        client.post_form("/logout")
