"""The judging, vote, calendar and language forms read through grants.forms: hostile or
malformed values are refused in words (or dropped where the page offered the choices), never a
server error, and a refused post changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from grants.calendar.models import CalendarDay
from grants.judging.models import Assignment, PanelMember, ScoreSheet
from tests import factories
from tests.judging.factories import full_points, score_form, world

pytestmark = pytest.mark.db


def _confirm(client, assignment) -> int:
    response = client.post_form(f"/assignments/{assignment.id}", {"action": "confirm"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_the_panel_forms_refuse_what_is_not_an_id(client, session):
    w = world(session, assign=False, open_stage=False)
    newcomer = factories.user(session, "judge", username="new-judge")
    session.commit()
    client.login(w.organiser.username)
    for bad in ("1e3", "-1", "１", "9" * 30, "名\x1b"):
        response = client.post_form(f"/rounds/{w.round.id}/panel/add", {"user_id": bad})
        assert response.status_code == 400 and "Choose a user." in response.text, bad
    response = client.post_form(f"/rounds/{w.round.id}/panel/add", [
        ("user_id", str(newcomer.id)), ("tracks", "x"), ("organisation_ids", "9" * 30),
        ("public", "1")])
    assert response.status_code == 303
    member = session.execute(select(PanelMember).where(
        PanelMember.user_id == newcomer.id)).scalars().one()
    assert member.public is True and member.tracks == []
    response = client.post_form(f"/rounds/{w.round.id}/panel/invite",
                                {"email": "a\x1b@example.org", "display_name": "王老师"})
    assert response.status_code == 400 and "not allowed" in response.text


def test_the_stage_forms_read_numbers_and_reasons(client, session):
    w = world(session, assign=False, open_stage=False)
    client.login(w.organiser.username)
    for k in ("x", "", "0", "1_000", "NaN"):
        response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                    {"k": k, "min_load": "0", "max_load": "3"})
        assert response.status_code == 400, k
        assert f'value="{k}"' in response.text or not k  # shown again as typed
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": "２", "min_load": "0", "max_load": "3"})
    assert response.status_code == 303, response.text
    assignment = session.execute(select(Assignment).where(
        Assignment.stage_id == w.stage.id)).scalars().first()
    spare = next(j for j in w.judges if not session.execute(select(Assignment.id).where(
        Assignment.stage_id == w.stage.id, Assignment.user_id == j.id,
        Assignment.application_id == assignment.application_id)).first())
    for fields in ({"application_id": "abc", "user_id": str(spare.id), "reason": "替补"},
                   {"application_id": str(assignment.application_id), "user_id": "1e3",
                    "reason": "替补"},
                   {"application_id": str(assignment.application_id),
                    "user_id": str(spare.id), "reason": "长" * 3000},
                   {"application_id": str(assignment.application_id),
                    "user_id": str(spare.id), "reason": "替\x1b补"}):
        assert client.post_form(f"/stages/{w.stage.id}/judging/add",
                                fields).status_code == 400, fields
    response = client.post_form(f"/assignments/{assignment.id}/remove",
                                {"reason": "x" * 3000})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Assignment, assignment.id).status != "removed"
    response = client.post_form(f"/stages/{w.stage.id}/judging/bonus",
                                {"application_id": str(w.apps[0].id), "points": "abc",
                                 "reason": "x"})
    assert response.status_code == 400 and "Enter a whole number." in response.text


def test_the_score_sheet_reads_decimal_commas_and_refuses_the_rest(client, session):
    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = _confirm(client, w.assignments_of(session, judge)[0])
    points = full_points()
    key = next(iter(points))
    for bad in ("7,5", "1e1", "inf", "７.３"):
        response = client.post_form(f"/sheets/{sheet_id}",
                                    score_form({**points, key: bad}, action="save"))
        assert response.status_code == 400, bad
        assert f'value="{bad}"' in response.text  # shown again as typed
    response = client.post_form(f"/sheets/{sheet_id}", score_form(
        {**points, key: "0"}, action="save", **{f"comment_{key}": "好\x1b"}))
    assert response.status_code == 400 and "not allowed" in response.text
    response = client.post_form(f"/sheets/{sheet_id}",
                                score_form({**points, key: "7，5"}, action="save"))
    assert response.status_code == 303
    session.expire_all()
    assert session.get(ScoreSheet, sheet_id).points[key] == 7.5


def test_a_declaration_with_an_unknown_action_or_a_bad_reason(client, session):
    w = world(session)
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    assert client.post_form(f"/assignments/{assignment.id}",
                            {"action": "nonsense"}).status_code == 400
    response = client.post_form(f"/assignments/{assignment.id}",
                                {"action": "abstain", "reason": "出\x1b差"})
    assert response.status_code == 400 and "not allowed" in response.text
    session.expire_all()
    assert session.get(Assignment, assignment.id).status == "assigned"


def test_the_calendar_forms(client, session):
    organiser = factories.user(session, "organiser")
    session.commit()
    client.login(organiser.username)
    for form in ({"day": "２０２６-１２-３１", "kind": "holiday", "name": "名\x1b称"},
                 {"day": "9999-12-31", "kind": "holiday", "name": "x"},
                 {"day": "2026-12-31", "kind": "holiday", "name": "长" * 41},
                 {"day": "", "kind": "holiday", "name": "x"}):
        assert client.post_form("/calendar/days", form).status_code == 400, form
    response = client.post_form("/calendar/days", {"day": "２０２６-１２-３１",
                                                   "kind": "holiday", "name": "跨年"})
    assert response.status_code == 303 and response.headers["location"].endswith("year=2026")
    assert session.execute(select(CalendarDay.day)).scalar_one() == date(2026, 12, 31)
    for form in ({"day": "not a date", "confirm": "1"}, {"day": "", "confirm": "1"},
                 {"day": "2026-12-31"}):
        assert client.post_form("/calendar/days/remove", form).status_code == 400, form
    assert session.execute(select(func.count()).select_from(CalendarDay)).scalar_one() == 1


def test_the_language_switch_goes_back_only_to_a_path_here(client, session):
    for back, expected in (("/rounds", "/rounds"), ("//evil.example/", "/"),
                           ("https://evil.example/", "/"), ("/x\x1b", "/"), ("", "/")):
        response = client.post_form("/lang", {"locale": "en", "next": back})
        assert response.status_code in (302, 303), back
        assert response.headers["location"] == expected, back
    assert client.post_form("/lang", {"locale": "长" * 1000, "next": "/"}).status_code in (
        302, 303)
