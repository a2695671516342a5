"""The report page in the organisation's words: budget lines by their category's label, the
due date called a due date, and a submit button that keeps what was typed."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from grants.audit import SYSTEM
from grants.reports import services as reports
from grants.reports.models import Report
from tests import factories
from tests.disbursements.factories import confirmed, signed

pytestmark = pytest.mark.db

FILLED = {"activities_held": "12", "people_served": "1200", "volunteers": "15",
          "volunteer_hours": "300",
          "narrative": "开展长者助餐和健康讲座，服务覆盖三个小区，居民反馈良好。"}


def _started(session, monkeypatch):
    from grants.organisations.models import Organisation

    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, agreement.organisation_id))
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    report.due_on = date(2026, 12, 31)
    session.commit()
    return w, member, report


def test_budget_lines_and_the_due_date_are_in_words(zh_client, session, monkeypatch):
    w, member, report = _started(session, monkeypatch)
    zh_client.login(member.username)
    page = zh_client.get(f"/reports/{report.id}")
    soup = BeautifulSoup(page.text, "html.parser")
    lines = [label.get_text(strip=True) for label in soup.select('label[for^="f-spent_"]')]
    assert lines and all("：" in line for line in lines)
    codes = ("activity：", "personnel：", "admin：", "materials：", "publicity：", "other：")
    assert not [line for line in lines if line.startswith(codes)], lines
    assert any(line.startswith(("活动", "人员")) for line in lines), lines
    facts = soup.select_one("#report-facts").get_text(" ", strip=True)
    assert "截止日期 2026-12-31" in facts and "待付" not in facts
    reports.save(session, SYSTEM, member, session.get(Report, report.id), FILLED)
    reports.submit(session, SYSTEM, member, session.get(Report, report.id))
    session.commit()
    zh_client.post_form("/logout", {})
    zh_client.login(w.organiser.username)
    head = BeautifulSoup(zh_client.get("/evaluations").text, "html.parser").select_one("thead")
    assert "截止日期" in head.get_text() and "待付" not in head.get_text()


def test_reports_written_before_keep_their_lines_readable():
    from grants.i18n import gettext

    assert reports.line_label({"line": "activity：活动物资与场地"}) == gettext(
        "%(category)s: %(item)s", category=gettext("Activity costs"), item="活动物资与场地")
    assert reports.line_label({"line": "自定义：费用"}) == "自定义：费用"


def test_submitting_saves_what_was_typed_first(zh_client, session, monkeypatch):
    _w, member, report = _started(session, monkeypatch)
    zh_client.login(member.username)
    page = zh_client.get(f"/reports/{report.id}")
    form = BeautifulSoup(page.text, "html.parser").select_one("#report-form")
    button = form.select_one('button[formaction]')
    assert button["formaction"] == f"/reports/{report.id}/submit"
    done = zh_client.post_form(button["formaction"], FILLED)
    assert done.status_code == 303
    session.expire_all()
    saved = session.get(Report, report.id)
    assert saved.status == "submitted" and saved.narrative == FILLED["narrative"]
    assert saved.people_served == 1200


def test_submitting_with_problems_shows_what_was_typed(zh_client, session, monkeypatch):
    _w, member, report = _started(session, monkeypatch)
    zh_client.login(member.username)
    bad = zh_client.post_form(f"/reports/{report.id}/submit",
                              {**FILLED, "people_served": "很多"})
    assert bad.status_code == 400
    soup = BeautifulSoup(bad.text, "html.parser")
    assert soup.select_one("#f-people_served")["value"] == "很多"
    assert FILLED["narrative"] in soup.select_one("#report-form").get_text()
    short = zh_client.post_form(f"/reports/{report.id}/submit", {**FILLED, "narrative": "太短"})
    assert short.status_code == 400 and "20" in short.text
    assert "太短" in BeautifulSoup(short.text, "html.parser").select_one("#report-form").text
    session.expire_all()
    kept = session.get(Report, report.id)
    assert kept.status == "draft" and kept.narrative == "" and kept.people_served == 0


def test_a_line_spent_above_its_budget_is_shown_with_by_how_much(zh_client, session,
                                                                   monkeypatch):
    """Spending above a line's budget is accepted (other money may pay for it) but shown, on
    the line and in a note the evaluator sees, with the totals."""
    w, member, report = _started(session, monkeypatch)
    first, second = report.spending[0], report.spending[1]
    over = first["budget_fen"] + first["budget_fen"] // 2 + 1  # 50% and one fen above
    reports.save(session, SYSTEM, member, session.get(Report, report.id), {
        **FILLED, "spent_0": f"{over / 100:.2f}", "spent_1": f"{second['budget_fen'] / 100:.2f}"})
    session.commit()
    found = reports.overspending(session.get(Report, report.id))
    assert [(o.index, o.over_fen, o.percent) for o in found] == [
        (0, first["budget_fen"] // 2 + 1, 51)]  # a line exactly on budget is not over
    reports.submit(session, SYSTEM, member, session.get(Report, report.id))
    session.commit()
    zh_client.login(w.organiser.username)
    soup = BeautifulSoup(zh_client.get(f"/reports/{report.id}").text, "html.parser")
    rows = soup.select("#report-form tbody tr.over-budget")
    assert len(rows) == 1 and "(+51%)" in rows[0].get_text()
    assert "1 条预算科目的支出超出预算" in soup.select_one("#overspent-note").get_text()
    total = (over + second["budget_fen"]) / 100
    assert soup.select_one("#spent-total").get_text(strip=True) == f"¥{total:,.2f}"
