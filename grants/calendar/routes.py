"""The working-day calendar page: the year's holidays and make-up working days, and the
organisers' local changes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, login_required, require
from grants.calendar import services
from grants.calendar.forms import DayForm, RemoveDayForm
from grants.i18n import gettext as _
from grants.timeutil import today
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, redirect, render


def _year(raw: Any) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return today().year
    if not (text.isascii() and text.isdigit()) or len(text) != 4 or not 2000 <= int(text) <= 2100:
        return None
    return int(text)


def _page(request: Request, year: int, errors: dict | None = None, values: dict | None = None,
          status_code: int = 200) -> Response:
    session = db(request)
    return render(request, "calendar/index.html", {
        "year": year, "entries": services.days(session, year), "errors": errors or {},
        "values": values or {}, "KINDS": services.KINDS,
        "announced": services.year_announced(year)}, status_code=status_code)


@login_required
async def calendar(request: Request) -> Response:
    require(request, "calendar.view")
    year = _year(request.query_params.get("year"))
    if year is None:
        return _page(request, today().year, {"year": _(
            "Enter a year between 2000 and 2100.")}, status_code=400)
    return _page(request, year)


@login_required
async def save(request: Request) -> Response:
    user = require(request, "calendar.edit")
    form = DayForm(await get_form(request))
    session = db(request)
    try:
        form.raise_errors()
        row = services.set_day(session, actor(request), form.day, form.kind or "", form.name,
                               form.note, user.id)
    except FormErrors as exc:
        session.rollback()
        return _page(request, form.day.year if form.day else today().year, exc.errors,
                     form.submitted, 400)
    flash(request, _("%(day)s is saved in the calendar.", day=row.day.isoformat()))
    return redirect(path("calendar") + f"?year={row.day.year}")


@login_required
async def remove(request: Request) -> Response:
    require(request, "calendar.edit")
    form = RemoveDayForm(await get_form(request))
    session = db(request)
    day = form.day
    try:
        if not form.confirm:
            raise FormErrors({"confirm": _("Tick the box to confirm the removal.")})
        form.raise_errors()
        services.clear_day(session, actor(request), day)
    except FormErrors as exc:
        session.rollback()
        return _page(request, day.year if day else today().year, exc.errors, status_code=400)
    assert day is not None  # the form required it
    flash(request, _("The local entry for %(day)s is removed.", day=day.isoformat()))
    return redirect(path("calendar") + f"?year={day.year}")


routes = [
    Route("/calendar", calendar, name="calendar"),
    Route("/calendar/days", save, methods=["POST"], name="calendar_day_save"),
    Route("/calendar/days/remove", remove, methods=["POST"], name="calendar_day_remove"),
]
