"""The region tree, and zh-CN first with English available."""

from bs4 import BeautifulSoup
from sqlalchemy import select

from grants.accounts.models import User
from grants.regions.models import Region
from tests import factories


def test_organiser_builds_the_region_tree(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    assert client.post_form("/admin/regions/new", {"name": "南山区", "level": "district"}).status_code == 303
    district = session.execute(select(Region).where(Region.name == "南山区")).scalar_one()
    client.post_form("/admin/regions/new", {"name": "南山街道", "level": "street",
                                            "parent_id": str(district.id)})
    street = session.execute(select(Region).where(Region.name == "南山街道")).scalar_one()
    client.post_form("/admin/regions/new", {"name": "荔林社区", "level": "community",
                                            "parent_id": str(street.id)})
    tree = BeautifulSoup(client.get("/admin/regions").text, "html.parser").select_one("details")
    assert "南山区" in tree.get_text() and "荔林社区" in tree.get_text()


def test_a_community_must_sit_in_a_street_and_names_are_unique(client, session):
    factories.user(session, "organiser", username="boss")
    place = factories.community(session, "五和社区")
    session.commit()
    client.login("boss")
    page = client.post_form("/admin/regions/new", {"name": "孤儿社区", "level": "community"})
    assert page.status_code == 400 and "belongs to" in page.text
    page = client.post_form("/admin/regions/new", {"name": "五和社区", "level": "community",
                                                   "parent_id": str(place.parent_id)})
    assert page.status_code == 400 and "already exists" in page.text


def test_pages_are_chinese_by_default(zh_client, app):
    page = zh_client.get("/login")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("h1").get_text() == "登录"


def test_the_language_switch_is_remembered_for_the_user(zh_client, session):
    factories.user(session, "judge", username="judge")
    session.commit()
    zh_client.login("judge")
    zh_client.post_form("/lang", {"locale": "en", "next": "/"})
    soup = BeautifulSoup(zh_client.get("/").text, "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one("h1").get_text().startswith("Welcome")
    session.expire_all()
    assert session.execute(select(User.locale).where(User.username == "judge")).scalar_one() == "en"
    # A new session (another browser) picks the preference up at login.
    zh_client.post_form("/logout")
    zh_client.cookies.clear()
    zh_client.login("judge")
    assert BeautifulSoup(zh_client.get("/").text, "html.parser").html["lang"] == "en"


def test_the_language_switch_ignores_unknown_locales_and_foreign_redirects(client):
    page = client.post_form("/lang", {"locale": "xx", "next": "https://evil.example/"})
    assert page.headers["location"] == "/"


def test_switching_language_after_a_refused_form_returns_to_the_forms_page(client, session):
    """A page answering a form's post (an error shown at /rounds/1/funds, which only takes
    posts) switches language back to the page the form was on, never to a 405."""
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    page = client.post_form("/lang", {"locale": "en", "next": "/public/notices/1/objections"})
    assert page.headers["location"] == "/"  # an address that only takes posts
    page = client.post_form("/lang", {"locale": "en", "next": "/rounds/open?page=2"})
    assert page.headers["location"] == "/rounds/open?page=2"
    from starlette.requests import Request

    from grants.web import here

    def request(method: str, referer: str) -> Request:
        return Request({"type": "http", "method": method, "path": "/rounds/1/funds",
                        "query_string": b"", "server": ("testserver", 80), "scheme": "http",
                        "headers": [(b"host", b"testserver"), (b"referer", referer.encode())]})

    assert here(request("POST", "http://testserver/rounds/1/edit/funds")) == "/rounds/1/edit/funds"
    assert here(request("POST", "https://evil.example/x")) == "/"
    assert here(request("GET", "")) == "/rounds/1/funds"


def _street_with(session, street_name: str, community_name: str):
    community = factories.community(session, community_name)
    return session.get(Region, community.parent_id), community


def test_moving_a_community_moves_it_out_of_the_old_streets_scope(client, session):
    from grants.permissions import can

    old_street, community = _street_with(session, "桃源街道", "平山社区")
    new_street = factories.community(session, "别处社区")
    new_street = session.get(Region, new_street.parent_id)
    org = factories.organisation(session, community_id=community.id)
    local_boss = factories.user(session, "organiser", username="taoyuan")
    local_boss.scope_region_id = old_street.id
    factories.user(session, "organiser", username="boss")
    session.commit()
    assert can(local_boss, "organisation.view", org)
    client.login("boss")
    tree = client.get("/admin/regions").text
    assert f'action="/admin/regions/{community.id}/move"' in tree
    wrong = client.post_form(f"/admin/regions/{community.id}/move",
                             {"parent_id": str(old_street.parent_id)})  # a district
    assert wrong.status_code == 303
    session.expire_all()
    assert session.get(Region, community.id).parent_id == old_street.id
    moved = client.post_form(f"/admin/regions/{community.id}/move",
                             {"parent_id": str(new_street.id)})
    assert moved.status_code == 303
    session.expire_all()
    assert session.get(Region, community.id).parent_id == new_street.id
    from grants.audit import AuditEvent

    assert session.execute(select(AuditEvent).where(AuditEvent.action == "region.move")).first()
    from grants.regions import scope

    scope.forget(session)
    assert not can(session.get(User, local_boss.id), "organisation.view",
                   session.get(type(org), org.id))


def test_a_retired_community_keeps_its_records_but_takes_no_new_organisation(client, session):
    street, community = _street_with(session, "沙河街道", "白石洲社区")
    org = factories.organisation(session, community_id=community.id, name="白石洲义工队")
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    refused = client.post_form(f"/admin/regions/{street.id}/retire", {"retired": "1"})
    assert refused.status_code == 303
    session.expire_all()
    assert not session.get(Region, street.id).retired  # its community is still current
    assert client.post_form(f"/admin/regions/{community.id}/retire",
                            {"retired": "1"}).status_code == 303
    session.expire_all()
    assert session.get(Region, community.id).retired
    new_form = BeautifulSoup(client.get("/organisations/new").text, "html.parser")
    offered = [o["value"] for o in new_form.select("select[name=community_id] option")]
    assert offered and str(community.id) not in offered
    assert "白石洲社区" in client.get(f"/organisations/{org.id}").text  # the record keeps it
    from grants.organisations import services as orgs

    data = {"name": "新组织", "registration": "filed", "filing_number": "BA-2026-77",
            "org_type": "social_group", "category": "charity", "community_id": community.id,
            "credit_status": "normal"}
    import pytest

    from grants.validation import FormErrors

    with pytest.raises(FormErrors) as refused_org:
        orgs.validate(session, data, None)
    assert "白石洲社区" in refused_org.value.errors["community_id"]
    assert client.post_form(f"/admin/regions/{community.id}/retire",
                            {"retired": "0"}).status_code == 303
    session.expire_all()
    assert not session.get(Region, community.id).retired
