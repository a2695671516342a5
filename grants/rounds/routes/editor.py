"""The round editor: the single-form sections (basics, window, rules, tranches), the row
sections (funds, tracks, stages) and the rubric editor of a scored stage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required
from grants.forms import Form
from grants.funds.models import Fund
from grants.i18n import gettext as _
from grants.permissions import can
from grants.regions import scope
from grants.regions import services as regions
from grants.rounds import choices, forms, funding, rubrics, services, stages, tracks
from grants.rounds.models import STAGE_KINDS, Criterion, Round, RoundFund, Stage, Track
from grants.rounds.routes.common import child_or_404, render_page, round_or_404
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, redirect

SECTIONS = ("basics", "funds", "tracks", "window", "rules", "stages", "tranches")
FORM_SECTIONS: dict[str, tuple[type[Form], Any, Any]] = {
    "basics": (forms.BasicsForm, services.update_basics, forms.basics_values),
    "window": (forms.WindowForm, services.update_window, forms.window_values),
    "rules": (forms.RulesForm, services.update_rules, forms.rules_values),
    "tranches": (forms.TranchesForm, services.update_tranches, forms.tranche_values)}


# ---- single-form sections: basics, window, rules, tranches -------------------------------

def _section_context(request: Request, round_: Round, section: str,
                     values: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    session = db(request)
    context = {"round": round_, "section": section, "sections": SECTIONS,
               "values": values or {}, "errors": errors or {},
               "lock_reason": services.lock_reason(round_),
               "locked_fields": {k: services.field_lock_reason(round_, k)
                                 for k in services.BASIC_FIELDS},
               "communities": regions.community_choices(session) if section == "rules" else [],
               "regions": (scope.region_choices(session, current_user(request))
                           if section == "basics" else []),
               "tranche_rows": forms.TRANCHE_ROWS}
    context.update(extra)
    return context


@login_required
async def round_edit(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    section = request.path_params.get("section", "basics")
    if section not in SECTIONS:
        raise HTTPException(404)
    if section in ("funds", "tracks", "stages"):
        return await _row_page(request, round_, section)
    reader, update, saved_values = FORM_SECTIONS[section]
    if request.method == "GET":
        return render_page(request, f"rounds/edit_{section}.html",
                           _section_context(request, round_, section, saved_values(round_)))
    form = await get_form(request)
    read = reader(form)
    session = db(request)
    try:
        update(session, actor(request), round_, read.data, errors=read.errors)
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        values = forms.form_values(form)
        if isinstance(read, forms.RulesForm):
            values = read.redisplay
        elif section == "basics":
            values = {**saved_values(round_), **values}
        return render_page(request, f"rounds/edit_{section}.html",
                           _section_context(request, round_, section, values, exc.errors),
                           status_code=400)
    flash(request, _("Changes saved."))
    return redirect(path("round_edit_section", id=round_.id, section=section))


# ---- row sections: funds, tracks, stages --------------------------------------------------

async def _row_page(request: Request, round_: Round, section: str,
                    error_row: Any = None, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = db(request)
    config = services.load_config(session, round_)
    extra: dict[str, Any] = {"config": config, "error_row": error_row}
    if section == "funds":
        all_funds = list(session.execute(scope.restrict(  # the funds of the user's scope
            select(Fund).where(Fund.is_active), current_user(request), Fund.region_id, session)
            .order_by(Fund.name)).scalars())
        extra["funds"] = all_funds
        extra["rooms"] = funding.attachable(session, [f.id for f in all_funds], round_.id)
    if section == "stages":
        extra["stage_values"] = {s.id: forms.stage_values(s) for s in config.stages}
        extra["rubric_problems"] = {s.id: rubrics.rubric_problems(s, config.criteria[s.id])
                                    for s in config.scored_stages}
        extra["STAGE_KINDS"] = STAGE_KINDS
    if section == "tracks":
        extra["track_values"] = {t.id: forms.track_values(t) for t in config.tracks}
    return render_page(request, f"rounds/edit_{section}.html",
                       _section_context(request, round_, section, values, errors, **extra),
                       status_code=status_code)


async def _refused(request: Request, round_: Round, section: str, row: Any,
                   exc: FormErrors, form: Any) -> Response:
    session = db(request)
    session.rollback()
    session.refresh(round_)
    return await _row_page(request, round_, section, row, forms.form_values(form), exc.errors,
                           status_code=400)


@login_required
async def fund_attach(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    form = await get_form(request)
    read = forms.FundForm(form)
    fund_id, amount, errors = read.fund_id, read.amount, dict(read.errors)
    fund = db(request).get(Fund, fund_id) if fund_id else None
    if fund is not None and not can(current_user(request), "fund.view", fund):
        errors["fund_id"] = _("Choose a fund.")  # outside the organiser's scope
    try:
        funding.attach_fund(db(request), actor(request), round_, fund_id, amount, errors)
    except FormErrors as exc:
        return await _refused(request, round_, "funds", "new", exc, form)
    flash(request, _("Fund attached."))
    return redirect(path("round_edit_section", id=round_.id, section='funds'))


@login_required
async def fund_detach(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    link = child_or_404(request, RoundFund, "link_id", round_)
    form = await get_form(request)
    try:
        funding.detach_fund(db(request), actor(request), round_, link)
    except FormErrors as exc:
        return await _refused(request, round_, "funds", link.id, exc, form)
    flash(request, _("Fund removed from the round."))
    return redirect(path("round_edit_section", id=round_.id, section='funds'))


@login_required
async def track_add(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    form = await get_form(request)
    try:
        read = forms.TrackForm(form)
        tracks.add_track(db(request), actor(request), round_, read.data, errors=read.errors)
    except FormErrors as exc:
        return await _refused(request, round_, "tracks", "new", exc, form)
    flash(request, _("Track added."))
    return redirect(path("round_edit_section", id=round_.id, section='tracks'))


@login_required
async def track_update(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    track = child_or_404(request, Track, "track_id", round_)
    form = await get_form(request)
    try:
        if forms.RowActionForm(form).remove:
            tracks.remove_track(db(request), actor(request), round_, track)
            flash(request, _("Track removed."))
        else:
            read = forms.TrackForm(form)
            tracks.update_track(db(request), actor(request), round_, track, read.data,
                                errors=read.errors)
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        return await _refused(request, round_, "tracks", track.id, exc, form)
    return redirect(path("round_edit_section", id=round_.id, section='tracks'))


@login_required
async def stage_add(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    form = await get_form(request)
    try:
        read_stage = forms.StageForm(form)
        stage = stages.add_stage(db(request), actor(request), round_, read_stage.data,
                                 errors=read_stage.errors)
    except FormErrors as exc:
        return await _refused(request, round_, "stages", "new", exc, form)
    flash(request, _("Stage added. Review its settings below."))
    return redirect(path("round_edit_section", id=round_.id, section='stages') + f"#stage-{stage.id}")


@login_required
async def stage_update(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    stage = child_or_404(request, Stage, "stage_id", round_)
    form = await get_form(request)
    session = db(request)
    button = forms.RowActionForm(form)
    try:
        if button.remove:
            stages.remove_stage(session, actor(request), round_, stage)
            flash(request, _("Stage removed."))
        elif button.move is not None:
            stages.move_stage(session, actor(request), round_, stage,
                              -1 if button.move == "up" else 1)
        else:
            read_stage = forms.StageForm(form, stage.kind)
            stages.update_stage(session, actor(request), round_, stage, read_stage.data,
                                errors=read_stage.errors)
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        return await _refused(request, round_, "stages", stage.id, exc, form)
    return redirect(path("round_edit_section", id=round_.id, section='stages'))


# ---- the rubric editor ---------------------------------------------------------------------

def _scored_stage(request: Request, round_: Round) -> Stage:
    stage = child_or_404(request, Stage, "stage_id", round_)
    if stage.kind not in choices.SCORED_KINDS:
        raise HTTPException(404)
    return stage


async def _rubric_page(request: Request, round_: Round, stage: Stage, error_row: Any = None,
                       values: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    criteria = rubrics.criteria_of(db(request), stage)
    return render_page(request, "rounds/rubric.html", {
        "round": round_, "stage": stage, "criteria": criteria,
        "criterion_values": {c.id: forms.criterion_values(c) for c in criteria},
        "blank_values": forms.blank_criterion_values(),
        "total": sum(c.max_points for c in criteria),
        "problems": rubrics.rubric_problems(stage, criteria),
        "lock_reason": services.lock_reason(round_), "guidance_rows": forms.GUIDANCE_ROWS,
        "error_row": error_row, "values": values or {}, "errors": errors or {},
        "section": "stages", "sections": SECTIONS,
    }, status_code=status_code)


@login_required
async def rubric(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    return await _rubric_page(request, round_, _scored_stage(request, round_))


@login_required
async def criterion_add(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    stage = _scored_stage(request, round_)
    form = await get_form(request)
    session = db(request)
    try:
        read = forms.CriterionForm(form)
        rubrics.add_criterion(session, actor(request), round_, stage, read.data,
                              errors=read.errors)
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        return await _rubric_page(request, round_, stage, "new", forms.form_values(form),
                                  exc.errors, 400)
    flash(request, _("Criterion added."))
    return redirect(path("round_rubric", id=round_.id, stage_id=stage.id))


@login_required
async def criterion_update(request: Request) -> Response:
    round_ = round_or_404(request, "round.edit")
    stage = _scored_stage(request, round_)
    criterion = get_or_404(db(request), Criterion, path_int(request, "criterion_id"))
    if criterion.stage_id != stage.id:
        raise HTTPException(404)
    form = await get_form(request)
    session = db(request)
    try:
        if forms.RowActionForm(form).remove:
            rubrics.remove_criterion(session, actor(request), round_, criterion)
            flash(request, _("Criterion removed."))
        else:
            read = forms.CriterionForm(form)
            rubrics.update_criterion(session, actor(request), round_, stage, criterion,
                                     read.data, errors=read.errors)
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        return await _rubric_page(request, round_, stage, criterion.id, forms.form_values(form),
                                  exc.errors, 400)
    return redirect(path("round_rubric", id=round_.id, stage_id=stage.id))


# Mounted by `grants.rounds.routes` between the detail page and the status moves.
routes = [
    Route("/rounds/{id:id}/edit", round_edit, methods=["GET", "POST"], name="round_edit"),
    Route("/rounds/{id:id}/edit/{section:str}", round_edit, methods=["GET", "POST"],
          name="round_edit_section"),
    Route("/rounds/{id:id}/funds", fund_attach, methods=["POST"], name="round_fund_attach"),
    Route("/rounds/{id:id}/funds/{link_id:id}/remove", fund_detach, methods=["POST"],
          name="round_fund_detach"),
    Route("/rounds/{id:id}/tracks", track_add, methods=["POST"], name="round_track_add"),
    Route("/rounds/{id:id}/tracks/{track_id:id}", track_update, methods=["POST"],
          name="round_track_update"),
    Route("/rounds/{id:id}/stages", stage_add, methods=["POST"], name="round_stage_add"),
    Route("/rounds/{id:id}/stages/{stage_id:id}", stage_update, methods=["POST"],
          name="round_stage_update"),
    Route("/rounds/{id:id}/stages/{stage_id:id}/rubric", rubric, name="round_rubric"),
    Route("/rounds/{id:id}/stages/{stage_id:id}/criteria", criterion_add, methods=["POST"],
          name="round_criterion_add"),
    Route("/rounds/{id:id}/stages/{stage_id:id}/criteria/{criterion_id:id}", criterion_update,
          methods=["POST"], name="round_criterion_update"),
]
