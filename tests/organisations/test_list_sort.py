"""Organisations sort by pinyin, as Chinese readers expect (乐 le, 南 nan, 五 wu), not by code
point (乐 U+4E50 < 五 U+4E94 < 南 U+5357)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests import factories


def test_the_organisation_list_sorts_by_pinyin(client, session):
    for name in ("五和公益服务中心", "南山关爱协会", "阿福社工站", "乐龄之家", "Zeta 社区工作室"):
        factories.organisation(session, name=name)
    factories.user(session, "organiser", username="sorter")
    session.commit()
    client.login("sorter")
    page = BeautifulSoup(client.get("/organisations?sort=name").text, "html.parser")
    names = [a.get_text(strip=True) for a in page.select("#organisations tbody td:first-child a")]
    assert names == ["阿福社工站", "乐龄之家", "南山关爱协会", "五和公益服务中心",
                     "Zeta 社区工作室"]


def test_a_renamed_organisation_moves_to_its_new_place(session):
    from grants.organisations.models import Organisation

    org = factories.organisation(session, name="乐龄之家")
    session.flush()
    assert org.name_sort == "le ling zhi jia"
    org.name = "重庆长者之家"
    session.flush()
    assert session.get(Organisation, org.id).name_sort == "chong qing zhang zhe zhi jia"
