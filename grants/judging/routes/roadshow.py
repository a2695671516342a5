"""The live roadshow: the organiser's control page, the hall's projection, the judges' live
page and the small JSON endpoint the live pages poll (a plain reload works as well)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, require
from grants.i18n import gettext as _
from grants.judging import forms, roadshow, services
from grants.pagecache import no_page_cache
from grants.permissions import can
from grants.rounds.models import Round, Stage
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, redirect, render


def _stage(request: Request, action: str) -> tuple[Stage, Round]:
    session = db(request)
    stage = get_or_404(session, Stage, request.path_params["id"])
    round_ = session.get(Round, stage.round_id)
    require(request, action, round_)
    if stage.kind != "roadshow" or round_ is None:
        raise HTTPException(404)
    return stage, round_


def _context(request: Request, stage: Stage, round_: Round) -> dict:
    session = db(request)
    user = current_user(request)
    organiser = can(user, "roadshow.control", round_)
    live = roadshow.snapshot(session, stage, user.id if user else None, organiser)
    if live["running"]:
        no_page_cache(request)  # the timer's remaining time changes by the second
    return {"stage": stage, "round": round_, "blind": bool(stage.config.get("blind")),
            "live": live,
            "state": roadshow.state_of(session, stage),
            "judging": services.judging_of(session, stage),
            "apps": services.stage_applications(session, stage)}


def _confirm_labels(live: dict) -> dict[str, str]:
    """The confirming button of each action refused while sheets are missing."""
    done, judges = live["submitted"], live["judges"]
    return {"close_scoring": _("Close scoring anyway (%(done)s of %(all)s judges have "
                               "submitted)", done=done, all=judges),
            "show_result": _("Show the result anyway (%(done)s of %(all)s judges have "
                             "submitted)", done=done, all=judges),
            "show_ranking": _("Show the ranking anyway (%(done)s of %(all)s judges have "
                              "submitted)", done=done, all=judges)}


@login_required
async def control(request: Request) -> Response:
    stage, round_ = _stage(request, "roadshow.control")
    errors: dict[str, str] = {}
    action = ""
    if request.method == "POST":
        session = db(request)
        form = await get_form(request)
        action = forms.RoadshowForm(form).action or ""  # an unknown one: refused below
        try:
            roadshow.control(session, actor(request), stage, action, form)
        except FormErrors as exc:
            session.rollback()
            errors = exc.errors
        else:
            flash(request, _("Done."))
            return redirect(path("roadshow_control", id=stage.id))
    context = _context(request, stage, round_)
    return render(request, "judging/roadshow_control.html",
                  {**context, "errors": errors, "attempted": action if errors else "",
                   "CONFIRM_LABELS": _confirm_labels(context["live"])},
                  status_code=400 if errors else 200)


@login_required
async def projection(request: Request) -> Response:
    stage, round_ = _stage(request, "roadshow.control")
    return render(request, "judging/roadshow_projection.html", _context(request, stage, round_))


@login_required
async def live(request: Request) -> Response:
    stage, round_ = _stage(request, "roadshow.follow")
    return render(request, "judging/roadshow_live.html", _context(request, stage, round_))


@login_required
async def live_json(request: Request) -> Response:
    stage, round_ = _stage(request, "roadshow.follow")
    user = current_user(request)
    data = roadshow.snapshot(db(request), stage, user.id if user else None,
                             can(user, "roadshow.control", round_))
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


routes = [
    Route("/stages/{id:id}/roadshow", control, methods=["GET", "POST"], name="roadshow_control"),
    Route("/stages/{id:id}/projection", projection, name="roadshow_projection"),
    Route("/stages/{id:id}/live", live, name="roadshow_live"),
    Route("/stages/{id:id}/live.json", live_json, name="roadshow_live_json"),
]
