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
