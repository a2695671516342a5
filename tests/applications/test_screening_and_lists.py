"""The organiser's list (search, filters, sorting, paging), screening, and the xlsx export."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from grants.applications import services
from grants.applications.models import Application, ScreeningDecision
from grants.notifications.models import Notice
from tests import factories
from tests.applications import factories as af


def submitted(session, rnd, **kwargs):
    user = af.applicant(session, **kwargs.pop("org", {}))
    app = af.application(session, rnd, user, **kwargs)
    services.submit(session, af.ACTOR, user, app, rnd)
    return user, app


def test_list_search_filter_sort_and_page(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="lister")
    _u1, a1 = submitted(session, rnd, title="长者助餐", org={"name": "幸福长者协会"},
                        lines=af.budget(activity_fen=4_500_000))
    _u2, a2 = submitted(session, rnd, title="青少年托管", org={"category": "life_service"})
    draft_user = af.applicant(session)
    af.application(session, rnd, draft_user, title="还在草稿的项目")
    session.commit()
    client.login(organiser.username)
    base = f"/rounds/{rnd.id}/applications"
    page = client.get(base)
    assert page.status_code == 200
    assert "长者助餐" in page.text and "青少年托管" in page.text
    assert "还在草稿的项目" not in page.text
    assert "青少年托管" not in client.get(base, params={"q": "幸福长者"}).text
    assert "长者助餐" not in client.get(base, params={"category": "life_service"}).text
    text = client.get(base, params={"sort": "-request"}).text
    assert text.index("长者助餐") < text.index("青少年托管")
    text = client.get(base, params={"sort": "request"}).text
    assert text.index("青少年托管") < text.index("长者助餐")
    assert "长者助餐" not in client.get(base, params={"status": "eligible"}).text
    org_a1 = session.get(type(a1), a1.id).organisation_id
    from grants.organisations.models import Organisation

    community = session.get(Organisation, org_a1).community_id
    filtered = client.get(base, params={"community_id": community}).text
    assert "长者助餐" in filtered and "青少年托管" not in filtered
    assert "Page 1 of" not in page.text  # one page only
    assert a2.id


def test_pagination_keeps_query_count_flat(client, session):
    rnd = af.round_(session, max_applications_per_org=1)
    organiser = factories.user(session, "organiser", username="pager")
    for n in range(35):
        submitted(session, rnd, title=f"项目{n:02d}")
    session.commit()
    client.login(organiser.username)
    first = client.get(f"/rounds/{rnd.id}/applications", params={"sort": "title"})
    assert "Page 1 of 2" in first.text and "项目00" in first.text
    second = client.get(f"/rounds/{rnd.id}/applications", params={"sort": "title", "page": 2})
    assert "项目34" in second.text and "项目00" not in second.text


def test_screen_pass_and_fail_with_reason_and_applicant_sees_it(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="screener")
    user, app = submitted(session, rnd)
    session.commit()
    client.login(organiser.username)
    response = client.post_form(f"/applications/{app.id}/screen", {"outcome": "fail",
                                                                  "reason": ""})
    assert response.status_code == 400
    assert session.execute(select(ScreeningDecision)).first() is None
    response = client.post_form(f"/applications/{app.id}/screen",
                                {"outcome": "fail", "reason": "机构成立未满一年"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Application, app.id).status == "ineligible"
    client.login(user.username)
    page = client.get(f"/applications/{app.id}")
    assert "机构成立未满一年" in page.text and "Failed screening" in page.text
    notice = session.execute(select(Notice).where(Notice.user_id == user.id)).scalar_one()
    assert "did not pass" in notice.body or "未通过" in notice.body
    client.login(organiser.username)
    assert client.post_form(f"/applications/{app.id}/screen",
                            {"outcome": "pass"}).status_code == 303
    session.expire_all()
    assert session.get(Application, app.id).status == "eligible"


def test_bulk_screening(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="bulk")
    apps = [submitted(session, rnd, title=f"批量{n}")[1] for n in range(3)]
    other_round = af.round_(session)
    _u, foreign = submitted(session, other_round)
    session.commit()
    client.login(organiser.username)
    url = f"/rounds/{rnd.id}/applications/screen"
    ids = [("ids", str(a.id)) for a in apps[:2]]
    assert client.post_form(url, [*ids, ("outcome", "fail"), ("reason", "")]).status_code == 400
    response = client.post_form(url, [*ids, ("ids", str(foreign.id)), ("outcome", "pass")])
    assert response.status_code == 400
    session.expire_all()
    assert all(session.get(Application, a.id).status == "submitted" for a in apps)
    assert client.post_form(url, [*ids, ("outcome", "pass"), ("reason", "")]).status_code == 303
    session.expire_all()
    assert [session.get(Application, a.id).status for a in apps] == ["eligible", "eligible",
                                                                      "submitted"]


def test_applicants_cannot_screen_or_list(client, session):
    rnd = af.round_(session)
    user, app = submitted(session, rnd)
    session.commit()
    client.login(user.username)
    assert client.get(f"/rounds/{rnd.id}/applications").status_code == 403
    assert client.post_form(f"/applications/{app.id}/screen",
                            {"outcome": "pass"}).status_code == 403
    assert client.post_form(f"/rounds/{rnd.id}/applications/screen",
                            {"ids": str(app.id), "outcome": "pass"}).status_code == 403
    session.expire_all()
    assert session.get(Application, app.id).status == "submitted"


def test_export_xlsx(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="exporter")
    _user, app = submitted(session, rnd, org={"name": "导出测试协会"})
    session.commit()
    client.login(organiser.username)
    response = client.get(f"/rounds/{rnd.id}/applications/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["编号", "项目名称", "申报组织"] and "申请金额（元）" in headers
    row = list(sheet[2])
    assert row[0].value == app.id and row[1].value == "长者食堂互助计划"
    assert row[2].value == "导出测试协会"
    amount = row[headers.index("申请金额（元）")]
    assert float(amount.value) == 50000.0 and amount.number_format == "#,##0.00"
    lines = book.worksheets[1]
    assert [c.value for c in lines[1]][:4] == ["编号", "项目名称", "申报组织", "预算类别"]
    assert lines.max_row == 4  # header + three budget lines


def test_the_export_carries_the_screening_reason(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="screener")
    _user, app = submitted(session, rnd)
    session.commit()
    client.login(organiser.username)
    assert client.post_form(f"/applications/{app.id}/screen",
                            {"outcome": "fail", "reason": "未提供登记证书"}).status_code == 303
    book = load_workbook(io.BytesIO(client.get(
        f"/rounds/{rnd.id}/applications/export.xlsx").content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert sheet[2][headers.index("审查意见")].value == "未提供登记证书"
