"""Photos and attachments of reports, the evaluation rubric, third-party evaluators, and the
background jobs: reminders sent once (also when two runs overlap) and late reports counted as
failing after the round's grace period."""

import io
import threading
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from grants import jobs
from grants.audit import SYSTEM
from grants.disbursements import services as money
from grants.notifications.models import Notice, OutboxMessage, SentReminder
from grants.organisations.models import Organisation
from grants.reports import files
from grants.reports import forms as report_forms
from grants.reports import services as reports
from grants.reports.models import Report, ReportFile
from grants.rounds.models import Round
from grants.validation import FormErrors
from tests import factories
from tests.disbursements.factories import confirmed, finance_pair, signed

pytestmark = pytest.mark.db

FIGURES = {"activities_held": "12", "people_served": "1000", "volunteers": "10",
           "volunteer_hours": "200",
           "narrative": "开展长者助餐和健康讲座，服务覆盖三个小区，居民反馈良好。"}


def _photo(width=1200, height=900, fmt="JPEG", gps=True) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    if fmt == "JPEG" and gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (22.0, 32.0, 10.0)}  # GPSInfo
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _setup(session, monkeypatch, sign_all=False):
    w, agreements = confirmed(session, monkeypatch)
    for other in agreements[1:] if sign_all else []:
        signed(session, other)
    agreement = signed(session, agreements[0])
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, agreement.organisation_id))
    member.email = "member@example.org"
    session.commit()
    return w, agreements, agreement, member


def _submitted(session, member, agreement):
    """The agreement's mid-term report, filled in and submitted by a member."""
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    reports.save(session, SYSTEM, member, report, FIGURES)
    reports.submit(session, SYSTEM, member, report)
    return report


def test_photos_are_reencoded_without_metadata_with_thumbnails(session, monkeypatch):
    from grants.applications import attachments

    _w, _all, agreement, member = _setup(session, monkeypatch)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    original = _photo()
    assert b"PhoneMaker" in original
    item = files.add(session, SYSTEM, member, report, kind="photo", filename="活动.jpg",
                     data=original, caption="长者食堂开餐")
    session.commit()
    stored = attachments.storage_path(item.stored_name).read_bytes()
    assert b"PhoneMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    with Image.open(attachments.storage_path(item.thumb_name)) as thumb:
        assert max(thumb.size) == files.THUMB_SIDE
    assert (item.width, item.height) == (1200, 900)
    for name, data, message in (
            ("fake.jpg", b"not an image at all", "not"),
            ("doc.pdf", b"%PDF-1.4 minimal", "JPEG or PNG"),
            ("same.jpg", original, "already attached")):
        with pytest.raises(FormErrors) as refused:
            files.add(session, SYSTEM, member, report, kind="photo", filename=name, data=data)
        assert message in refused.value.errors["photo"], refused.value.errors
        session.rollback()
    # a decompression bomb: a tiny PNG that claims 20,000 × 20,000 pixels
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    with pytest.raises(FormErrors) as refused:
        files.add(session, SYSTEM, member, report, kind="photo", filename="bomb.png",
                  data=bomb.getvalue())
    assert "million pixels" in refused.value.errors["photo"]
    session.rollback()
    # attachments take documents; once submitted, nothing can be added or removed
    report = session.get(Report, report.id)
    files.add(session, SYSTEM, member, report, kind="attachment", filename="签到表.pdf",
              data=b"%PDF-1.4 sign-in sheet")
    reports.save(session, SYSTEM, member, report, FIGURES)
    reports.submit(session, SYSTEM, member, report)
    session.commit()
    from grants import lifecycle

    with pytest.raises(lifecycle.Refused):
        files.add(session, SYSTEM, member, report, kind="photo", filename="late.png",
                  data=_photo(fmt="PNG"))
    session.rollback()
    assert session.execute(select(func.count()).select_from(ReportFile)).scalar_one() == 2


