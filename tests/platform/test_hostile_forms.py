"""Hostile input against the forms converted to the typed form layer (grants/forms.py): each
defect the probe found is a test here. A refused form answers 400, says why in the reader's
language, and changes nothing."""

from __future__ import annotations

import html

import pytest
from sqlmodel import Session

from grants.votes import services as vote_services
from tests import factories
from tests.votes.factories import voting_round

pytestmark = pytest.mark.db


def _vote_form(apps, **changes: str) -> dict:
    return {"opens_at": "2026-01-01T09:00", "closes_at": "2030-01-01T09:00",
            "votes_per_day": "2", "use": "award", "weight_pct": "", "difficulty": "8",
            "per_address_hour": "60", "per_device_hour": "20",
            "application_ids": [str(a.id) for a in apps], **changes}


@pytest.mark.parametrize(("field", "value"), [
    ("opens_at", "0001-01-01"), ("opens_at", "0001-01-01T00:00"),
    ("closes_at", "9999-12-31"), ("closes_at", "9999-12-31T23:59"),
    ("opens_at", "1999-12-31T09:00"), ("closes_at", "2026-02-30T09:00"),
    ("opens_at", "1e3"), ("closes_at", "x" * 10000)])
def test_vote_window_out_of_range_is_refused_and_changes_nothing(client, session: Session,
                                                                 field, value) -> None:
    """A vote opening in year 1 failed with OverflowError (500); one closing in 9999 was
    accepted; an unreadable date was refused in untranslated English."""
    round_, setup, apps = voting_round(session)
    setup.status = "draft"
    factories.user(session, "organiser", username="org-vote")
    session.commit()
    before = (setup.opens_at, setup.closes_at, setup.votes_per_day)
    client.login("org-vote")
    page = client.post_form(f"/rounds/{round_.id}/vote", _vote_form(apps, **{field: value}))
    assert page.status_code == 400
    assert "YYYY-MM-DD" in html.unescape(page.text)
    session.expire_all()
    stored = vote_services.setup_for(session, round_.id)
    assert (stored.opens_at, stored.closes_at, stored.votes_per_day) == before


def test_vote_window_refusal_is_translated(zh_client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    setup.status = "draft"
    factories.user(session, "organiser", username="org-vote")
    session.commit()
    zh_client.login("org-vote")
    page = zh_client.post_form(f"/rounds/{round_.id}/vote", _vote_form(apps, opens_at="明天"))
    assert page.status_code == 400
    assert "is not a date" not in html.unescape(page.text)


# ---- amounts and points -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["٣٣", "1²", "①", "１²", "¥٣", "３٣"])
def test_an_amount_in_other_scripts_digits_is_refused(raw) -> None:
    """NFKC and Decimal read ² and ٣ as digits, so '٣٣' was ¥33 and '1²' was ¥12; the
    integer readers already refused them."""
    from grants import money

    with pytest.raises(money.MoneyError):
        money.parse_yuan(raw)


@pytest.mark.parametrize(("raw", "fen"), [("１２", 1200), ("¥100", 10000), ("１２,０００.５", 1200050),
                                          ("-0", 0)])
def test_amounts_people_type_are_still_read(raw, fen) -> None:
    from grants import money

    assert money.parse_yuan(raw) == fen


def test_an_award_amount_in_other_scripts_digits_changes_nothing(client, session) -> None:
    from sqlalchemy import select

    from grants.awards import services as awards
    from grants.awards.models import Award
    from tests.awards.factories import proposed

    w, notice = proposed(session)
    award = session.execute(select(Award).where(Award.notice_id == notice.id)).scalars().first()
    before = award.amount_fen
    fund_id = awards.fund_use(session, w.round.id)[0].fund.id
    client.login(w.organiser.username)
    page = client.post_form(f"/awards/{award.id}", {f"fund_{fund_id}": "٣٣", "reason": "调整",
                                                    "level": award.level or ""})
    assert page.status_code == 400
    session.expire_all()
    assert session.get(Award, award.id).amount_fen == before


def test_minus_zero_points_are_stored_as_zero(client, session) -> None:
    """'-0' passed the 0..max check and was stored as -0.0 points."""
    import math

    from grants.judging.models import ScoreSheet
    from tests.judging.factories import full_points, score_form, world
    from tests.judging.test_form_input import _confirm

    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = _confirm(client, w.assignments_of(session, judge)[0])
    points = full_points()
    key = next(iter(points))
    response = client.post_form(f"/sheets/{sheet_id}",
                                score_form({**points, key: "-0"}, action="save"))
    assert response.status_code == 303
    session.expire_all()
    assert math.copysign(1, session.get(ScoreSheet, sheet_id).points[key]) == 1
