"""Organiser pages for a round's applications: the filtered list, bulk and single screening,
return for correction and the .xlsx export."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from grants.applications import export, forms, rules, services, workflow
from grants.applications.models import Application
from grants.applications.routes import common as pages
from grants.auth import actor, current_user, login_required, require
from grants.i18n import gettext as _
from grants.i18n import ngettext
from grants.organisations.models import Organisation
from grants.pagination import page_number, paginate
from grants.regions import services as regions
from grants.rounds.models import Round
from grants.urls import path
from grants.validation import FormErrors
from grants.vocab import CATEGORIES
from grants.web import db, flash, get_form, get_or_404, path_int, query_int, redirect, render


@login_required
async def round_applications(request: Request, errors: dict | None = None,
                             status_code: int = 200) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    require(request, "application.list", round_)
    params = request.query_params
    filters = services.ListFilters(
        q=params.get("q", "").strip()[:100], track_id=query_int(request, "track_id"),
        status=params.get("status", "") if params.get("status") in workflow.STATUSES else "",
        community_id=query_int(request, "community_id"),
        category=params.get("category", "") if params.get("category") in CATEGORIES else "",
        sort=params.get("sort", "-submitted"))
    page = paginate(session, services.round_list(round_, filters), page_number(request),
                    per_page=30)
    org_ids = {a.organisation_id for a in page.items}
    orgs = {o.id: o for o in session.execute(select(Organisation).where(
        Organisation.id.in_(org_ids or {-1}))).scalars()}
    tracks = pages.tracks(request, round_)
    return render(request, "applications/round_list.html", {
        "round": round_, "page": page, "filters": filters, "orgs": orgs,
        "tracks": tracks, "track_names": {t.id: t.name for t in tracks},
        "communities": regions.community_choices(session), "statuses": workflow.STATUSES,
        "visible_statuses": workflow.VISIBLE_TO_ORGANISER, "errors": errors or {},
    }, status_code=status_code)


@login_required
async def bulk_screen(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    user = require(request, "round.screen", round_)
    read = forms.ScreeningForm(await get_form(request))
    try:
        read.raise_errors()
        count = services.bulk_screen(session, actor(request), user, round_, read.ids,
                                     read.outcome, read.reason)
    except FormErrors as exc:
        session.rollback()
        return await round_applications.__wrapped__(request, exc.errors, 400)
    flash(request, ngettext("%(num)s application screened.", "%(num)s applications screened.",
                            count))
    return redirect(path("round_applications", id=round_.id))


@login_required
async def screen_one(request: Request) -> Response:
    app, round_ = pages.load(request, "application.pass_screening")
    session = db(request)
    read = forms.ScreeningForm(await get_form(request))
    user = current_user(request)
    try:
        read.raise_errors()
        services.screen(session, actor(request), user, app, round_, read.outcome, read.reason)
    except FormErrors as exc:
        session.rollback()
        return await _detail_with_errors(request, app, round_, exc.errors)
    flash(request, _("Screening decision recorded."))
    return redirect(path("application_detail", id=app.id))


@login_required
async def return_one(request: Request) -> Response:
    app, round_ = pages.load(request, "application.return")
    session = db(request)
    read = forms.ScreeningForm(await get_form(request))
    try:
        read.raise_errors()
        services.return_for_correction(session, actor(request), current_user(request),
                                       app, round_, read.reason)
    except FormErrors as exc:
        session.rollback()
        return await _detail_with_errors(request, app, round_, exc.errors)
    flash(request, _("Returned to the applicant for correction."))
    return redirect(path("application_detail", id=app.id))


async def _detail_with_errors(request: Request, app: Application, round_: Round,
                              errors: dict) -> Response:
    session = db(request)
    session.refresh(app)
    return render(request, "applications/detail.html", {
        "app": app, "round": round_,
        "p": services.snapshot(session, app), "versions": services.versions_of(session, app),
        "decision": services.latest_decision(session, app), "statuses": workflow.STATUSES,
        "paths": regions.path_labels(session), "category_labels": rules.CATEGORY_LABELS,
        "errors": errors,
    }, status_code=400)


@login_required
async def export_xlsx(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    require(request, "application.export", round_)
    name = f"{round_.name}-申报项目.xlsx"
    return Response(export.workbook(session, round_), media_type=pages.XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"applications-{round_.id}.xlsx\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "private, no-store"})
