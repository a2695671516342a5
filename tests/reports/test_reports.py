"""An organisation files its mid-term report, the organiser returns it once and then grades
it: 合格 makes the next tranche due, 不合格 stops the later tranches."""

import pytest
from sqlalchemy import select

from grants import lifecycle
from grants.audit import SYSTEM
from grants.disbursements import services as money
from grants.reports import services as reports
from grants.reports.models import Report
from grants.validation import FormErrors
from tests import factories
from tests.disbursements.factories import confirmed, signed

pytestmark = pytest.mark.db

FILLED = {"activities_held": "12", "people_served": "１,２００", "volunteers": "15",
          "volunteer_hours": "300",
          "narrative": "开展长者助餐和健康讲座，服务覆盖三个小区，居民反馈良好。"}


def _member(session, agreement):
    from grants.organisations.models import Organisation

    user = factories.user(session, "applicant",
                          organisation=session.get(Organisation, agreement.organisation_id))
    session.commit()
    return user


def test_a_report_is_filed_returned_resubmitted_and_passed(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    member = _member(session, agreement)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    session.commit()
    assert report.planned["people"] >= 0 and report.status == "draft"
    with pytest.raises(lifecycle.Refused):  # incomplete
        reports.submit(session, SYSTEM, member, report)
    session.rollback()
    report = session.get(Report, report.id)
    reports.save(session, SYSTEM, member, report, FILLED)
    assert (report.people_served, report.volunteer_hours) == (1200, 300)
    reports.submit(session, SYSTEM, member, report)
    session.commit()
    with pytest.raises(lifecycle.Refused):  # locked once submitted
        reports.save(session, SYSTEM, member, report, FILLED)
    session.rollback()
    report = session.get(Report, report.id)
    reports.return_for_correction(session, SYSTEM, w.organiser, report, "请补充活动照片说明")
    reports.save(session, SYSTEM, member, report, {**FILLED, "activities_held": "13"})
    reports.submit(session, SYSTEM, member, report)
    reports.evaluate(session, SYSTEM, w.organiser, report, grade="good", score=85,
                     comments="活动扎实，台账完整。")
    session.commit()
    assert report.status == "accepted" and agreement.midterm == "passed"
    assert [t.status for t in money.tranches_of(session, agreement)] == [
        "due", "due", "scheduled"]


def test_a_failing_grade_stops_the_later_tranches(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[1])
    member = _member(session, agreement)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    reports.save(session, SYSTEM, member, report, FILLED)
    reports.submit(session, SYSTEM, member, report)
    for bad in ({"grade": "great", "comments": "x"}, {"grade": "fail", "comments": ""},
                {"grade": "fail", "comments": "x", "score": 101}):
        with pytest.raises(FormErrors):
            reports.evaluate(session, SYSTEM, w.organiser, report,
                             **{"score": None, **bad})
    reports.evaluate(session, SYSTEM, w.organiser, report, grade="fail", score=40,
                     comments="活动场次不足计划的一半。")
    session.commit()
    assert [t.status for t in money.tranches_of(session, agreement)] == [
        "due", "stopped", "stopped"]


def test_bad_report_input_changes_nothing(session, monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)
    with pytest.raises(FormErrors):  # not signed yet
        reports.start(session, SYSTEM, None, agreements[2], "midterm")
    agreement = signed(session, agreements[2])
    member = _member(session, agreement)
    with pytest.raises(FormErrors):
        reports.start(session, SYSTEM, member, agreement, "weekly")
    report = reports.start(session, SYSTEM, member, agreement, "final")
    session.commit()
    for bad in ({"people_served": "-3"}, {"people_served": "abc"},
                {"activities_held": "99999999999"}, {"narrative": "长" * 20_001},
                {"narrative": "a\x00b"}):
        with pytest.raises(FormErrors):
            reports.save(session, SYSTEM, member, report, {**FILLED, **bad})
        session.rollback()
    report = session.execute(select(Report)).scalar_one()
    assert report.people_served == 0 and report.narrative == ""


def test_report_pages(app, client, session, monkeypatch):
    from tests.conftest import Client

    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    member = _member(session, agreement)
    stranger = factories.user(session, "applicant", organisation=factories.organisation(session))
    session.commit()
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as c:
        c.login(member.username)
        assert 'id="reports"' in c.get(f"/agreements/{agreement.id}").text
        started = c.post_form(f"/agreements/{agreement.id}/reports/midterm", {})
        assert started.status_code == 303
        report_id = int(started.headers["location"].rsplit("/", 1)[1])
        bad = c.post_form(f"/reports/{report_id}", {**FILLED, "people_served": "lots"})
        assert bad.status_code == 400 and "whole number" in bad.text
        assert c.post_form(f"/reports/{report_id}", FILLED).status_code == 303
        assert c.post_form(f"/reports/{report_id}/submit", {}).status_code == 303
        assert c.post_form(f"/reports/{report_id}/evaluate",
                           {"grade": "pass", "comments": "x"}).status_code == 403
    with Client(app, base_url="http://testserver") as c:
        c.login(stranger.username)
        assert c.get(f"/reports/{report_id}").status_code in (403, 404)
    client.login(w.organiser.username)
    graded = client.post_form(f"/reports/{report_id}/evaluate",
                              {"grade": "excellent", "score": "92", "comments": "成效显著"})
    assert graded.status_code == 303
    session.expire_all()
    assert [t.status for t in money.tranches_of(session, agreement)][1] == "due"


def test_the_agreement_page_and_the_report_never_record_two_outcomes(client, session,
                                                                     monkeypatch):
    """An evaluation grades the report: on the agreement page a submitted report is refused
    (grade it on its page), a pass without a graded report is refused, a refund with a pass is
    refused; a failure for a report never submitted is recorded, and a report graded after it
    is refused instead of silently contradicting it."""
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    member = _member(session, agreement)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    reports.save(session, SYSTEM, member, report, FILLED)
    reports.submit(session, SYSTEM, member, report)
    session.commit()
    client.login(w.organiser.username)
    url = f"/agreements/{agreement.id}/evaluate"
    waiting = client.post_form(url, {"which": "midterm", "outcome": "passed", "note": "好"})
    assert waiting.status_code == 400 and "waiting for its evaluation" in waiting.text
    unreported = client.post_form(url, {"which": "final", "outcome": "passed", "note": "好"})
    assert unreported.status_code == 400 and "passes by grading" in unreported.text
    with pytest.raises(FormErrors) as refused:
        money.record_evaluation(session, SYSTEM, w.organiser, agreement, "final", True, "好",
                                refund_fen=100)
    assert "only when the evaluation fails" in refused.value.errors["refund"]
    session.rollback()
    session.expire_all()
    assert not (agreement.midterm or agreement.final)
    failed = client.post_form(url, {"which": "final", "outcome": "failed",
                                    "note": "结项报告逾期未交"})
    assert failed.status_code == 303
    session.expire_all()
    assert session.get(type(agreement), agreement.id).final == "failed"
    with pytest.raises(FormErrors) as late:  # no report left to file: it could not be graded
        reports.start(session, SYSTEM, member, agreement, "final")
    assert "already recorded" in late.value.errors["kind"]
    session.rollback()
    # a report filed before, graded after the agreement's evaluation: refused, not ignored
    mid = session.get(Report, report.id)
    agreement = session.get(type(agreement), agreement.id)
    money.record_evaluation(session, SYSTEM, w.organiser, agreement, "midterm", False,
                            "中期逾期")
    with pytest.raises(FormErrors) as contradicts:
        reports.evaluate(session, SYSTEM, w.organiser, mid, grade="good", score=80,
                         comments="补评")
    assert "already recorded" in contradicts.value.errors["grade"]
    session.rollback()
    with pytest.raises(FormErrors) as refund:  # a refund goes with a fail only
        reports.evaluate(session, SYSTEM, w.organiser, session.get(Report, report.id),
                         grade="good", score=80, comments="合格", refund_fen=100)
    assert "only when the evaluation fails" in refund.value.errors["refund"]


def test_a_report_without_spending_leaves_the_execution_rate_alone(session, monkeypatch):
    """A report whose spending was left blank says nothing about how the budget was spent:
    its budget does not enter the rate (it made 77% look like 65%)."""
    from grants.impact.indicators import portfolio

    w, agreements = confirmed(session, monkeypatch)
    graded = []
    for agreement, spent in ((signed(session, agreements[0]), "1000"),
                             (signed(session, agreements[1]), "")):
        member = _member(session, agreement)
        report = reports.start(session, SYSTEM, member, agreement, "midterm")
        reports.save(session, SYSTEM, member, report, {**FILLED, "spent_0": spent})
        reports.submit(session, SYSTEM, member, report)
        reports.evaluate(session, SYSTEM, w.organiser, report, grade="good", score=80,
                         comments="活动扎实。")
        graded.append(report)
    session.commit()
    totals = portfolio(session).totals
    assert totals.spent_fen == 1000_00
    assert totals.budget_fen == graded[0].budget_fen  # the blank report's budget left out