def test_photo_pages_upload_show_and_hide_from_other_organisations(session, monkeypatch,
                                                                   client):
    _w, _all, agreement, member = _setup(session, monkeypatch)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    session.commit()
    client.login(member.username)
    page = client.get(f"/reports/{report.id}")
    assert 'id="add-report-file"' in page.text
    response = client.post(f"/reports/{report.id}/files",
                           data={"csrf_token": client.csrf_token(), "kind": "photo",
                                 "caption": "活动现场"},
                           files={"file": ("现场.png", _photo(fmt="PNG"), "image/png")},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[-500:]
    item = session.execute(select(ReportFile)).scalar_one()
    thumb = client.get(f"/reports/{report.id}/files/{item.id}?thumb=1")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    bad = client.post(f"/reports/{report.id}/files",
                      data={"csrf_token": client.csrf_token(), "kind": "photo"},
                      files={"file": ("x.png", b"GIF89a...", "image/png")},
                      follow_redirects=False)
    assert bad.status_code == 400 and 'id="report-photos"' in bad.text
    client.post_form("/logout", {})
    other = factories.user(session, "applicant")
    session.commit()
    client.login(other.username)
    assert client.get(f"/reports/{report.id}/files/{item.id}").status_code in (403, 404)


def test_rubric_scores_add_up_and_partial_rubrics_are_refused(session, monkeypatch):
    w, _all, agreement, member = _setup(session, monkeypatch)
    report = _submitted(session, member, agreement)
    session.commit()
    scores, errors = report_forms.rubric_scores({"rubric_goals": "25", "rubric_money": "20"})
    assert errors and "rubric_delivery" in errors
    scores, errors = report_forms.rubric_scores({"rubric_goals": "31", "rubric_delivery": "20",
                                            "rubric_money": "20", "rubric_benefit": "15"})
    assert "rubric_goals" in errors
    scores, errors = report_forms.rubric_scores({"rubric_goals": "27", "rubric_delivery": "２０",
                                            "rubric_money": "22", "rubric_benefit": "15"})
    assert not errors
    # 84/100 supports 良好 at most: 优秀 is refused, naming the grade it supports
    with pytest.raises(FormErrors) as refused:
        reports.evaluate(session, SYSTEM, w.organiser, report, grade="excellent", score=None,
                         comments="材料齐全。", scores=scores)
    assert "84/100" in refused.value.errors["grade"] and "Good" in refused.value.errors["grade"]
    session.rollback()
    with pytest.raises(FormErrors):  # all zeros and 优秀, as a tester tried
        reports.evaluate(session, SYSTEM, w.organiser, report, grade="excellent", score=None,
                         comments="材料齐全。", scores=dict.fromkeys(scores, 0))
    session.rollback()
    evaluation = reports.evaluate(session, SYSTEM, w.organiser, report, grade="good",
                                  score=None, comments="材料齐全。", scores=scores)
    assert evaluation.score == 84 and evaluation.scores["delivery"] == 20


def test_a_grade_below_the_score_is_the_evaluators_call(session, monkeypatch):
    """Good figures and a serious breach: 不合格 with 84/100 stands (the findings say why)."""
    w, _all, agreement, member = _setup(session, monkeypatch)
    report = _submitted(session, member, agreement)
    session.commit()
    evaluation = reports.evaluate(session, SYSTEM, w.organiser, report, grade="fail", score=84,
                                  comments="台账造假，虚报服务人次。")
    assert evaluation.grade == "fail" and evaluation.score == 84


def test_a_third_party_evaluator_sees_and_grades_one_round_only(session, monkeypatch,
                                                                 client):
    w, _agreements, agreement, member = _setup(session, monkeypatch)
    report = _submitted(session, member, agreement)
    factories.user(session, "evaluator", username="agency")
    session.commit()
    with pytest.raises(FormErrors):
        reports.add_evaluator(session, SYSTEM, w.round.id, member.username, "")
    with pytest.raises(FormErrors):
        reports.add_evaluator(session, SYSTEM, w.round.id, "nobody-here", "")
    client.login("agency")
    assert client.get(f"/reports/{report.id}").status_code in (403, 404)
    assert 'href="/evaluations"' not in client.get("/").text
    reports.add_evaluator(session, SYSTEM, w.round.id, "agency", "深圳市社会组织评估中心")
    session.commit()
    assert 'href="/evaluations"' in client.get("/").text
    listing = client.get("/evaluations")
    assert listing.status_code == 200 and f"/reports/{report.id}" in listing.text
    response = client.post_form(f"/reports/{report.id}/evaluate", {
        "grade": "pass", "comments": "第三方评估：基本完成计划。", "rubric_goals": "20",
        "rubric_delivery": "18", "rubric_money": "18", "rubric_benefit": "14"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Report, report.id).status == "accepted"
    assert money.tranches_of(session, session.get(type(agreement), agreement.id))[1].status \
        == "due"
    # a report of another round stays out of reach
    _w2, others = confirmed(session, monkeypatch)
    other = signed(session, others[0])
    other_report = reports.start(session, SYSTEM, None, other, "midterm")
    session.commit()
    assert client.get(f"/reports/{other_report.id}").status_code in (403, 404)
    assert client.get(f"/rounds/{w.round.id}/evaluators").status_code == 403


def _plan(session, round_id, midterm, final, grace=None):
    round_ = session.get(Round, round_id)
    round_.reporting_plan = {"midterm_due": midterm, "final_due": final, "grace_days": grace}
    session.commit()


def test_reminders_go_out_once_and_late_reports_fail_after_the_grace(session, monkeypatch):
    w, _agreements, agreement, member = _setup(session, monkeypatch)
    _plan(session, w.round.id, "2027-03-31", "2027-09-30", grace=10)
    mails = lambda: session.execute(select(func.count()).select_from(OutboxMessage).where(  # noqa: E731
        OutboxMessage.to == "member@example.org")).scalar_one()
    assert jobs.run(date(2027, 3, 1))["due soon"] == 0  # more than a week before
    assert jobs.run(date(2027, 3, 25))["due soon"] == 1
    assert jobs.run(date(2027, 3, 26))["due soon"] == 0  # sent once
    assert mails() == 1
    late = jobs.run(date(2027, 4, 2))
    assert late["late"] == 1 and jobs.run(date(2027, 4, 3))["late"] == 0
    assert mails() == 2
    assert jobs.run(date(2027, 4, 10))["counted as failing"] == 0  # within the grace
    monkeypatch.setattr(money, "today", lambda: date(2027, 4, 12))
    failed = jobs.run(date(2027, 4, 12))
    assert failed["counted as failing"] == 1
    session.expire_all()
    agreement = session.get(type(agreement), agreement.id)
    assert agreement.midterm == "failed"
    assert [t.status for t in money.tranches_of(session, agreement)][1:] == [
        "stopped", "stopped"]
    assert jobs.run(date(2027, 4, 13))["counted as failing"] == 0
    # the final report is no longer owed once the mid-term failed
    assert all(o.agreement_id != agreement.id for o in jobs.obligations(session))
    assert session.execute(select(func.count()).select_from(Notice).where(
        Notice.user_id == member.id)).scalar_one() == 3


def test_a_submitted_report_stops_its_reminders(session, monkeypatch):
    w, agreements, agreement, member = _setup(session, monkeypatch, sign_all=True)
    _plan(session, w.round.id, "2027-03-31", "2027-09-30")
    _submitted(session, member, agreement)
    session.commit()
    counts = jobs.run(date(2027, 4, 20))
    assert counts["late"] == len(agreements) - 1  # the others are late, this one is not
    assert counts["evaluator digests"] >= 1  # the organiser has a report waiting
    assert jobs.run(date(2027, 4, 20))["evaluator digests"] == 0
    assert jobs.run(date(2027, 4, 21))["evaluator digests"] >= 1  # one a day


def test_two_overlapping_runs_send_each_reminder_once(session, monkeypatch):
    w, agreements, _agreement, _member = _setup(session, monkeypatch, sign_all=True)
    _plan(session, w.round.id, "2027-03-31", "2027-09-30")
    results = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        results.append(jobs.run(date(2027, 4, 2)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["late"] for r in results) == len(agreements)
    keys = session.execute(select(SentReminder.key)).scalars().all()
    assert len(keys) == len(set(keys)) == len(agreements)
    assert session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to == "member@example.org")).scalar_one() == 1


def test_hostile_uploads_and_ids_found_by_a_tester(session, monkeypatch, client):
    """Truncated photos stay refused after WeasyPrint (which relaxes Pillow for the whole
    process) is loaded; image attachments lose their camera data; a huge evaluator id is a 404;
    only evaluator accounts and organisers in scope can be made evaluators."""
    import weasyprint  # noqa: F401 - sets ImageFile.LOAD_TRUNCATED_IMAGES = True

    from grants.applications import attachments

    w, _all, agreement, member = _setup(session, monkeypatch)
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    session.commit()
    whole = _photo(fmt="PNG")
    with pytest.raises(FormErrors) as refused:
        files.add(session, SYSTEM, member, report, kind="photo", filename="cut.png",
                  data=whole[:2000])
    assert "could not be read" in refused.value.errors["photo"]
    session.rollback()
    report = session.get(Report, report.id)
    item = files.add(session, SYSTEM, member, report, kind="attachment", filename="收据.jpg",
                     data=_photo())
    session.commit()
    assert b"PhoneMaker" not in attachments.storage_path(item.stored_name).read_bytes()
    funder = factories.user(session, "funder")
    evaluator = factories.user(session, "evaluator")
    session.commit()
    for who in (funder.username, "nobody"):
        with pytest.raises(FormErrors):
            reports.add_evaluator(session, SYSTEM, w.round.id, who, "")
        session.rollback()
    reports.add_evaluator(session, SYSTEM, w.round.id, evaluator.username, "评估中心")
    organiser = factories.user(session, "organiser", username="chief")
    session.commit()
    client.login("chief")
    huge = client.post_form(f"/rounds/{w.round.id}/evaluators",
                            {"remove": "9223372036854775808"})
    assert huge.status_code == 404
    assert organiser.id


def test_the_jobs_command_refuses_a_bad_day(session, capsys):
    from grants.cli import main

    assert main(["jobs", "run", "--day", "2027-02-30"]) == 2
    assert main(["jobs", "run", "--day", "20270412"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_a_third_party_evaluator_can_fail_a_report(session, monkeypatch, client):
    """Failing stops the later tranches and may ask for a refund: the system does that for
    the evaluator (who may not stop tranches by hand), the audit names the evaluator, and the
    reason is kept in the platform's language whatever the evaluator's page is in."""
    from grants.audit import AuditEvent
    from grants.disbursements.models import Refund

    w, _agreements, agreement, member = _setup(session, monkeypatch)
    first = money.tranches_of(session, agreement)[0]
    maker, checker = finance_pair(session)
    money.approve(session, SYSTEM, checker, money.record_payment(
        session, SYSTEM, maker, first, amount_fen=1_000_00, paid_on=date(2026, 10, 9),
        bank_reference="CMB-EVAL-1"))
    report = _submitted(session, member, agreement)
    agency = factories.user(session, "evaluator", username="agency2")
    reports.add_evaluator(session, SYSTEM, w.round.id, "agency2", "深圳市社会组织评估中心")
    session.commit()
    client.login("agency2")  # an English page
    response = client.post_form(f"/reports/{report.id}/evaluate", {
        "grade": "fail", "comments": "活动记录与实际不符。", "refund": "500"})
    assert response.status_code == 303, response.text[-2000:]
    session.expire_all()
    later = money.tranches_of(session, session.get(type(agreement), agreement.id))[1:]
    assert later and {t.status for t in later} == {"stopped"}
    assert all(t.stopped_reason.startswith("中期评估不通过") for t in later), later[0].stopped_reason
    refund = session.execute(select(Refund).where(Refund.agreement_id == agreement.id)
                             ).scalar_one()
    assert refund.amount_fen == 500_00 and refund.requested_by_id == agency.id
    stops = session.execute(select(AuditEvent).where(AuditEvent.action == "tranche.stop")
                            ).scalars().all()
    assert stops and {e.actor_id for e in stops} == {agency.id}
