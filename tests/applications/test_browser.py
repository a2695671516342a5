"""In Chromium: an applicant drafts, is refused for an administrative-cost overrun, fixes it,
attaches a file and submits; a late submission is refused; the organiser passes screening and
the applicant sees the outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.applications.models import Application
from grants.timeutil import now
from tests import factories
from tests.applications import factories as af
from tests.browser_support import browser, live_server, login, page  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.browser
def test_draft_refusal_fix_attach_submit_screen(session, live_server, page):  # noqa: F811
    rnd = af.round_(session, name="2026年测试街道公益创投大赛")
    late_round = af.round_(session, name="已截止的大赛")
    user = af.applicant(session)
    org = user.organisation_id
    from grants.organisations.models import Organisation

    community = session.get(Organisation, org).community_id
    organiser = factories.user(session, "organiser", username="chief")
    late = af.application(session, late_round, user, title="迟到的项目")
    late_round.closes_at = now() - timedelta(hours=2)  # drafted in time, submitted too late
    session.commit()
    track = af.track_of(session, rnd)

    login(page, live_server, user.username)
    page.goto(f"{live_server}/rounds/{rnd.id}/apply")
    page.select_option("select[name=track_id]", str(track.id))
    page.fill("input[name=title]", "长者食堂互助计划")
    page.click("main button.primary")
    page.wait_for_url("**/edit")
    page.fill("textarea[name=summary]", "为社区独居长者提供助餐与探访服务。")
    page.fill("textarea[name=need_analysis]", "社区独居长者86人，助餐需求强烈。")
    page.fill("textarea[name=objectives]", "一年内服务长者3000人次。")
    page.fill("input[name=planned_people]", "3000")
    page.check("input[name=target_groups][value=elderly]")
    page.check(f"input[name=community_ids][value='{community}']")
    page.locator("input[name=activity_name]").nth(0).fill("长者生日会")
    page.locator("input[name=activity_month]").nth(0).fill("2026-05")
    page.locator("input[name=activity_sessions]").nth(0).fill("2")
    rows = [("activity", "社区活动", "34000"), ("personnel", "项目社工", "10000"),
            ("admin", "行政办公", "6000")]
    for index, (category, item, amount) in enumerate(rows):
        page.locator("select[name=budget_category]").nth(index).select_option(category)
        page.locator("input[name=budget_item]").nth(index).fill(item)
        page.locator("input[name=budget_amount]").nth(index).fill(amount)
    assert page.inner_text("#budget-total") == "¥50,000.00"  # the live total (our script)
    assert page.inner_text("#admin-share") == "12%"
    page.click("#save-and-check")
    page.wait_for_url("**/submit")
    problems = page.locator("#problems")
    assert problems.is_visible()
    assert "Administrative costs ¥6,000.00 is 12% of the requested amount" in problems.inner_text()

    page.click("text=Back to the draft")
    page.locator("input[name=budget_amount]").nth(0).fill("35000")
    page.locator("input[name=budget_amount]").nth(2).fill("5000")
    page.click("button[name=next][value=save]")
    page.wait_for_selector("text=Draft saved.")
    page.set_input_files("input[name=file]", files=[{"name": "项目方案.pdf",
                                                     "mimeType": "application/pdf",
                                                     "buffer": PDF}])
    page.click("#attachments button[type=submit]:has-text('Upload')")
    page.wait_for_selector("text=项目方案.pdf attached.")
    page.click("#save-and-check")
    page.wait_for_url("**/submit")
    page.click("#confirm-submit")
    page.wait_for_selector("#app-status")
    assert page.inner_text("#app-status") == "Submitted"
    app_id = int(page.url.rstrip("/").split("/")[-1])

    page.goto(f"{live_server}/applications/{late.id}/submit")
    assert "The deadline was" in page.inner_text("#problems")
    assert "China Standard Time" in page.inner_text("#problems")

    login(page, live_server, organiser.username)
    page.goto(f"{live_server}/applications/{app_id}")
    page.check("#screening-form input[name=outcome][value=pass]")
    page.fill("#screening-form textarea[name=reason]", "材料齐全，符合申报条件")
    page.click("#screening-form button[type=submit]")
    page.wait_for_selector("text=Screening decision recorded.")

    login(page, live_server, user.username)
    page.goto(f"{live_server}/applications/{app_id}")
    assert page.inner_text("#app-status") == "Passed screening"
    assert "材料齐全，符合申报条件" in page.inner_text("#screening")
    session.expire_all()
    assert session.get(Application, app_id).status == "eligible"
    assert session.get(Application, late.id).status == "draft"


@pytest.mark.browser
def test_text_typed_just_before_an_upload_is_kept(session, live_server, page):  # noqa: F811
    """Uploading posts its own form and reloads the page: the script saves the draft first."""
    rnd = af.round_(session)
    user = af.applicant(session)
    app = af.application(session, rnd, user)
    session.commit()
    login(page, live_server, user.username)
    page.goto(f"{live_server}/applications/{app.id}/edit")
    page.fill("textarea[name=summary]", "刚刚输入、尚未保存的项目简介。")
    page.set_input_files("#f-file", files=[{"name": "方案.pdf", "mimeType": "application/pdf",
                                            "buffer": PDF}])
    page.click("#attachments button:has-text('Upload'), #attachments button:has-text('上传')")
    page.wait_for_selector("#attachments li a:has-text('方案.pdf')")
    assert page.input_value("textarea[name=summary]") == "刚刚输入、尚未保存的项目简介。"
    session.expire_all()
    assert session.get(Application, app.id).summary == "刚刚输入、尚未保存的项目简介。"
