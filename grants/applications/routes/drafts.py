"""The applicant's side of applications: their list, drafts, submission, withdrawal and
versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grants.applications import forms, progress, rules, services, workflow
from grants.applications.models import Application, ApplicationVersion
from grants.applications.routes import common as pages
from grants.auth import actor, current_user, login_required, require
from grants.awards.models import Award
from grants.disbursements.services import agreement_of
from grants.i18n import gettext as _
from grants.pagination import page_number, paginate
from grants.permissions import can, state_refusal
from grants.regions import services as regions
from grants.rounds.models import Round
from grants.timeutil import format_local, now
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render


@login_required
async def my_applications(request: Request) -> Response:
    user = require(request, "application.mine")
    session = db(request)
    page = paginate(session, services.mine(user), page_number(request), per_page=20)
    round_ids = {a.round_id for a in page.items}
    rounds = {r.id: r for r in session.execute(
        select(Round).where(Round.id.in_(round_ids or {-1}))).scalars()}
    from grants.rounds.listing import accepting

    open_rounds = list(session.execute(accepting().order_by(Round.closes_at, Round.id)).scalars())
    standing = {r.id: services.standing(session, r, user.organisation_id) for r in open_rounds}
    return render(request, "applications/mine.html", {
        "page": page, "rounds": rounds, "open_rounds": open_rounds, "standing": standing,
        "statuses": workflow.STATUSES, "STAGES": progress.STAGES,
        "stages": progress.stages(session, (a.id for a in page.items))})


@login_required
async def apply(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    user = require(request, "round.apply", round_)
    tracks = pages.tracks(request, round_)
    values: dict = {}
    errors: dict = {}
    if request.method == "GET":  # say why not before anything is typed, and offer no form
        found = services.standing(session, round_, user.organisation_id)
        if found:
            return render(request, "applications/apply.html", {
                "round": round_, "tracks": tracks, "values": {}, "errors": {},
                "refused": [p.message for p in found]})
    if request.method == "POST":
        read = forms.ApplyForm(await get_form(request))
        values = read.submitted
        try:
            read.raise_errors()
            app = services.create_draft(session, actor(request), user, round_, read.track_id,
                                        read.title)
        except FormErrors as exc:
            errors = exc.errors
        else:
            flash(request, _("Draft created. Fill in the sections and save as you go."))
            return redirect(path("application_edit", id=app.id))
    return render(request, "applications/apply.html", {
        "round": round_, "tracks": tracks, "values": values, "errors": errors},
        status_code=400 if errors and request.method == "POST" else 200)


@login_required
async def edit(request: Request) -> Response:
    if request.method == "GET":  # a bookmark or Back after submitting: say why, not 403
        app, _round = pages.load(request)
        if not can(current_user(request), "application.edit", app):
            because = _("This application can no longer be edited: it is “%(status)s”.",
                        status=_(workflow.STATUSES.get(app.status, app.status)))
            if app.status in (workflow.Status.DRAFT, workflow.Status.RETURNED):
                # the round, not the application's state, forbids it (after the deadline)
                because = state_refusal(current_user(request), "application.edit",
                                        app) or because
            flash(request, because, "info")
            return redirect(path("application_detail", id=app.id))
    app, round_ = pages.load(request, "application.edit")
    session = db(request)
    if request.method == "GET":
        values, rows = forms.values_of(app, services.lines_of(session, app),
                                       services.activities_of(session, app))
        return render(request, "applications/form.html",
                      pages.form_context(request, app, round_, values, rows))
    read = forms.ProposalForm(await get_form(request))
    try:
        services.save_draft(session, actor(request), app, round_, read.data,
                            errors=read.errors)
    except FormErrors as exc:
        session.rollback()
        if pages.wants_json(request):
            return JSONResponse({"saved": False, "errors": exc.errors}, status_code=400)
        return render(request, "applications/form.html",
                      pages.form_context(request, app, round_, read.values, read.rows,
                                         exc.errors), status_code=400)
    if pages.wants_json(request):
        return JSONResponse({"saved": True, "at": format_local(now())[-5:],
                             "request_fen": app.request_fen})
    if read.next == "submit":
        return redirect(path("application_submit", id=app.id))
    flash(request, _("Draft saved."))
    return redirect(path("application_edit", id=app.id))


@login_required
async def submit(request: Request) -> Response:
    app, round_ = pages.load(request)
    session = db(request)
    user = require(request, "application.prepare", app)
    if app.status not in workflow.LIFECYCLE.transition("submit").sources:
        if request.method == "GET":
            return redirect(path("application_detail", id=app.id))
        raise HTTPException(400, _("This application cannot be submitted in its current state."))
    if request.method == "GET":
        return render(request, "applications/submit.html", {
            "app": app, "round": round_, "problems": services.problems(session, app, round_)})
    try:
        version = services.submit(session, actor(request), user, app, round_)
    except services.SubmissionRefused as exc:
        session.rollback()
        return render(request, "applications/submit.html", {
            "app": app, "round": round_, "problems": exc.problems}, status_code=400)
    flash(request, _("Submitted: version %(n)s is frozen and with the organiser.",
                     n=version.number))
    return redirect(path("application_detail", id=app.id))


@login_required
async def detail(request: Request) -> Response:
    app, round_ = pages.load(request)
    session = db(request)
    return render(request, "applications/detail.html", {
        "app": app, "round": round_, "p": services.snapshot(session, app),
        "versions": services.versions_of(session, app),
        "decision": services.latest_decision(session, app),
        "statuses": workflow.STATUSES, "paths": regions.path_labels(session),
        "category_labels": rules.CATEGORY_LABELS, "errors": {},
        "award": (award := _decided_award(session, app)),
        "agreement": agreement_of(session, award.id or 0) if award else None,
        "stage": progress.stages(session, [app.id or 0]).get(app.id or 0), "STAGES": progress.STAGES,
    })


def _decided_award(session: Session, app: Application) -> Award | None:
    """The application's confirmed award, whose documents its page links to, or its revoked
    one, which the page says was revoked and why."""
    return session.execute(select(Award).where(
        Award.application_id == app.id, Award.status.in_(("confirmed", "revoked")))
        .order_by(Award.id.desc())).scalars().first()


@login_required
async def version(request: Request) -> Response:
    app, round_ = pages.load(request)
    session = db(request)
    number = path_int(request, "number")
    found = session.execute(select(ApplicationVersion).where(
        ApplicationVersion.application_id == app.id,
        ApplicationVersion.number == number)).scalar_one_or_none()
    if found is None:
        raise HTTPException(404)
    return render(request, "applications/version.html", {
        "app": app, "round": round_, "version": found, "p": found.snapshot,
        "paths": regions.path_labels(session), "category_labels": rules.CATEGORY_LABELS})


@login_required
async def withdraw(request: Request) -> Response:
    app, round_ = pages.load(request)
    session = db(request)
    user = current_user(request)
    if user is None or user.organisation_id != app.organisation_id:
        raise HTTPException(403)
    try:
        services.withdraw(session, actor(request), user, app, round_)
    except FormErrors as exc:
        session.rollback()
        raise HTTPException(400, next(iter(exc.errors.values()))) from None
    flash(request, _("The application was withdrawn."))
    return redirect(path("application_detail", id=app.id))


