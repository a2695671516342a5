"""A judge's pages: the list of what is waiting, the conflict declaration, the score sheet,
attachments under neutral names in blind stages, and accepting an invitation."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from grants.applications import attachments as files
from grants.applications.models import Application
from grants.auth import actor, current_user, login_required, login_session, require
from grants.i18n import gettext as _
from grants.judging import forms, services
from grants.judging.models import Assignment, ScoreSheet
from grants.judging.workflow import LIVE, stage_is_open
from grants.organisations.models import Organisation
from grants.rounds.models import Round, Stage
from grants.rounds.rubrics import criteria_of
from grants.timeutil import format_local
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, redirect, render


@login_required
async def mine(request: Request) -> Response:
    user = require(request, "judging.mine")
    work = services.my_list(db(request), user)
    return render(request, "judging/mine.html", {
        "waiting": work.waiting, "done": work.done, "live_stages": work.live_stages})


def _assignment(request: Request) -> tuple[Assignment, Stage, Application]:
    """The judge's own live assignment in the URL (403 otherwise: another judge's, one given
    up after a conflict, or a judge no longer on the panel)."""
    session = db(request)
    assignment = get_or_404(session, Assignment, request.path_params["id"])
    require(request, "assignment.view", assignment)
    if assignment.status not in LIVE:
        raise HTTPException(403)
    stage = session.get(Stage, assignment.stage_id)
    app = session.get(Application, assignment.application_id)
    assert stage is not None and app is not None
    return assignment, stage, app


def _application_context(request: Request, stage: Stage, app: Application,
                         assignment: Assignment) -> dict[str, Any]:
    session = db(request)
    blind = bool(stage.config.get("blind"))
    org = None if blind else session.get(Organisation, app.organisation_id)
    attachments = files.live(session, app)
    return {"stage": stage, "app": app, "blind": blind, "organisation": org,
            "round": session.get(Round, stage.round_id), "assignment": assignment,
            "attachments": [(n, _neutral_name(a.filename, n) if blind else a.filename)
                            for n, a in enumerate(attachments, start=1)],
            "judging": services.judging_of(session, stage)}


def _neutral_name(filename: str, n: int) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return _("attachment-%(n)s", n=n) + "." + "".join(c for c in extension if c.isalnum())[:5]


@login_required
async def assignment_page(request: Request) -> Response:
    assignment, stage, app = _assignment(request)
    session = db(request)
    if assignment.status == "confirmed" and request.method == "GET":
        sheet = services.sheet_of(session, assignment, create=True)
        return redirect(path("judging_sheet", id=sheet.id))
    context = _application_context(request, stage, app, assignment)
    if not stage_is_open(assignment):  # closed, not yet open, or not this project's turn
        raise HTTPException(403)
    if request.method == "POST":
        user = current_user(request)
        form = forms.DeclareForm(await get_form(request))
        if form.action is None:
            raise HTTPException(400)
        try:
            form.raise_errors()
            sheet = services.declare(session, actor(request), user, assignment, form.action,
                                     form.reason)
        except FormErrors as exc:
            session.rollback()
            return render(request, "judging/declare.html", {**context, "errors": exc.errors,
                          "reason": form.submitted["reason"]}, status_code=400)
        if sheet is not None:
            return redirect(path("judging_sheet", id=sheet.id))
        flash(request, _("Thank you. The application was taken off your list and the "
                         "organiser asked for a replacement."))
        return redirect(path("judging_mine"))
    return render(request, "judging/declare.html", {**context, "errors": {}})


def _sheet(request: Request) -> tuple[ScoreSheet, Assignment, Stage, Application]:
    session = db(request)
    sheet = get_or_404(session, ScoreSheet, request.path_params["id"])
    require(request, "sheet.view", sheet)
    assignment = session.get(Assignment, sheet.assignment_id)
    user = current_user(request)
    assert user is not None and assignment is not None
    if sheet.user_id == user.id and assignment.status not in LIVE:
        raise HTTPException(403)
    stage = session.get(Stage, sheet.stage_id)
    app = session.get(Application, sheet.application_id)
    assert assignment is not None and stage is not None and app is not None
    return sheet, assignment, stage, app


def _sheet_context(request: Request, sheet: ScoreSheet, assignment: Assignment, stage: Stage,
                   app: Application, values: dict | None = None,
                   errors: dict | None = None) -> dict[str, Any]:
    session = db(request)
    user = current_user(request)
    criteria = criteria_of(session, stage)
    context = _application_context(request, stage, app, assignment)
    if values is None:
        values = {f"points_{k}": _fmt(v) for k, v in sheet.points.items()}
        values.update({f"comment_{k}": v for k, v in sheet.comments.items()})
        values["overall_comment"] = sheet.overall_comment
    editable = lifecycle_can(user, "sheet.save", sheet)
    panel_scores = []
    if context["judging"].status == "closed":  # others' scores only once the stage is closed
        panel_scores = [a for a in context["judging"].results.get("applications", [])
                        if a["id"] == app.id]
    return {**context, "sheet": sheet, "criteria": criteria, "values": values,
            "errors": errors or {}, "editable": editable,
            "max_total": sum(c.max_points for c in criteria),
            "comments_required": bool(stage.config.get("comments_required")),
            "panel_scores": panel_scores, "is_judge": sheet.user_id == user.id}


def lifecycle_can(user: Any, action: str, obj: Any) -> bool:
    from grants.permissions import can

    return can(user, action, obj)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number == int(number) else str(number)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@login_required
async def sheet_page(request: Request) -> Response:
    sheet, assignment, stage, app = _sheet(request)
    session = db(request)
    if request.method == "GET":
        return render(request, "judging/sheet.html",
                      _sheet_context(request, sheet, assignment, stage, app))
    user = require(request, "sheet.save", sheet)
    form = await get_form(request)
    criteria = criteria_of(session, stage)
    data = forms.read_sheet(form, criteria)
    submit = forms.submits(form)
    try:
        services.save_sheet(session, actor(request), user, sheet, data, submit=submit)
    except FormErrors as exc:
        session.rollback()
        if _wants_json(request):
            return JSONResponse({"saved": False, "errors": exc.errors}, status_code=400)
        values = forms.sheet_values(form, criteria)
        sheet = session.get(ScoreSheet, sheet.id)
        return render(request, "judging/sheet.html",
                      _sheet_context(request, sheet, assignment, stage, app, values, exc.errors),
                      status_code=400)
    if _wants_json(request):
        return JSONResponse({"saved": True, "total": sheet.total,
                             "at": format_local(datetime.now().astimezone()).split(" ")[-1]})
    flash(request, _("Your scores were submitted. Thank you.") if submit
          else _("Draft saved."))
    if submit and stage.kind == "roadshow":
        return redirect(path("roadshow_live", id=stage.id))
    return redirect(path("judging_mine") if submit else path("judging_sheet", id=sheet.id))


@login_required
async def attachment_get(request: Request) -> Response:
    assignment, stage, app = _assignment(request)
    if assignment.status != "confirmed":
        raise HTTPException(403)
    live = files.live(db(request), app)
    n = request.path_params["n"]
    if not 1 <= n <= len(live):
        raise HTTPException(404)
    found = live[n - 1]
    path = files.storage_path(found.stored_name)
    if not path.is_file():
        raise HTTPException(404)
    name = _neutral_name(found.filename, n) if stage.config.get("blind") else found.filename
    ascii_name = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_"
                         for c in name)
    return FileResponse(path, media_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


async def accept_invite(request: Request) -> Response:
    """Public: the one-time link sets a new judge's password and signs them in."""
    session = db(request)
    found = services.invite_for(session, str(request.path_params["token"])[:100])
    if found is None:
        raise HTTPException(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = forms.InviteAcceptForm(await get_form(request))
        try:
            user = services.accept_invite(session, actor(request), found, form.password,
                                          form.password_again)
        except FormErrors as exc:
            session.rollback()
            errors = exc.errors
        else:
            login_session(request, user)
            flash(request, _("Your password is set. Welcome to the panel."))
            return redirect(path("judging_mine"))
    from grants.accounts.models import User

    return render(request, "judging/invite.html", {"invitee": session.get(User, found.user_id),
                                                   "errors": errors},
                  status_code=400 if errors else 200)



routes = [
    Route("/judging", mine, name="judging_mine"),
    Route("/assignments/{id:id}", assignment_page, methods=["GET", "POST"],
          name="judging_assignment"),
    Route("/assignments/{id:id}/files/{n:id}", attachment_get, name="judging_file"),
    Route("/sheets/{id:id}", sheet_page, methods=["GET", "POST"], name="judging_sheet"),
    Route("/invite/{token:str}", accept_invite, methods=["GET", "POST"], name="judge_invite"),
]
