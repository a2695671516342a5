"""A round's applications as an xlsx workbook: one row per application, and budget lines."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from grants import spreadsheets
from grants.applications import workflow
from grants.applications.models import Application, BudgetLine, ScreeningDecision
from grants.applications.rules import CATEGORY_LABELS
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.regions import services as regions
from grants.rounds.models import Round, Track
from grants.timeutil import format_local
from grants.vocab import CATEGORIES, TARGET_GROUPS, labels

YUAN_FORMAT = "#,##0.00"
APPLICATION_HEADERS = ("编号", "项目名称", "申报组织", "统一社会信用代码/备案号", "组织类别",
                       "所在社区", "赛道", "状态", "审查意见", "申请金额（元）", "配套资金（元）",
                       "服务对象", "计划活动场次", "计划服务人次", "计划志愿者人数",
                       "提交时间", "版本")
LINE_HEADERS = ("编号", "项目名称", "申报组织", "预算类别", "预算项目", "申请金额（元）",
                "配套资金（元）")


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def workbook(session: Session, round_: Round) -> bytes:
    apps = list(session.execute(
        select(Application).where(Application.round_id == round_.id,
                                  Application.status.in_(workflow.VISIBLE_TO_ORGANISER))
        .order_by(Application.id)).scalars())
    org_ids = {a.organisation_id for a in apps}
    orgs = {o.id: o for o in session.execute(
        select(Organisation).where(Organisation.id.in_(org_ids or {-1}))).scalars()}
    tracks = {t.id: t.name for t in session.execute(
        select(Track).where(Track.round_id == round_.id)).scalars()}
    lines = list(session.execute(
        select(BudgetLine).where(BudgetLine.application_id.in_([a.id for a in apps] or [-1]))
        .order_by(BudgetLine.application_id, BudgetLine.position)).scalars())
    reasons: dict[int, str] = {}  # the latest screening decision's reason, or the return reason
    for app_id, reason in session.execute(
            select(ScreeningDecision.application_id, ScreeningDecision.reason)
            .where(ScreeningDecision.application_id.in_([a.id for a in apps] or [-1]))
            .order_by(ScreeningDecision.id)).all():
        reasons[app_id] = reason
    paths = regions.path_labels(session)
    book, sheet = spreadsheets.new_workbook("申报项目", APPLICATION_HEADERS)
    for app in apps:
        org = orgs.get(app.organisation_id)
        spreadsheets.append(sheet, [
            app.id, app.title, org.name if org else "",
            (org.credit_code or org.filing_number or "") if org else "",
            _(CATEGORIES[org.category]) if org and org.category in CATEGORIES else "",
            paths.get(org.community_id or 0, "") if org else "",
            tracks.get(app.track_id or 0, ""), _(workflow.STATUSES.get(app.status, app.status)),
            app.return_reason if app.status == "returned" else reasons.get(app.id, ""),
            yuan(app.request_fen), yuan(app.cofunding_fen),
            labels(TARGET_GROUPS, app.target_groups), app.planned_activities,
            app.planned_people, app.planned_volunteers,
            format_local(app.submitted_at) if app.submitted_at else "", app.current_version,
        ])
    for row in sheet.iter_rows(min_row=2, min_col=10, max_col=11):
        for cell in row:
            cell.number_format = YUAN_FORMAT
    titles = {a.id: a for a in apps}
    second = spreadsheets.add_sheet(book, "预算明细", LINE_HEADERS)
    for line in lines:
        app = titles[line.application_id]
        org = orgs.get(app.organisation_id)
        spreadsheets.append(second, [app.id, app.title, org.name if org else "",
                       _(CATEGORY_LABELS.get(line.category, line.category)), line.item,
                       yuan(line.amount_fen), yuan(line.cofunding_fen)])
    for row in second.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = YUAN_FORMAT
    return spreadsheets.to_bytes(book)
