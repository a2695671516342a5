"""Working days: weekends, the shipped national schedule, make-up days, local changes."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grants.audit import SYSTEM, AuditEvent
from grants.calendar import data, services
from grants.calendar.models import CalendarDay
from grants.validation import FormErrors
from tests import factories

pytestmark = pytest.mark.db


def test_a_make_up_sunday_counts_and_the_weekend_does_not(session):
    # Fri 18 Sep 2026: Sat 19 off, Sun 20 is a make-up working day for National Day
    assert services.add_working_days(session, date(2026, 9, 18), 5) == date(2026, 9, 24)
    assert services.day_kind(session, date(2026, 9, 20)) == "workday"
    assert services.day_kind(session, date(2026, 9, 19)) == "weekend"


def test_national_day_and_mid_autumn_are_skipped(session):
    # 25-27 Sep and 1-7 Oct are holidays; Sat 10 Oct is a make-up working day
    assert services.add_working_days(session, date(2026, 9, 24), 1) == date(2026, 9, 28)
    assert services.add_working_days(session, date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert services.working_days_between(session, date(2026, 9, 30), date(2026, 10, 13)) == 5


def test_spring_festival_is_skipped_and_its_saturdays_count(session):
    # 15-23 Feb are holidays; Sat 14 Feb and Sat 28 Feb are working days
    assert services.add_working_days(session, date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert services.add_working_days(session, date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert services.add_working_days(session, date(2026, 2, 27), 1) == date(2026, 2, 28)


def test_local_entries_override_the_schedule_and_are_audited(session):
    organiser = factories.user(session, "organiser")
    services.set_day(session, SYSTEM, date(2026, 11, 23), "holiday", "区庆", "", organiser.id)
    assert not services.is_working_day(session, date(2026, 11, 23))
    services.set_day(session, SYSTEM, date(2026, 9, 20), "normal", "")  # cancel the make-up day
    assert services.day_kind(session, date(2026, 9, 20)) == "weekend"
    # 21-24 count, 25-27 are the mid-autumn holiday, Monday 28 is the fifth
    assert services.add_working_days(session, date(2026, 9, 18), 5) == date(2026, 9, 28)
    services.clear_day(session, SYSTEM, date(2026, 9, 20))
    assert services.day_kind(session, date(2026, 9, 20)) == "workday"
    actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("calendar.set_day") == 2 and "calendar.clear_day" in actions


def test_bad_entries_change_nothing(session):
    for day, kind, name in ((None, "holiday", "x"), (date(1999, 1, 1), "holiday", "x"),
                            (date(2026, 1, 5), "festival", "x"), (date(2026, 1, 5), "holiday", ""),
                            (date(2026, 1, 5), "holiday", "名" * 41),
                            (date(2026, 1, 5), "holiday", "a\x00b")):
        with pytest.raises(FormErrors):
            services.set_day(session, SYSTEM, day, kind, name)
    with pytest.raises(FormErrors):
        services.clear_day(session, SYSTEM, date(2026, 1, 5))
    assert session.execute(select(func.count()).select_from(CalendarDay)).scalar_one() == 0


def test_the_shipped_schedule_says_which_years_are_announced(session):
    assert services.year_announced(2026) and not services.year_announced(2027)
    entries = services.days(session, 2027)
    assert entries and not any(e.announced for e in entries)
    assert date(2027, 2, 6) in {e.day for e in entries}  # 春节 (初一)
    assert sum(1 for o in data.SCHEDULE if o.day.year == 2026 and o.kind == "workday") == 6


def test_the_calendar_page(client, session):
    organiser = factories.user(session, "organiser")
    applicant = factories.user(session, "applicant")
    session.commit()
    client.login(organiser.username)
    page = client.get("/calendar?year=2026")
    assert page.status_code == 200 and "2026-10-10" in page.text
    assert 'id="not-announced"' in client.get("/calendar?year=2027").text
    for bad in ("abc", "99999", "1999", "２０２６x", "-1", "²⁰²⁶", "٢٠٢٦"):
        assert client.get("/calendar", params={"year": bad}).status_code == 400
    response = client.post_form("/calendar/days", {"day": "2026-12-31", "kind": "holiday",
                                                   "name": "跨年"})
    assert response.status_code == 303
    for form in ({"day": "2026-02-30", "kind": "holiday", "name": "x"},
                 {"day": "not a date", "kind": "holiday", "name": "x"},
                 {"day": "2026-12-30", "kind": "x"}):
        assert client.post_form("/calendar/days", form).status_code == 400
    assert client.post_form("/calendar/days/remove", {"day": "2026-12-31"}).status_code == 400
    assert client.post_form("/calendar/days/remove",
                            {"day": "2026-12-31", "confirm": "1"}).status_code == 303
    assert session.execute(select(func.count()).select_from(CalendarDay)).scalar_one() == 0
    client.get("/logout")
    client.login(applicant.username)
    assert client.get("/calendar").status_code == 403
