"""The round list (search, filters, pages), the detail page and the demo round."""

from __future__ import annotations

from sqlalchemy import select

from grants.rounds import workflow
from grants.rounds.models import Round
from tests.rounds import factories as rf
from tests.rounds.conftest import soup


def _names(response):
    return [a.get_text(strip=True) for a in soup(response).select("#rounds tbody td:first-child a")]


def test_the_list_searches_filters_and_pages(client, session, organiser):
    rf.draft(session, name="2025年南山街道第三届社会治理创新大赛", year=2025)
    rf.opened(session, name="2026年南山街道第四届社会治理创新大赛", year=2026)
    rf.draft(session, name="2026年坂田街道公益创投大赛", year=2026, organiser_unit="坂田街道办事处")
    for n in range(22):
        rf.draft(session, name=f"2024年测试大赛{n:02d}", year=2024)
    session.commit()
    assert _names(client.get("/rounds?q=南山")) == ["2026年南山街道第四届社会治理创新大赛",
                                                   "2025年南山街道第三届社会治理创新大赛"]
    assert _names(client.get("/rounds?q=坂田街道办事处")) == ["2026年坂田街道公益创投大赛"]
    assert _names(client.get("/rounds?year=2026&status=open")) == [
        "2026年南山街道第四届社会治理创新大赛"]
    first = client.get("/rounds?year=2024")
    assert len(_names(first)) == 20
    assert "22 in total" in soup(first).select_one(".count").get_text()
    second = client.get("/rounds?year=2024&page=2")
    assert len(_names(second)) == 2
    assert soup(client.get("/rounds")).select_one("select[name=status] option[value=judging]")


def test_the_detail_shows_the_whole_configuration(client, session, organiser):
    round_ = rf.ready(session)
    session.commit()
    page = soup(client.get(f"/rounds/{round_.id}"))
    # English pages quote yuan, not 万元
    assert page.select_one("#round-budget").get_text(strip=True) == "¥200,000"
    stages = page.select_one("#stages").get_text(" ", strip=True)
    for text in ("资格审查", "初审", "公示", "立项", "需求分析 — 20 points", "5 working days"):
        assert text in stages
    assert "50% on signing the agreement" in page.select_one("#tranches").get_text(" ", strip=True)
    checklist = page.select("#opening-checklist li")
    assert len(checklist) == len(workflow.OPENING_CHECKS)
    assert not page.select("#opening-checklist li.blocked")


def test_every_editor_section_renders_for_a_draft_and_an_open_round(client, session, organiser):
    for round_ in (rf.ready(session), rf.opened(session)):
        session.commit()
        for section in ("basics", "funds", "tracks", "window", "rules", "stages", "tranches"):
            page = soup(client.get(f"/rounds/{round_.id}/edit/{section}"))
            assert page.select_one("#sections strong").get_text(strip=True).endswith(
                {"basics": "Basics", "funds": "Funds", "tracks": "Tracks",
                 "window": "Window and grants", "rules": "Eligibility and budget rules",
                 "stages": "Stages and rubrics", "tranches": "Tranches and reporting"}[section])
            tokens = [i["value"] for i in page.select("main input[name=csrf_token]")]
            assert all(tokens), f"a form without its CSRF token on {section}"
            assert bool(page.select_one("#lock-reason")) == (round_.status == "open")
    assert client.get(f"/rounds/{round_.id}/edit/nonsense").status_code == 404
    assert client.get("/rounds/999999").status_code == 404
    assert client.get("/rounds/abc").status_code == 404


def test_the_demo_round_is_open_and_complete(session):
    from grants.demo import load

    load.load(session)  # calls grants.demo.rounds.load_rounds
    current = session.execute(select(Round).where(
        Round.status == "open", Round.name.like("%南山街道第四届%"))).scalar_one()
    assert current.name.endswith("年南山街道第四届社会治理创新大赛")
    config = _config(session, current)
    assert workflow.LIFECYCLE.checks["rubrics_valid"].function(session, current, config) == []
    assert [t.name for t in config.tracks] == ["为老服务", "青少年", "社区治理", "心理健康"]
    assert [s.name for s in config.stages] == ["资格审查", "初审", "路演答辩", "公示", "立项"]
    assert config.budget > 0 and current.tranche_template[0]["percent"] == 50
    last = session.get(Round, current.copied_from_id)
    assert last.status == "finished" and last.year == current.year - 1


def _config(session, round_):
    from grants.rounds import services

    return services.load_config(session, round_)
