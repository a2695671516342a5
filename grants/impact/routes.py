"""Impact pages: the portfolio's headline figures, planned against achieved, breakdowns and
trends with charts, for organisers (their scope), finance and funders (their own funds only);
the same as a PDF and a spreadsheet; and a public page of aggregates without any names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import pdf, spreadsheets
from grants.auth import current_user, login_required, require
from grants.funds.models import Fund
from grants.funds.services import visible_funds
from grants.i18n import gettext as _
from grants.impact import charts
from grants.impact.indicators import UNCLASSIFIED, Filters, Portfolio, portfolio
from grants.money import format_short, yuan_decimal
from grants.permissions import can
from grants.regions import scope
from grants.regions.models import Region
from grants.reports.workflow import GRADES
from grants.rounds.models import Round
from grants.timeutil import now
from grants.vocab import SERVICE_AREAS, TARGET_GROUPS
from grants.web import db, render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50
PDF_PROJECTS = 300  # the PDF lists this many projects; the spreadsheet has them all


@dataclass
class Scope:
    """What the signed-in user may see: None means no limit of that kind."""

    fund_ids: set[int] | None
    round_ids: set[int] | None
    funds: list[Fund]
    rounds: list[Round]


def _scope(request: Request) -> Scope:
    user = require(request, "impact.view")
    session = db(request)
    funds = list(session.execute(visible_funds(user, session)).scalars())
    rounds_query = scope.restrict(select(Round).order_by(Round.year.desc(), Round.name), user,
                                  Round.region_id, session)
    rounds = list(session.execute(rounds_query).scalars())
    fund_ids = None if can(user, "fund.list_all") else {f.id for f in funds if f.id}
    round_ids = None if getattr(user, "scope_region_id", None) is None else {
        r.id for r in rounds if r.id}
    if fund_ids is not None:  # a funder: only the rounds its funds paid into
        from grants.awards.models import AwardAllocation

        paid_into = set(session.execute(select(AwardAllocation.round_id).where(
            AwardAllocation.fund_id.in_(fund_ids or {-1}))).scalars())
        rounds = [r for r in rounds if r.id in paid_into]
    return Scope(fund_ids=fund_ids, round_ids=round_ids, funds=funds, rounds=rounds)


def _whole(raw: str | None, low: int, high: int) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(text)
    return int(text)


def _filters(request: Request, allowed: Scope | None) -> tuple[Filters, dict[str, str]]:
    """The filters from the query string; a value that is not one of the choices is refused
    with a message (and ignored), never an error page."""
    params = request.query_params
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, low, high in (("fund", 1, 2**31 - 1), ("round", 1, 2**31 - 1),
                            ("community", 1, 2**31 - 1), ("year", 1990, 2100)):
        try:
            values[name] = _whole(params.get(name), low, high)
        except ValueError:
            errors[name] = _("Not a valid choice.")
    category = (params.get("category") or "").strip() or None
    if category is not None and category not in SERVICE_AREAS and category != "none":
        errors["category"] = _("Not a valid choice.")
        category = None
    if allowed is not None:
        if values.get("fund") and values["fund"] not in {f.id for f in allowed.funds}:
            errors["fund"] = _("Not a valid choice.")
            values["fund"] = None
        if values.get("round") and values["round"] not in {r.id for r in allowed.rounds}:
            errors["round"] = _("Not a valid choice.")
            values["round"] = None
    return Filters(fund_id=values.get("fund"), round_id=values.get("round"),
                   category=UNCLASSIFIED if category == "none" else category,
                   community_id=values.get("community"), year=values.get("year")), errors


def headline(data: Portfolio) -> str:
    """累计资助项目N个，投入X万元，开展活动Y场，服务Z人次 — the sentence the field quotes."""
    t = data.totals
    return _("%(projects)s projects funded with %(money)s; %(activities)s activities held, "
             "%(people)s people served (person-times).", projects=format(t.projects, ","),
             money=format_short(t.awarded_fen), activities=format(t.achieved["activities"], ","),
             people=format(t.achieved["people"], ","))


def _labels() -> dict[str, Any]:
    return {"SERVICE_AREAS": SERVICE_AREAS, "TARGET_GROUPS": TARGET_GROUPS, "GRADES": GRADES,
            "UNCLASSIFIED": UNCLASSIFIED}


def _communities(request: Request) -> list[tuple[int, str]]:
    session = db(request)
    user = current_user(request)
    query = scope.restrict(select(Region.id, Region.name).where(Region.level == "community")
                           .order_by(Region.name), user, Region.id, session)
    return [(rid, name) for rid, name in session.execute(query)]


def _load(request: Request, limit: int | None = None,
          ) -> tuple[Scope, Filters, dict[str, str], Portfolio]:
    allowed = _scope(request)
    filters, errors = _filters(request, allowed)
    data = portfolio(db(request), filters, fund_ids=allowed.fund_ids,
                     round_ids=allowed.round_ids, limit=limit)
    return allowed, filters, errors, data


@login_required
async def impact(request: Request) -> Response:
    allowed = _scope(request)
    filters, errors = _filters(request, allowed)
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 100000))
    except ValueError:
        page = 1

    def load(page: int) -> Portfolio:
        return portfolio(db(request), filters, fund_ids=allowed.fund_ids,
                         round_ids=allowed.round_ids, limit=PER_PAGE,
                         offset=(page - 1) * PER_PAGE)

    data = load(page)
    pages = max(1, -(-data.totals.projects // PER_PAGE))
    if page > pages:  # past the end: the last page
        page = pages
        data = load(page)
    years = sorted({r.year for r in allowed.rounds}, reverse=True)
    return render(request, "impact/index.html", {
        "data": data, "headline": headline(data), "charts": charts.all_charts(data),
        "filters": filters, "errors": errors, "query": urlencode(filters.query()),
        "funds": allowed.funds, "rounds": allowed.rounds, "years": years,
        "communities": _communities(request),
        "projects": data.projects,
        "page": page, "pages": pages, **_labels()}, status_code=400 if errors else 200)


def _title(request: Request, filters: Filters, allowed: Scope) -> str:
    parts = []
    if filters.fund_id:
        parts += [f.name for f in allowed.funds if f.id == filters.fund_id]
    elif allowed.fund_ids is not None:
        parts += [f.name for f in allowed.funds][:3]
    if filters.round_id:
        parts += [r.name for r in allowed.rounds if r.id == filters.round_id]
    if filters.year:
        parts.append(_("Year %(year)s", year=filters.year))
    return "·".join(parts)


@login_required
async def impact_pdf(request: Request) -> Response:
    allowed, filters, errors, data = _load(request, limit=PDF_PROJECTS)
    if errors:
        raise HTTPException(400, next(iter(errors.values())))
    context = {"data": data, "headline": headline(data), "charts": charts.all_charts(data),
               "subject": _title(request, filters, allowed), "printed": now(),
               "communities": dict(_communities(request)), **_labels()}
    if request.query_params.get("format") == "html":
        return pdf.preview(pdf.html("pdf/impact.html", **context))
    return Response(pdf.render("pdf/impact.html", **context), media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="impact-report.pdf"',
                             "Cache-Control": "private, no-store"})


@login_required
async def impact_xlsx(request: Request) -> Response:
    _allowed, _unused, errors, data = _load(request)
    if errors:
        raise HTTPException(400, next(iter(errors.values())))
    groups = list(TARGET_GROUPS)
    book, sheet = spreadsheets.new_workbook(_("Projects"), [
        _("Award code"), _("Project"), _("Organisation"), _("Round"), _("Year"),
        _("Service area"), _("Community"), _("Awarded (yuan)"), _("Paid (yuan)"),
        _("Agreement"), _("Latest evaluated report"),
        _("Grade"), _("Activities planned"), _("Activities held"), _("People planned"),
        _("People served (person-times)"), _("Volunteers planned"), _("Volunteers"),
        _("Volunteer hours"), _("Budget (yuan)"), _("Spent (yuan)"),
        *[_(TARGET_GROUPS[g]) for g in groups]])
    for p in data.projects:
        spreadsheets.append(sheet, [
            p.code, p.title, p.organisation, p.round_name, p.year,
            _(SERVICE_AREAS[p.category]) if p.category in SERVICE_AREAS else "",
            data.community_names.get(p.community_id or -1, ""),
            yuan_decimal(p.awarded_fen), yuan_decimal(p.paid_fen),
            _("Terminated for breach: figures not counted") if p.terminated else "",
            {"final": _("Final report"), "midterm": _("Mid-term report")}.get(p.reported, ""),
            _(GRADES[p.grade]) if p.grade in GRADES else "",
            p.planned["activities"], p.achieved["activities"], p.planned["people"],
            p.achieved["people"], p.planned["volunteers"], p.achieved["volunteers"],
            p.achieved["volunteer_hours"], yuan_decimal(p.budget_fen), yuan_decimal(p.spent_fen),
            *[p.beneficiaries.get(g, 0) for g in groups]])
    summary = book.create_sheet(_("Indicators"))
    t = data.totals
    spreadsheets.append(summary, [_("Indicator"), _("Planned"), _("Achieved")])
    for label, planned, achieved in (
            (_("Projects"), "", t.projects),
            (_("Awarded (yuan)"), "", yuan_decimal(t.awarded_fen)),
            (_("Paid (yuan)"), "", yuan_decimal(t.paid_fen)),
            (_("Activities held"), t.planned["activities"], t.achieved["activities"]),
            (_("People served (person-times)"), t.planned["people"], t.achieved["people"]),
            (_("Volunteers"), t.planned["volunteers"], t.achieved["volunteers"]),
            (_("Volunteer hours"), "", t.achieved["volunteer_hours"])):
        spreadsheets.append(summary, [label, planned, achieved])
    for year, totals in data.by_year.items():
        spreadsheets.append(summary, [_("People served in %(year)s", year=year),
                                      totals.planned["people"], totals.achieved["people"]])
    return Response(spreadsheets.to_bytes(book), media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="impact-indicators.xlsx"'})


async def public_impact(request: Request) -> Response:
    """Everyone: aggregates over every confirmed award — no project, organisation or person."""
    errors: dict[str, str] = {}
    try:  # the public page filters by year only; other parameters are ignored
        year = _whole(request.query_params.get("year"), 1990, 2100)
    except ValueError:
        errors["year"] = _("Not a valid choice.")
        year = None
    filters = Filters(year=year)
    data = portfolio(db(request), filters)
    years = sorted(set(db(request).execute(select(Round.year).distinct()).scalars()),
                   reverse=True)
    return render(request, "impact/public.html", {
        "data": data, "headline": headline(data), "charts": charts.all_charts(data),
        "filters": filters, "years": years, "errors": errors, **_labels()},
        status_code=400 if errors else 200)


routes = [
    Route("/impact", impact, name="impact"),
    Route("/impact/report.pdf", impact_pdf, name="impact_pdf"),
    Route("/impact/indicators.xlsx", impact_xlsx, name="impact_xlsx"),
    Route("/public/impact", public_impact, name="public_impact"),
]
