"""Impact figures: sums equal the reports they come from, planned against achieved holds when
reports are missing or returned, funders see their own funds' projects only, the PDF and the
spreadsheet carry the same figures, and the public page names nobody."""

import io
import re
import subprocess
from collections import defaultdict

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from grants.accounts.models import User
from grants.applications.models import Application
from grants.audit import SYSTEM
from grants.awards.models import Award, AwardAllocation
from grants.demo import data
from grants.funds.models import Fund
from grants.impact.indicators import Filters, portfolio
from grants.organisations.models import Organisation
from grants.reports import services as reports
from grants.reports.models import Report
from tests import factories
from tests.disbursements.factories import confirmed, signed

pytestmark = pytest.mark.db

FIGURES = {"activities_held": "12", "people_served": "1000", "volunteers": "10",
           "volunteer_hours": "200",
           "narrative": "开展长者助餐和健康讲座，服务覆盖三个小区，居民反馈良好。"}


def _file(session, organiser, agreement, kind, figures, outcome):
    report = reports.start(session, SYSTEM, None, agreement, kind)
    reports.save(session, SYSTEM, None, report, {**FIGURES, **figures})
    reports.submit(session, SYSTEM, None, report)
    if outcome == "returned":
        reports.return_for_correction(session, SYSTEM, organiser, report, "请补充凭证")
    elif outcome != "submitted":
        reports.evaluate(session, SYSTEM, organiser, report, grade=outcome, score=None,
                         comments="已核实。")
    session.commit()
    return report


