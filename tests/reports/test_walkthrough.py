"""The issue's walk-through on the demo data, over HTTP: an applicant files a mid-term report
on a demo award, the third-party evaluator grades it, the next tranche becomes due, and the
round's impact report carries the report's figures."""

import re
import subprocess

import pytest
from sqlalchemy import select

from grants.demo import data
from grants.disbursements import services as money
from grants.disbursements.models import Agreement
from grants.organisations.models import Organisation
from grants.reports.models import Report

pytestmark = pytest.mark.db


def test_file_grade_pay_and_report_impact(session, zh_client):
    from grants.demo import load

    load.load(session)
    session.commit()
    org = session.execute(select(Organisation).where(Organisation.name == "风华楼联会")).scalar_one()
    agreement = session.execute(select(Agreement).where(
        Agreement.organisation_id == org.id)).scalar_one()
    zh_client.login("applicant4", data.DEMO_PASSWORD)
    assert f"/agreements/{agreement.id}" in zh_client.get(f"/agreements/{agreement.id}").text
    started = zh_client.post_form(f"/agreements/{agreement.id}/reports/midterm", {})
    assert started.status_code == 303
    report_url = started.headers["location"]
    saved = zh_client.post_form(report_url, {
        "activities_held": "9", "people_served": "１,２３４", "volunteers": "12",
        "volunteer_hours": "160",
        "narrative": "楼栋议事会在风华楼三个楼栋成立，召开议事会9次，解决加装电梯和垃圾分类问题。"})
    assert saved.status_code == 303, saved.text[-800:]
    assert zh_client.post_form(report_url + "/submit", {}).status_code == 303
    zh_client.post_form("/logout", {})

    zh_client.login("evaluator", data.DEMO_PASSWORD)
    waiting = zh_client.get("/evaluations").text
    assert report_url in waiting
    graded = zh_client.post_form(report_url + "/evaluate", {
        "grade": "good", "comments": "第三方评估：议事会运作规范，台账完整。",
        "rubric_goals": "26", "rubric_delivery": "21", "rubric_money": "20",
        "rubric_benefit": "17"})
    assert graded.status_code == 303
    session.expire_all()
    report = session.get(Report, int(report_url.rsplit("/", 1)[1]))
    assert report.status == "accepted"
    statuses = [t.status for t in money.tranches_of(session, session.get(Agreement,
                                                                         agreement.id))]
    assert statuses[1] == "due"  # the tranche waiting for the mid-term evaluation
    zh_client.post_form("/logout", {})

    zh_client.login("organiser", data.DEMO_PASSWORD)
    page = zh_client.get(f"/impact?round={agreement.round_id}").text
    headline = re.search(r'id="impact-headline">([^<]+)<', page).group(1)
    pdf = zh_client.get(f"/impact/report.pdf?round={agreement.round_id}")
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf.content,
                          capture_output=True, check=True).stdout.decode().replace("\n", "")
    # 1,234 from this report, and 85 from the demo's mid-term report that was graded 不合格
    # (what was done still happened; the grade stopped the money, not the figures)
    assert "服务1,319人次" in headline and "服务1,319人次" in text
