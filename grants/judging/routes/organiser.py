"""Organiser pages: the round's panel (add, invite, import), a stage's assignment, progress,
reminders, closing and results."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import lifecycle
from grants.accounts.models import User
from grants.auth import actor, login_required, require
from grants.forms import Form
from grants.i18n import gettext as _
from grants.i18n import ngettext
from grants.judging import exports, results, services
from grants.judging.forms import (
    AssignForm,
    AssignmentAddForm,
    BonusForm,
    ImportForm,
    InviteForm,
    OverrideForm,
    PanelAddForm,
    PanelMemberForm,
    ReasonForm,
)
from grants.judging.models import Assignment, PanelMember, ScoreSheet
from grants.organisations.models import Organisation
from grants.rounds.models import Round, Stage, Track
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, redirect, render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
F = TypeVar("F", bound=Form)


# ---- panel ---------------------------------------------------------------------------------

def _panel_context(request: Request, round_: Round, errors: dict | None = None) -> dict:
    session = db(request)
    seats = services.panel(session, round_)
    seated = {s.user.id for s in seats}
    users = [u for u in session.execute(select(User).where(User.is_active.is_(True))
                                        .order_by(User.display_name)).scalars()
             if u.id not in seated]
    tracks = list(session.execute(select(Track).where(Track.round_id == round_.id)
                                  .order_by(Track.position)).scalars())
    org_ids = {o for s in seats for o in s.member.organisation_ids}
    orgs = {o.id: o.name for o in session.execute(select(Organisation).where(
        Organisation.id.in_(org_ids or {-1}))).scalars()}
    from grants.funds.models import Fund
    from grants.regions import services as regions

    all_orgs = list(session.execute(select(Organisation.id, Organisation.name)
                                    .order_by(Organisation.name_sort, Organisation.name)).all())
    funds = list(session.execute(select(Fund.id, Fund.name).order_by(Fund.name)).all())
    return {"round": round_, "seats": seats, "users": users, "tracks": tracks,
            "all_orgs": all_orgs, "funds": funds,
            "communities": regions.community_choices(session),
            "track_names": {t.id: t.name for t in tracks}, "org_names": orgs,
            "stages": services.scored_stages(session, round_), "errors": errors or {}}


@login_required
async def panel_page(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "judging.manage", round_)
    return render(request, "judging/panel.html", _panel_context(request, round_))


async def _panel_action(request: Request, form_class: type[F],
                        work: Callable[[Any, Round, F], Awaitable[str]]) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "judging.manage", round_)
    form = form_class(await get_form(request))
    try:
        message = await work(session, round_, form)
    except FormErrors as exc:
        session.rollback()
        return render(request, "judging/panel.html", _panel_context(request, round_, exc.errors),
                      status_code=400)
    flash(request, message)
    return redirect(path("judging_panel", id=round_.id))


@login_required
async def panel_add(request: Request) -> Response:
    async def work(session: Any, round_: Round, form: PanelAddForm) -> str:
        user = session.get(User, form.user) if form.user else None
        if user is None:
            raise FormErrors({"user_id": _("Choose a user.")})
        # Ids that are not ids are left out, as the services leave out other rounds' tracks:
        # these are checkboxes the page offered.
        services.add_member(session, actor(request), round_, user, tracks=form.tracks,
                            organisation_ids=form.organisation_ids, public=form.public)
        return _("%(name)s joined the panel.", name=user.display_name)

    return await _panel_action(request, PanelAddForm, work)


@login_required
async def panel_invite(request: Request) -> Response:
    async def work(session: Any, round_: Round, form: InviteForm) -> str:
        if "email" in form.errors or "display_name" in form.errors:
            raise FormErrors(form.errors)
        services.invite(session, actor(request), round_, email=form.email,
                        display_name=form.display_name, tracks=form.tracks)
        return _("An invitation was sent to %(email)s.", email=form.email)

    return await _panel_action(request, InviteForm, work)


@login_required
async def panel_import(request: Request) -> Response:
    async def work(session: Any, round_: Round, form: ImportForm) -> str:
        if form.file is None:
            raise FormErrors({"file": _("Choose a file to upload.")})
        count = services.import_judges(session, actor(request), round_, await form.file.read())
        return ngettext("%(num)s judge added to the panel.", "%(num)s judges added to the panel.", count)

    return await _panel_action(request, ImportForm, work)


@login_required
async def panel_template(request: Request) -> Response:
    round_ = get_or_404(db(request), Round, request.path_params["id"])
    require(request, "judging.manage", round_)
    return Response(services.import_template(), media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="judges.xlsx"'})


@login_required
async def panel_remove(request: Request) -> Response:
    async def work(session: Any, round_: Round, form: Form) -> str:
        member = session.get(PanelMember, request.path_params["member_id"])
        if member is None or member.round_id != round_.id:
            raise FormErrors({"member": _("This judge is not on the panel.")})
        services.remove_member(session, actor(request), member)
        return _("The judge left the panel.")

    return await _panel_action(request, Form, work)


@login_required
async def panel_member_update(request: Request) -> Response:
    async def work(session: Any, round_: Round, form: PanelMemberForm) -> str:
        member = session.get(PanelMember, request.path_params["member_id"])
        if member is None or member.round_id != round_.id:
            raise FormErrors({"member": _("This judge is not on the panel.")})
        services.update_member(session, actor(request), member, tracks=form.tracks,
                               organisation_ids=form.organisation_ids,
                               community_ids=form.community_ids, fund_ids=form.fund_ids,
                               public=form.public)
        return _("Saved.")

    return await _panel_action(request, PanelMemberForm, work)


# ---- a stage ---------------------------------------------------------------------------------

def _stage(request: Request) -> tuple[Stage, Round]:
    session = db(request)
    stage = get_or_404(session, Stage, request.path_params["id"])
    round_ = session.get(Round, stage.round_id)
    require(request, "judging.manage", round_)
    assert round_ is not None
    if stage.kind not in services.SCORED_KINDS:
        raise HTTPException(404)
    return stage, round_


def stage_context(request: Request, stage: Stage, round_: Round,
                  errors: dict | None = None, values: dict | None = None) -> dict:
    session = db(request)
    judging = services.judging_of(session, stage)
    apps = services.stage_applications(session, stage)
    seats = services.panel(session, round_)
    found = services.conflicts(session, stage, apps, seats)
    live = services.live_assignments(session, stage)
    by_app: dict[int, list[Assignment]] = {}
    for a in live:
        by_app.setdefault(a.application_id, []).append(a)
    other = list(session.execute(select(Assignment).where(
        Assignment.stage_id == stage.id, Assignment.status.in_(
            ("conflict", "abstained", "removed")))).scalars())
    sheets = {s.assignment_id: s for s in session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id)).scalars()}
    judges, per_app = services.progress(session, stage)
    names = {s.user.id: s.user.display_name for s in seats}
    orgs = {o.id: o.name for o in session.execute(select(Organisation).where(
        Organisation.id.in_({a.organisation_id for a in apps} or {-1}))).scalars()}
    plan = services.default_plan(session, stage)
    close_problems = (lifecycle.problems(session, "judging.close", judging)
                      if judging.status == "open" else [])
    from grants.rounds.choices import AGGREGATION_LABELS

    return {"round": round_, "stage": stage, "judging": judging, "apps": apps,
            "AGGREGATION_LABELS": AGGREGATION_LABELS,
            "composition": stage.config.get("composition") or {},
            "bonuses": services.bonus_grants(session, stage),
            "app_by_id": {a.id: a for a in apps}, "seats": seats, "conflicts": found,
            "by_app": by_app, "other": other, "sheets": sheets, "judges": judges,
            "per_app": per_app, "names": names, "orgs": orgs,
            "needed": services.replacements_needed(session, stage),
            "values": values or {"k": plan.k, "min_load": plan.min_load,
                                 "max_load": plan.max_load},
            "errors": errors or {}, "close_problems": close_problems,
            "results": results.worded(judging.results if judging.status == "closed" else (
                results.compute(session, stage) if judging.status == "open" and any(
                    s.status == "submitted" for s in sheets.values()) else {}), stage),
            "status_label": lifecycle.LIFECYCLES["judging"].label(
                judging.status)}


@login_required
async def stage_page(request: Request) -> Response:
    stage, round_ = _stage(request)
    return render(request, "judging/stage.html", stage_context(request, stage, round_))


async def _stage_action(request: Request, form_class: type[F],
                        work: Callable[[Any, Stage, F], str]) -> Response:
    stage, round_ = _stage(request)
    session = db(request)
    form = form_class(await get_form(request))
    try:
        message = work(session, stage, form)
    except FormErrors as exc:
        session.rollback()
        return render(request, "judging/stage.html",
                      stage_context(request, stage, round_, exc.errors,
                                    form.submitted if isinstance(form, AssignForm) else None),
                      status_code=400)
    flash(request, message)
    return redirect(path("judging_stage", id=stage.id))


@login_required
async def assign(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: AssignForm) -> str:
        k, low, high = form.k, form.min_load, form.max_load
        if form.errors or k is None or low is None or high is None:
            raise FormErrors(form.errors)
        count = services.auto_assign(session, actor(request), stage,
                                     services.AssignPlan(k, low, high))
        return _("%(n)s assignments made.", n=count)

    return await _stage_action(request, AssignForm, work)


@login_required
async def assignment_add(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: AssignmentAddForm) -> str:
        form.raise_errors()
        services.add_assignment(session, actor(request), stage, form.application or 0,
                                form.user or 0, form.reason)
        return _("The judge was assigned.")

    return await _stage_action(request, AssignmentAddForm, work)


@login_required
async def open_stage(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: Form) -> str:
        user = require(request, "judging.manage", None)
        judging = services.judging_of(session, stage)
        lifecycle.perform(session, actor(request), user, "judging.open", judging)
        return _("Scoring is open.")

    return await _stage_action(request, Form, work)


@login_required
async def close_stage(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: Form) -> str:
        user = require(request, "judging.manage", None)
        results.close_stage(session, actor(request), user, stage)
        return _("Scoring is closed and the results computed.")

    return await _stage_action(request, Form, work)


@login_required
async def remind(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: Form) -> str:
        n = services.send_reminders(session, actor(request), stage)
        return ngettext("%(num)s judge reminded.", "%(num)s judges reminded.", n)

    return await _stage_action(request, Form, work)


@login_required
async def advance(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: OverrideForm) -> str:
        form.raise_errors()
        results.override(session, actor(request), stage, form.application or 0, form.advanced,
                         form.reason)
        return _("The advancement list was changed.")

    return await _stage_action(request, OverrideForm, work)


@login_required
async def bonus(request: Request) -> Response:
    def work(session: Any, stage: Stage, form: BonusForm) -> str:
        form.raise_errors()
        services.grant_bonus(session, actor(request), stage, form.application or 0,
                             form.points, form.reason)
        return _("特别加分 recorded.")

    return await _stage_action(request, BonusForm, work)


@login_required
async def assignment_remove(request: Request) -> Response:
    session = db(request)
    assignment = get_or_404(session, Assignment, request.path_params["id"])
    stage = session.get(Stage, assignment.stage_id)
    user = require(request, "judging.manage", session.get(Round, stage.round_id))
    form = ReasonForm(await get_form(request))
    try:
        form.raise_errors()
        services.remove_assignment(session, actor(request), user, assignment, form.reason)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(exc.errors.values()), "error")
        return redirect(path("judging_stage", id=stage.id))
    flash(request, _("The assignment was removed."))
    return redirect(path("judging_stage", id=stage.id))


@login_required
async def sheet_reopen(request: Request) -> Response:
    session = db(request)
    sheet = get_or_404(session, ScoreSheet, request.path_params["id"])
    user = require(request, "sheet.reopen", sheet)
    form = ReasonForm(await get_form(request))
    try:
        form.raise_errors()
        services.reopen_sheet(session, actor(request), user, sheet, form.reason)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(exc.errors.values()), "error")
        return redirect(path("judging_stage", id=sheet.stage_id))
    flash(request, _("The sheet was reopened and the judge notified."))
    return redirect(path("judging_stage", id=sheet.stage_id))


@login_required
async def matrix_export(request: Request) -> Response:
    stage, _round = _stage(request)
    data = exports.score_matrix(db(request), stage)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="scores-stage-{stage.id}.xlsx"'})


routes = [
    Route("/rounds/{id:id}/panel", panel_page, name="judging_panel"),
    Route("/rounds/{id:id}/panel/add", panel_add, methods=["POST"], name="judging_panel_add"),
    Route("/rounds/{id:id}/panel/invite", panel_invite, methods=["POST"],
          name="judging_panel_invite"),
    Route("/rounds/{id:id}/panel/import", panel_import, methods=["POST"],
          name="judging_panel_import"),
    Route("/rounds/{id:id}/panel/template.xlsx", panel_template,
          name="judging_panel_template"),
    Route("/rounds/{id:id}/panel/{member_id:id}", panel_member_update, methods=["POST"],
          name="judging_panel_update"),
    Route("/rounds/{id:id}/panel/{member_id:id}/remove", panel_remove, methods=["POST"],
          name="judging_panel_remove"),
    Route("/stages/{id:id}/judging", stage_page, name="judging_stage"),
    Route("/stages/{id:id}/judging/assign", assign, methods=["POST"], name="judging_assign"),
    Route("/stages/{id:id}/judging/add", assignment_add, methods=["POST"],
          name="judging_assignment_add"),
    Route("/stages/{id:id}/judging/open", open_stage, methods=["POST"], name="judging_open"),
    Route("/stages/{id:id}/judging/close", close_stage, methods=["POST"], name="judging_close"),
    Route("/stages/{id:id}/judging/remind", remind, methods=["POST"], name="judging_remind"),
    Route("/stages/{id:id}/judging/advance", advance, methods=["POST"], name="judging_advance"),
    Route("/stages/{id:id}/judging/bonus", bonus, methods=["POST"], name="judging_bonus"),
    Route("/stages/{id:id}/judging/scores.xlsx", matrix_export, name="judging_matrix_export"),
    Route("/assignments/{id:id}/remove", assignment_remove, methods=["POST"],
          name="judging_assignment_remove"),
    Route("/sheets/{id:id}/reopen", sheet_reopen, methods=["POST"], name="judging_sheet_reopen"),
]
