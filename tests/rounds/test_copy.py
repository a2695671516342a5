"""Copying a round into next year's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from grants.audit import AuditEvent
from grants.rounds import copying, services
from grants.rounds.models import Round, RoundFund
from grants.timeutil import local
from tests import factories
from tests.rounds import factories as rf
from tests.rounds.conftest import soup


def _finished_source(session):
    source = rf.ready(session, name="2025年南山街道第三届社会治理创新大赛", year=2025,
                      budget_fen=100_000_00, fund_fen=300_000_00)
    services.update_window(session, rf.ACTOR, source, {
        # 2025-03-01 09:00 and 2025-03-31 17:30 China time.
        "opens_at": datetime(2025, 3, 1, 1, 0, tzinfo=UTC),
        "closes_at": datetime(2025, 3, 31, 9, 30, tzinfo=UTC),
        "grant_min_fen": 10_000_00, "grant_max_fen": 50_000_00, "max_applications_per_org": 2})
    services.update_rules(session, rf.ACTOR, source, {
        "eligibility": {"registered_only": True, "min_rating": "3A", "exclude_black_list": True,
                        "categories": ["charity"], "community_ids": []},
        "budget_rules": {"admin_max_pct": 10, "cofunding_min_pct": 20, "personnel_max_pct": 30}})
    services.update_tranches(session, rf.ACTOR, source, {
        "tranches": [{"percent": 60, "condition": "signing"},
                     {"percent": 40, "condition": "final_accepted"}],
        "reporting_plan": {"midterm_due": datetime(2025, 8, 31).date(),
                           "final_due": datetime(2026, 2, 28).date()}})
    source.status = "finished"
    return source


def test_copying_copies_everything_and_moves_the_dates(client, session, organiser):
    source = _finished_source(session)
    session.commit()
    form = soup(client.get(f"/rounds/{source.id}/copy"))
    assert form.select_one("#f-name")["value"] == "2026年南山街道第四届社会治理创新大赛"
    assert form.select_one("#f-year")["value"] == "2026"
    response = client.post_form(f"/rounds/{source.id}/copy", {
        "name": "2026年南山街道第四届社会治理创新大赛", "year": "2026"})
    assert response.status_code == 303
    session.expire_all()
    copy = session.execute(select(Round).where(Round.copied_from_id == source.id)).scalar_one()
    assert response.headers["location"] == f"/rounds/{copy.id}"
    assert (copy.status, copy.year) == ("draft", 2026)
    assert copy.name == "2026年南山街道第四届社会治理创新大赛"
    assert local(copy.opens_at).strftime("%Y-%m-%d %H:%M") == "2026-03-01 09:00"
    assert local(copy.closes_at).strftime("%Y-%m-%d %H:%M") == "2026-03-31 17:30"
    for field in ("organiser_unit", "description", "grant_min_fen", "grant_max_fen",
                  "max_applications_per_org", "eligibility", "budget_rules", "tranche_template"):
        assert getattr(copy, field) == getattr(source, field), field
    assert copy.reporting_plan == {"midterm_due": "2026-08-31", "final_due": "2027-02-28"}
    old, new = services.load_config(session, source), services.load_config(session, copy)
    assert [(t.name, t.service_area, t.position) for t in new.tracks] == [
        (t.name, t.service_area, t.position) for t in old.tracks]
    assert [(s.kind, s.name, s.position, s.config) for s in new.stages] == [
        (s.kind, s.name, s.position, s.config) for s in old.stages]
    for o, n in zip(old.stages, new.stages, strict=True):
        assert n.id != o.id
        if o.starts_at:
            was, now_ = local(o.starts_at), local(n.starts_at)
            assert now_.year == was.year + 1 and now_.replace(year=was.year) == was
        assert [(c.key, c.name, c.max_points, c.guidance, c.description)
                for c in new.criteria[n.id]] == [
            (c.key, c.name, c.max_points, c.guidance, c.description) for c in old.criteria[o.id]]
    assert [(link.fund_id, link.amount_fen) for link, _f in new.funds] == [
        (link.fund_id, link.amount_fen) for link, _f in old.funds]
    assert session.execute(select(AuditEvent).where(AuditEvent.action == "round.copy",
                                                    AuditEvent.object_id == str(copy.id))
                           ).scalar_one()
    page = soup(client.get(f"/rounds/{copy.id}"))
    assert page.select_one(f"#basics a[href='/rounds/{source.id}']") is not None
    # The source is untouched.
    assert session.get(Round, source.id).status == "finished"


def test_a_fund_without_enough_money_is_not_copied_and_the_organiser_is_told(
        client, session, organiser):
    source = _finished_source(session)
    link = session.execute(select(RoundFund).where(RoundFund.round_id == source.id)).scalar_one()
    # Another round, now open, has taken most of that fund's money.
    taker = rf.ready(session)
    other_link = session.execute(select(RoundFund).where(RoundFund.round_id == taker.id)
                                 ).scalar_one()
    other_link.fund_id, other_link.amount_fen = link.fund_id, 250_000_00
    taker.status = "open"
    session.commit()
    response = client.post_form(f"/rounds/{source.id}/copy", {
        "name": "2026年南山街道第四届社会治理创新大赛", "year": "2026"}, follow_redirects=True)
    assert response.status_code == 200
    notes = [n.get_text(strip=True) for n in soup(response).select(".flash-info")]
    assert any(n.startswith("Not copied:") and "has only ¥50,000.00 free" in n
               and "¥100,000.00" in n for n in notes), notes
    copy = session.execute(select(Round).where(Round.copied_from_id == source.id)).scalar_one()
    assert services.load_config(session, copy).funds == []


def test_a_copy_needs_a_new_name(client, session, organiser):
    source = _finished_source(session)
    session.commit()
    response = client.post_form(f"/rounds/{source.id}/copy", {"name": source.name, "year": "x"})
    assert response.status_code == 400
    errors = [e.get_text(strip=True) for e in soup(response).select(".field-error")]
    assert "A round with this name already exists." in errors
    assert "Enter a whole number." in errors
    assert len(session.execute(select(Round)).scalars().all()) == 1


def test_29_february_moves_to_28_february(session):
    moment = datetime(2028, 2, 29, 1, 0, tzinfo=UTC)  # 09:00 China time
    moved = copying.shift_years(moment, 1)
    assert local(moved).strftime("%Y-%m-%d %H:%M") == "2029-02-28 09:00"
    assert factories is not None


@pytest.mark.parametrize(("name", "expected"), [
    ("2025年南山街道第三届社会治理创新大赛", "2026年南山街道第四届社会治理创新大赛"),
    ("2025年第9届公益创投", "2026年第10届公益创投"),
    ("2025年第十届公益创投", "2026年第十一届公益创投"),
    ("2025年第十九届公益创投", "2026年第二十届公益创投"),
    ("2025年社区微创投", "2026年社区微创投"),
])
def test_the_copy_suggests_the_next_year_and_edition(name, expected):
    from grants.rounds.copying import suggested_copy_name
    from grants.rounds.models import Round

    assert suggested_copy_name(Round(name=name, year=2025)) == expected
