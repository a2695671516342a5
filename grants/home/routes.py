"""The home page (a dashboard per role), the health check and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Route

from grants import i18n
from grants.accounts.models import User
from grants.accounts.services import organisation_of, set_locale
from grants.auth import actor, current_user, login_required
from grants.funds.models import Fund
from grants.funds.services import balances, visible_funds
from grants.home.forms import LanguageForm
from grants.organisations.models import Organisation, OrganisationChange
from grants.permissions import can
from grants.regions import scope
from grants.rounds.choices import STATUS_LABELS as ROUND_STATUS_LABELS
from grants.rounds.models import Round
from grants.urls import path
from grants.web import db, get_form, redirect, render


async def healthz(request: Request) -> Response:
    try:
        db(request).execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@login_required
async def home(request: Request) -> Response:
    session = db(request)
    user = current_user(request)
    assert user is not None
    context: dict[str, object] = {"organisation": organisation_of(session, user)}
    if can(user, "organisation.list"):
        context["org_count"] = session.execute(scope.restrict(
            select(func.count()).select_from(Organisation), user, Organisation.community_id,
            session)).scalar_one()
        context["fund_count"] = session.execute(scope.restrict(
            select(func.count()).select_from(Fund), user, Fund.region_id, session)).scalar_one()
    if can(user, "organisation.decide_change"):  # organisers: what waits for them in scope
        waiting = scope.restrict(select(func.count()).select_from(Organisation),
                                 user, Organisation.community_id, session)
        context["registrations_waiting"] = session.execute(
            waiting.where(Organisation.verification == "pending")).scalar_one()
        context["changes_waiting"] = session.execute(waiting.where(Organisation.id.in_(
            select(OrganisationChange.organisation_id).where(
                OrganisationChange.status == "pending")))).scalar_one()
    if can(user, "application.mine"):
        context.update(_applicant_dashboard(session, user))
    if can(user, "round.list"):
        context["rounds"] = list(session.execute(scope.restrict(
            select(Round).where(Round.status != "finished"), user, Round.region_id, session)
            .order_by(Round.year.desc(), Round.id.desc()).limit(8)).scalars())
        context["round_statuses"] = ROUND_STATUS_LABELS
    if can(user, "judging.mine"):
        from grants.judging import services as judging

        context["judging"] = judging.my_list(session, user)
    if can(user, "report.evaluations"):
        from grants.reports.services import waiting_query

        context["reports_waiting"] = session.execute(select(func.count()).select_from(
            waiting_query(session, user).order_by(None).subquery())).scalar_one()
    if can(user, "fund.list"):
        funds = list(session.execute(visible_funds(user, session).limit(10)).scalars())
        context["funds"] = funds
        context["balances"] = balances(session, [f.id for f in funds])
    return render(request, "home/index.html", context)


def _applicant_dashboard(session: Session, user: User) -> dict[str, object]:
    """The applicant's recent applications and the rounds open to them, in three queries."""
    from grants.applications import services as applications
    from grants.applications.workflow import STATUSES

    recent = list(session.execute(applications.mine(user).limit(5)).scalars())
    from grants.rounds.listing import accepting

    open_rounds = list(session.execute(accepting().order_by(Round.closes_at)).scalars())
    names = {r.id: r.name for r in open_rounds}
    missing = {a.round_id for a in recent} - set(names)
    if missing:
        names.update(dict(session.execute(
            select(Round.id, Round.name).where(Round.id.in_(missing))).all()))
    standing = {r.id: applications.standing(session, r, user.organisation_id)
                for r in open_rounds} if user.organisation_id is not None else {}
    return {"recent": recent, "open_rounds": open_rounds, "round_names": names,
            "statuses": STATUSES, "standing": standing}


async def switch_language(request: Request) -> Response:
    form = LanguageForm(await get_form(request))
    locale = i18n.normalise_locale(form.locale)
    if locale:
        request.session["locale"] = locale
        user = current_user(request)
        if user is not None:
            set_locale(db(request), actor(request), user, locale)
    target = form.back
    if ("next" in form.errors or not target.startswith("/") or target.startswith("//")
            or not _has_page(request, target)):
        target = "/"
    return redirect(target)


def _has_page(request: Request, target: str) -> bool:
    """Whether `target` is an address a browser can open (a route answering GET), not one
    that only takes a form's post."""
    scope = {"type": "http", "path": urlsplit(target).path, "method": "GET"}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page declares: send them to the icon."""
    return RedirectResponse(path("static", path="/favicon.svg"), status_code=301,
                            headers={"Cache-Control": "public, max-age=86400"})


routes = [
    Route("/", home, name="home"),
    Route("/favicon.ico", favicon, name="favicon"),
    Route("/healthz", healthz, name="healthz"),
    Route("/lang", switch_language, methods=["POST"], name="switch_language"),
]
