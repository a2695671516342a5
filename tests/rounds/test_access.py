"""Who may see and change rounds: organisers configure; everyone logged in sees open rounds;
a draft is for organisers and finance only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.rounds import stages
from grants.rounds.models import Round, Track
from tests import factories
from tests.rounds import factories as rf
from tests.rounds.conftest import soup

OTHERS = ("applicant", "judge", "finance", "funder")


@pytest.mark.parametrize("role", OTHERS)
def test_only_organisers_create_edit_move_and_copy(client, session, role):
    factories.user(session, role, username="someone")
    draft = rf.ready(session)
    opened = rf.opened(session)
    track = session.execute(select(Track).where(Track.round_id == draft.id)).scalars().first()
    session.commit()
    client.login("someone")
    gets = ["/rounds/new", f"/rounds/{draft.id}/edit/basics", f"/rounds/{opened.id}/edit/window",
            f"/rounds/{draft.id}/transition/open", f"/rounds/{opened.id}/copy"]
    # A draft round does not exist for those who may not read it; the rest is refused.
    hidden = 404 if role != "finance" else 403
    for url in gets:
        expected = hidden if f"/rounds/{draft.id}/" in url else 403
        assert client.get(url).status_code == expected, url
    posts = [("/rounds/new", {"name": "越权创建的大赛", "organiser_unit": "x", "year": "2026"}),
             (f"/rounds/{draft.id}/edit/basics", {"name": "越权改名"}),
             (f"/rounds/{opened.id}/edit/basics", {"description": "越权修改"}),
             (f"/rounds/{draft.id}/tracks", {"name": "越权赛道"}),
             (f"/rounds/{draft.id}/tracks/{track.id}", {"remove": "1"}),
             (f"/rounds/{draft.id}/transition/open", {}),
             (f"/rounds/{opened.id}/transition/closed", {}),
             (f"/rounds/{opened.id}/copy", {"name": "越权复制", "year": "2027"})]
    for url, data in posts:
        expected = hidden if f"/rounds/{draft.id}/" in url else 403
        assert client.post_form(url, data).status_code == expected, url
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Round)).scalar_one() == 2
    assert session.get(Round, draft.id).status == "draft"
    assert session.get(Round, opened.id).description == "测试用大赛"
    assert session.execute(select(func.count()).select_from(Track)).scalar_one() == 4


@pytest.mark.parametrize("role", ("applicant", "judge", "funder"))
def test_a_draft_is_invisible_outside_the_organisers(client, session, role):
    factories.user(session, role, username="someone")
    draft = rf.ready(session, name="2026年保密中的大赛")
    session.commit()
    client.login("someone")
    response = client.get(f"/rounds/{draft.id}")
    assert response.status_code == 404
    assert draft.name not in response.text
    assert client.get("/rounds").status_code == 403
    assert draft.name not in client.get("/rounds/open").text
    stage = stages.stages_of(session, draft)[1]
    assert client.get(f"/rounds/{draft.id}/stages/{stage.id}/rubric").status_code in (403, 404)


def test_finance_sees_drafts_but_cannot_change_them(client, session):
    factories.user(session, "finance", username="money")
    draft = rf.ready(session)
    session.commit()
    client.login("money")
    page = soup(client.get(f"/rounds/{draft.id}"))
    assert page.select_one("h1").get_text(strip=True) == draft.name
    assert not page.select("#moves a[href*='/transition/']")
    assert not page.select("a[href$='/edit/basics']")
    assert draft.name in client.get("/rounds").text


def test_applicants_see_open_rounds_in_plain_words(client, session):
    org = factories.organisation(session)
    factories.user(session, "applicant", username="org1", organisation=org)
    opened = rf.opened(session, name="2026年南山街道第四届社会治理创新大赛")
    finished = rf.opened(session, name="2025年南山街道第三届社会治理创新大赛")
    finished.status = "finished"
    rf.draft(session, name="2027年还在筹备的大赛")
    session.commit()
    client.login("org1")
    page = soup(client.get("/rounds/open"))
    cards = page.select("#open-rounds article")
    assert [c.select_one("h2").get_text(strip=True) for c in cards] == [opened.name]
    text = cards[0].get_text(" ", strip=True)
    assert "为老服务, 青少年" in text
    assert "¥10,000 to ¥50,000" in text
    assert "Organisations on the black list (失信) may not apply." in text
    assert "Administrative costs at most 10 % of the amount requested." in text
    # The detail of an open or finished round is readable; its editor is not.
    detail = soup(client.get(f"/rounds/{opened.id}"))
    assert detail.select_one("h1").get_text(strip=True) == opened.name
    assert not detail.select("#opening-checklist")
    assert client.get(f"/rounds/{finished.id}").status_code == 200
    # The navigation points applicants to the open rounds.
    nav = soup(client.get("/")).select_one("nav.main-nav")
    assert nav.select_one("a[href='/rounds/open']") is not None


def test_anonymous_visitors_are_sent_to_log_in(client, session):
    round_ = rf.opened(session)
    session.commit()
    for url in ("/rounds", "/rounds/open", f"/rounds/{round_.id}"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
