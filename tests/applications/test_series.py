"""Series rules: at most N entries per organisation across a series' rounds of one year, and
past winners of chosen levels refused in the series' next rounds (with the round they won)."""

import pytest

from grants.applications import services
from grants.audit import SYSTEM
from grants.awards.models import Award, AwardNotice
from grants.rounds import copying
from grants.rounds.models import Round
from grants.validation import FormErrors
from tests.applications import factories as af

pytestmark = pytest.mark.db

SERIES = "测试街道公益创投大赛"


def _series_round(session, year, edition, **eligibility):
    rules = {"registered_only": False, "min_rating": None, "exclude_black_list": True,
             "categories": [], "community_ids": [], **eligibility}
    return af.round_(session, year=year, series=SERIES, edition=edition, eligibility=rules)


def _submitted(session, round_, user):
    app = af.application(session, round_, user)
    app.status = "submitted"
    session.flush()
    return app


def test_entries_are_counted_across_the_series_year(session):
    user = af.applicant(session)
    first = _series_round(session, 2026, 3, series_max_per_year=2)
    second = _series_round(session, 2026, 3, series_max_per_year=2)
    third = _series_round(session, 2026, 3, series_max_per_year=2)
    other_year = _series_round(session, 2025, 2, series_max_per_year=2)
    _submitted(session, other_year, user)  # another year does not count
    _submitted(session, first, user)
    app = af.application(session, second, user)
    assert not [p for p in services.problems(session, app, second)
                if p.code == "eligibility.series_limit"]
    app.status = "submitted"
    session.commit()
    with pytest.raises(FormErrors) as refused:
        af.application(session, third, user)
    message = refused.value.errors["round"]
    assert SERIES in message and "2026" in message and "2" in message


def test_past_winners_are_refused_in_the_next_round_of_the_series(session):
    user = af.applicant(session)
    past = _series_round(session, 2025, 2)
    won = _submitted(session, past, user)
    notice = AwardNotice(round_id=past.id, status="confirmed", title="公示")
    session.add(notice)
    session.flush()
    session.add(Award(round_id=past.id, notice_id=notice.id, application_id=won.id,
                      organisation_id=user.organisation_id, status="confirmed", position=1,
                      level="first", amount_fen=30_000_00, code="PASTWIN001"))
    session.commit()
    strict = _series_round(session, 2026, 3, exclude_winner_levels=["first", "second"])
    session.commit()
    with pytest.raises(FormErrors) as refused:
        af.application(session, strict, user)
    message = refused.value.errors["round"]
    assert past.name in message and ("First prize" in message or "一等奖" in message)
    session.rollback()
    # third-prize winners only, or another series: the same organisation may apply
    lenient = _series_round(session, 2026, 3, exclude_winner_levels=["third"])
    assert af.application(session, lenient, user).id
    elsewhere = af.round_(session, eligibility={**strict.eligibility})
    assert af.application(session, elsewhere, af.applicant(session)).id


def test_a_copy_continues_the_series(session):
    past = _series_round(session, 2025, 2)
    session.commit()
    copy, _notes = copying.copy_round(session, SYSTEM, past, {"name": "测试街道第三届公益创投大赛",
                                                             "year": 2026})
    assert (copy.series, copy.edition) == (SERIES, 3)
    assert isinstance(copy, Round)


def test_an_edition_needs_a_series(session):
    from grants.rounds import services as rounds

    draft = af.round_(session, status="draft")
    with pytest.raises(FormErrors) as refused:
        rounds.update_basics(session, SYSTEM, draft, {"edition": 4})
    assert "series" in refused.value.errors
    rounds.update_basics(session, SYSTEM, draft, {"series": SERIES, "edition": 4})
    assert (draft.series, draft.edition) == (SERIES, 4)