def test_planned_and_achieved_with_missing_returned_and_waiting_reports(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    a, b, c, d = (signed(session, agreement) for agreement in agreements)
    plans = {}
    for agreement, (act, people) in zip((a, b, c, d), ((20, 1000), (10, 500), (30, 2000),
                                                       (8, 400)), strict=True):
        award = session.get(Award, agreement.award_id)
        app = session.get(Application, award.application_id)
        app.planned_activities, app.planned_people, app.planned_volunteers = act, people, 5
        plans[agreement.id] = (act, people)
    session.commit()
    # a: mid-term evaluated, then a final report evaluated (the final counts, not both)
    _file(session, w.organiser, a, "midterm", {"activities_held": "9", "people_served": "450"},
          "good")
    _file(session, w.organiser, a, "final", {"activities_held": "21", "people_served": "1100"},
          "excellent")
    # b: mid-term evaluated, final returned for correction (only the mid-term counts)
    _file(session, w.organiser, b, "midterm", {"activities_held": "4", "people_served": "200"},
          "pass")
    _file(session, w.organiser, b, "final", {"activities_held": "99", "people_served": "9999"},
          "returned")
    # c: mid-term waiting for evaluation (nothing counts yet); d: no report at all
    _file(session, w.organiser, c, "midterm", {"activities_held": "15", "people_served": "800"},
          "submitted")

    result = portfolio(session, Filters(round_id=w.round.id))
    t = result.totals
    assert t.projects == 4
    assert t.planned == {"activities": 68, "people": 3900, "volunteers": 20}
    assert t.achieved["activities"] == 21 + 4 and t.achieved["people"] == 1100 + 200
    assert (t.reported_final, t.reported_midterm, t.not_reported, t.waiting) == (1, 1, 2, 1)
    # completion only over the project with an evaluated final report: 1100 of 1000 planned
    assert t.final_planned["people"] == 1000 and t.completion("people") == 110
    assert t.completion("activities") == 105
    by_award = {p.award_id: p for p in result.projects}
    assert by_award[b.award_id].reported == "midterm" and by_award[b.award_id].grade == "pass"
    assert by_award[c.award_id].reported == "" and by_award[c.award_id].waiting == 1
    assert t.awarded_fen == sum(session.get(Award, x.award_id).amount_fen for x in (a, b, c, d))
    # a fund sees only its part of the money
    fund_id = session.execute(select(AwardAllocation.fund_id).where(
        AwardAllocation.round_id == w.round.id)).scalars().first()
    mine = portfolio(session, Filters(fund_id=fund_id))
    assert mine.totals.awarded_fen == sum(session.execute(select(AwardAllocation.amount_fen).where(
        AwardAllocation.fund_id == fund_id)).scalars())


def _independent_sums(session, award_ids):
    """The achieved figures summed straight from the reports (latest evaluated per award),
    leaving out agreements terminated for breach."""
    from grants.disbursements.models import Agreement

    ended = set(session.execute(select(Agreement.award_id).where(
        Agreement.status == "terminated")).scalars())
    rows = [r for r in session.execute(select(Report).where(
        Report.award_id.in_(award_ids), Report.status == "accepted")).scalars()
        if r.award_id not in ended]
    latest = {}
    for report in rows:
        if report.kind == "final" or report.award_id not in latest:
            latest[report.award_id] = report
    sums = defaultdict(int)
    for report in latest.values():
        sums["activities"] += report.activities_held
        sums["people"] += report.people_served
        sums["volunteers"] += report.volunteers
        for group, n in report.beneficiaries.items():
            sums[group] += n
    return sums


def _pdf_text(data_: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=data_, capture_output=True,
                          check=True).stdout.decode()


def test_demo_impact_for_the_funder_matches_the_reports(session, zh_client):
    from grants.demo import load

    load.load(session)
    session.commit()
    fund = session.execute(select(Fund).where(Fund.name == "南坑圆梦慈善公益基金")).scalar_one()
    award_ids = set(session.execute(select(AwardAllocation.award_id).where(
        AwardAllocation.fund_id == fund.id)).scalars())
    assert len(award_ids) == 8
    sums = _independent_sums(session, award_ids)
    result = portfolio(session, fund_ids={fund.id})
    assert {p.award_id for p in result.projects} == award_ids
    assert result.totals.achieved["activities"] == sums["activities"]
    assert result.totals.achieved["people"] == sums["people"]
    assert result.by_group["elderly"] == sums["elderly"]
    assert len(result.by_year) == 2  # two past years: a trend
    # one final report is back for correction, one agreement was terminated for breach
    assert result.totals.reported_final == 6 and result.totals.terminated == 1
    # each filter gives exactly the breakdown's row, and the rows add up to the total
    for name, breakdown in (("year", result.by_year), ("category", result.by_category),
                            ("community_id", result.by_community)):
        assert sum(t.achieved["people"] for t in breakdown.values()) == sums["people"]
        for key, row in breakdown.items():
            narrowed = portfolio(session, Filters(**{name: key}), fund_ids={fund.id}).totals
            assert (narrowed.projects, narrowed.achieved, narrowed.awarded_fen) == (
                row.projects, row.achieved, row.awarded_fen), (name, key)
    page = portfolio(session, fund_ids={fund.id}, limit=3, offset=6)
    assert len(page.projects) == 2 and page.totals.projects == 8

    zh_client.login("funder", data.DEMO_PASSWORD)
    page = zh_client.get("/impact")
    assert page.status_code == 200
    headline = re.search(r'id="impact-headline">([^<]+)<', page.text).group(1)
    people = format(sums["people"], ",")
    assert headline.startswith("累计资助项目8个") and f"服务{people}人次" in headline
    assert page.text.count("data:image/svg+xml;base64,") == 5 and 'alt="历年服务人次"' in page.text
    pdf = zh_client.get("/impact/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf.content).replace("\n", "")
    assert "累计资助项目8个" in text and people in text
    book = load_workbook(io.BytesIO(zh_client.get("/impact/indicators.xlsx").content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = header.index("服务人次")
    assert sum(row[column] or 0 for row in sheet.iter_rows(min_row=2, values_only=True)) == \
        sums["people"]
    # projects are named by their certificates' codes, never by database ids, and the one
    # terminated for breach says so (its zeros are not a project that did nothing)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    codes = [row[header.index("资助编码")] for row in rows]
    assert all(isinstance(code, str) and len(code) >= 8 for code in codes), codes
    assert [row[header.index("资助协议")] for row in rows].count("已因违约解除：数据不计入") == 1
    assert page.text.count("已因违约解除") == 1 and "已因违约解除" in text
    # another fund's id is refused (400 with a message), never shown
    other = session.execute(select(Fund).where(Fund.id != fund.id)).scalars().first()
    refused = zh_client.get(f"/impact?fund={other.id}")
    assert refused.status_code == 400 and "累计资助项目8个" in refused.text
    assert zh_client.get(f"/impact/report.pdf?fund={other.id}").status_code == 400


def test_a_funder_without_funds_sees_nothing_and_scopes_hold(session, client):
    from grants.demo import load

    load.load(session)
    org = session.execute(select(Organisation).where(
        Organisation.name == "深圳市龙岗区南岭村社区基金会")).scalar_one()
    factories.user(session, "funder", username="otherfunder", organisation=org)
    session.commit()
    client.login("otherfunder")
    page = client.get("/impact")
    assert page.status_code == 200
    owned = session.execute(select(Fund).where(Fund.owner_org_id == org.id)).scalars().all()
    expected = portfolio(session, fund_ids={f.id for f in owned}).totals.projects
    assert f"{expected} projects funded" in page.text
    assert "残障儿童家庭喘息服务" not in page.text and "小候鸟" not in page.text
    client.post_form("/logout", {})
    # 南山街道's organiser does not see 坂田's past rounds
    client.login("nanshan", data.DEMO_PASSWORD)
    page = client.get("/impact")
    assert page.status_code == 200 and "小候鸟" not in page.text
    client.post_form("/logout", {})
    client.login("applicant1", data.DEMO_PASSWORD)
    assert client.get("/impact").status_code == 403
    assert client.get("/impact/indicators.xlsx").status_code == 403


@pytest.mark.parametrize("query", ["year=abc", "year=１９９９", "fund=-1", "round=0",
                                   "category=<script>", "community=99999999999999999999",
                                   "page=x", "year=2024&year=2025"])
def test_bad_filters_get_a_message_not_an_error(session, client, query):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    response = client.get(f"/impact?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "Not a valid choice." in response.text or "不是有效的选项" in response.text


def test_the_public_page_shows_aggregates_and_no_names(session, client):
    from grants.demo import load

    load.load(session)
    session.commit()
    page = client.get("/public/impact")
    assert page.status_code == 200 and 'id="impact-headline"' in page.text
    names = [o.name for o in session.execute(select(Organisation)).scalars()]
    people = [u.display_name for u in session.execute(select(User)).scalars()]
    titles = [a.title for a in session.execute(select(Application)).scalars()]
    for text in names + people + titles:
        assert text not in page.text, text
    assert re.search(r"1[0-9]{3}|[0-9],[0-9]{3}", page.text)
    assert client.get("/public/impact?year=20x4").status_code == 400


def test_the_public_page_ignores_the_filters_it_does_not_offer(session, client):
    assert client.get("/public/impact?fund=abc&category=x&round=-1").status_code == 200
