"""The home page (a dashboard per role), the health check and the language switch."""

from __future__ import annotations

from sqlalchemy import func, select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grants import i18n
from grants.accounts.services import organisation_of, set_locale
from grants.auth import actor, current_user, login_required
from grants.funds.models import Fund
from grants.funds.services import balances, visible_funds
from grants.organisations.models import Organisation
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
    if user.role in ("organiser", "finance"):
        context["org_count"] = session.execute(
            select(func.count()).select_from(Organisation)).scalar_one()
        context["fund_count"] = session.execute(
            select(func.count()).select_from(Fund)).scalar_one()
    if user.role in ("funder", "organiser", "finance"):
        funds = list(session.execute(visible_funds(user).limit(10)).scalars())
        context["funds"] = funds
        context["balances"] = balances(session, [f.id for f in funds])
    return render(request, "home/index.html", context)


async def switch_language(request: Request) -> Response:
    form = await get_form(request)
    locale = i18n.normalise_locale(str(form.get("locale", "")))
    if locale:
        request.session["locale"] = locale
        user = current_user(request)
        if user is not None:
            set_locale(db(request), actor(request), user, locale)
    target = str(form.get("next", "/"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/lang", switch_language, methods=["POST"], name="switch_language"),
]
