"""Round pages: the list, the open rounds' public page, the detail, the sectioned editor,
the rubric editor, status moves with confirmation, and copying a round."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, require
from grants.funds.models import Fund
from grants.i18n import gettext as _
from grants.regions import services as regions
from grants.rounds import choices, forms, services, workflow
from grants.rounds.models import (
    ROUND_STATUSES,
    STAGE_KINDS,
    Criterion,
    Round,
    RoundFund,
    Stage,
    Track,
)
from grants.validation import FormErrors
from grants.web import (
    db,
    flash,
    get_form,
    get_or_404,
    page_number,
    paginate,
    path_int,
    query_int,
    redirect,
    render,
)

SECTIONS = ("basics", "funds", "tracks", "window", "rules", "stages", "tranches")
FORM_SECTIONS = {"basics": (forms.read_basics, services.update_basics, forms.basics_values),
                 "window": (forms.read_window, services.update_window, forms.window_values),
                 "rules": (forms.read_rules, services.update_rules, forms.rules_values),
                 "tranches": (forms.read_tranches, services.update_tranches,
                              forms.tranche_values)}


def _render(request: Request, template: str, context: dict[str, Any],
            status_code: int = 200) -> Response:
    context.setdefault("rc", choices)
    context.setdefault("STATUSES", ROUND_STATUSES)
    return render(request, template, context, status_code=status_code)


def _round(request: Request, action: str) -> Round:
    round_ = get_or_404(db(request), Round, path_int(request))
    if round_.status == "draft" and not _staff(request) and action == "round.view":
        raise HTTPException(404)
    require(request, action, round_)
    return round_


def _staff(request: Request) -> bool:
    user = current_user(request)
    return user is not None and user.role in ("organiser", "finance")


def _child(request: Request, model: type, name: str, round_: Round) -> Any:
    obj = get_or_404(db(request), model, path_int(request, name))
    if getattr(obj, "round_id", None) != round_.id:
        raise HTTPException(404)
    return obj



# ---- lists --------------------------------------------------------------------------------

@login_required
async def round_list(request: Request) -> Response:
    require(request, "round.list")
    session = db(request)
    params = request.query_params
    filters = services.RoundFilters(q=params.get("q", "").strip()[:100],
                                    year=query_int(request, "year", max_digits=4),
                                    status=params.get("status", ""))
    page = paginate(session, services.search(filters), page_number(request), per_page=20)
    ids = [r.id for r in page.items]
    return _render(request, "rounds/list.html", {
        "page": page, "filters": filters, "years": services.years(session),
        "budgets": services.budgets(session, ids),
    })


@login_required
async def round_open_list(request: Request) -> Response:
    require(request, "round.browse_open")
    session = db(request)
    page = paginate(session, services.search(services.RoundFilters(), ("open",))
                    .order_by(None).order_by(Round.closes_at, Round.name), page_number(request),
                    per_page=10)
    ids = [r.id for r in page.items]
    names = regions.path_labels(session)
    return _render(request, "rounds/open.html", {
        "page": page, "tracks": services.tracks_by_round(session, ids),
        "budgets": services.budgets(session, ids),
        "eligibility": {r.id: services.eligibility_sentences(r, names) for r in page.items},
        "budget_rules": {r.id: services.budget_rule_sentences(r) for r in page.items},
    })


# ---- detail -------------------------------------------------------------------------------

@login_required
async def round_detail(request: Request) -> Response:
    round_ = _round(request, "round.view")
    session = db(request)
    config = services.load_config(session, round_)
    user = current_user(request)
    moves = workflow.allowed_transitions(round_, user)
    checklist = (workflow.checklist(session, round_, "open", config)
                 if round_.status == "draft" and _staff(request) else [])
    names = regions.path_labels(session)
    source = session.get(Round, round_.copied_from_id) if round_.copied_from_id else None
    return _render(request, "rounds/detail.html", {
        "round": round_, "config": config, "moves": moves, "checklist": checklist,
        "eligibility": services.eligibility_sentences(round_, names),
        "budget_rules": services.budget_rule_sentences(round_),
        "rubric_problems": {s.id: services.rubric_problems(s, config.criteria.get(s.id, []))
                            for s in config.scored_stages},
        "lock_reason": services.lock_reason(round_), "copied_from": source,
        "staff": _staff(request),
    })


# ---- create and the single-form sections -------------------------------------------------

@login_required
async def round_new(request: Request) -> Response:
    require(request, "round.create")
    from grants.timeutil import today

    if request.method == "GET":
        return _render(request, "rounds/new.html", {"values": {"year": today().year},
                                                    "errors": {}})
    data = forms.read_basics(await get_form(request))
    try:
        round_ = services.create(db(request), actor(request), dict(data))
    except FormErrors as exc:
        return _render(request, "rounds/new.html", {"values": data, "errors": exc.errors},
                       status_code=400)
    flash(request, _("Round %(name)s created as a draft. Now attach funds and add tracks.",
                     name=round_.name))
    return redirect(f"/rounds/{round_.id}/edit/funds")


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
               "tranche_rows": forms.TRANCHE_ROWS}
    context.update(extra)
    return context


@login_required
async def round_edit(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    section = request.path_params.get("section", "basics")
    if section not in SECTIONS:
        raise HTTPException(404)
    if section in ("funds", "tracks", "stages"):
        return await _row_page(request, round_, section)
    reader, update, saved_values = FORM_SECTIONS[section]
    if request.method == "GET":
        return _render(request, f"rounds/edit_{section}.html",
                       _section_context(request, round_, section, saved_values(round_)))
    form = await get_form(request)
    data = reader(form)
    session = db(request)
    try:
        update(session, actor(request), round_, dict(data))
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        values = forms.form_values(form)
        if section == "rules":
            values = forms.rules_values_from(data, form)
        elif section == "basics":
            values = {**saved_values(round_), **values}
        return _render(request, f"rounds/edit_{section}.html",
                       _section_context(request, round_, section, values, exc.errors),
                       status_code=400)
    flash(request, _("Changes saved."))
    return redirect(f"/rounds/{round_.id}/edit/{section}")


# ---- row sections: funds, tracks, stages --------------------------------------------------

async def _row_page(request: Request, round_: Round, section: str,
                    error_row: Any = None, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = db(request)
    config = services.load_config(session, round_)
    extra: dict[str, Any] = {"config": config, "error_row": error_row}
    if section == "funds":
        all_funds = list(session.execute(select(Fund).where(Fund.is_active)
                                         .order_by(Fund.name)).scalars())
        extra["funds"] = all_funds
        extra["rooms"] = services.attachable(session, [f.id for f in all_funds], round_.id)
    if section == "stages":
        extra["stage_values"] = {s.id: forms.stage_values(s) for s in config.stages}
        extra["rubric_problems"] = {s.id: services.rubric_problems(s, config.criteria[s.id])
                                    for s in config.scored_stages}
        extra["STAGE_KINDS"] = STAGE_KINDS
    if section == "tracks":
        extra["track_values"] = {t.id: forms.track_values(t) for t in config.tracks}
    return _render(request, f"rounds/edit_{section}.html",
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
    round_ = _round(request, "round.edit")
    form = await get_form(request)
    fund_id, amount, errors = forms.read_fund(form)
    try:
        services.attach_fund(db(request), actor(request), round_, fund_id, amount, errors)
    except FormErrors as exc:
        return await _refused(request, round_, "funds", "new", exc, form)
    flash(request, _("Fund attached."))
    return redirect(f"/rounds/{round_.id}/edit/funds")


@login_required
async def fund_detach(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    link = _child(request, RoundFund, "link_id", round_)
    form = await get_form(request)
    try:
        services.detach_fund(db(request), actor(request), round_, link)
    except FormErrors as exc:
        return await _refused(request, round_, "funds", link.id, exc, form)
    flash(request, _("Fund removed from the round."))
    return redirect(f"/rounds/{round_.id}/edit/funds")


@login_required
async def track_add(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    form = await get_form(request)
    try:
        services.add_track(db(request), actor(request), round_, forms.read_track(form))
    except FormErrors as exc:
        return await _refused(request, round_, "tracks", "new", exc, form)
    flash(request, _("Track added."))
    return redirect(f"/rounds/{round_.id}/edit/tracks")


@login_required
async def track_update(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    track = _child(request, Track, "track_id", round_)
    form = await get_form(request)
    try:
        if form.get("remove"):
            services.remove_track(db(request), actor(request), round_, track)
            flash(request, _("Track removed."))
        else:
            services.update_track(db(request), actor(request), round_, track,
                                  forms.read_track(form))
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        return await _refused(request, round_, "tracks", track.id, exc, form)
    return redirect(f"/rounds/{round_.id}/edit/tracks")


@login_required
async def stage_add(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    form = await get_form(request)
    try:
        stage = services.add_stage(db(request), actor(request), round_, forms.read_stage(form))
    except FormErrors as exc:
        return await _refused(request, round_, "stages", "new", exc, form)
    flash(request, _("Stage added. Review its settings below."))
    return redirect(f"/rounds/{round_.id}/edit/stages#stage-{stage.id}")


@login_required
async def stage_update(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    stage = _child(request, Stage, "stage_id", round_)
    form = await get_form(request)
    session = db(request)
    try:
        if form.get("remove"):
            services.remove_stage(session, actor(request), round_, stage)
            flash(request, _("Stage removed."))
        elif form.get("move") in ("up", "down"):
            services.move_stage(session, actor(request), round_, stage,
                                -1 if form.get("move") == "up" else 1)
        else:
            services.update_stage(session, actor(request), round_, stage,
                                  forms.read_stage(form, stage.kind))
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        return await _refused(request, round_, "stages", stage.id, exc, form)
    return redirect(f"/rounds/{round_.id}/edit/stages")


# ---- the rubric editor ---------------------------------------------------------------------

def _scored_stage(request: Request, round_: Round) -> Stage:
    stage = _child(request, Stage, "stage_id", round_)
    if stage.kind not in choices.SCORED_KINDS:
        raise HTTPException(404)
    return stage


async def _rubric_page(request: Request, round_: Round, stage: Stage, error_row: Any = None,
                       values: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    criteria = services.criteria_of(db(request), stage)
    return _render(request, "rounds/rubric.html", {
        "round": round_, "stage": stage, "criteria": criteria,
        "criterion_values": {c.id: forms.criterion_values(c) for c in criteria},
        "blank_values": forms.blank_criterion_values(),
        "total": sum(c.max_points for c in criteria),
        "problems": services.rubric_problems(stage, criteria),
        "lock_reason": services.lock_reason(round_), "guidance_rows": forms.GUIDANCE_ROWS,
        "error_row": error_row, "values": values or {}, "errors": errors or {},
        "section": "stages", "sections": SECTIONS,
    }, status_code=status_code)


@login_required
async def rubric(request: Request) -> Response:
    round_ = _round(request, "round.view")
    if not _staff(request):
        raise HTTPException(403)
    return await _rubric_page(request, round_, _scored_stage(request, round_))


@login_required
async def criterion_add(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    stage = _scored_stage(request, round_)
    form = await get_form(request)
    session = db(request)
    try:
        services.add_criterion(session, actor(request), round_, stage, forms.read_criterion(form))
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        return await _rubric_page(request, round_, stage, "new", forms.form_values(form),
                                  exc.errors, 400)
    flash(request, _("Criterion added."))
    return redirect(f"/rounds/{round_.id}/stages/{stage.id}/rubric")


@login_required
async def criterion_update(request: Request) -> Response:
    round_ = _round(request, "round.edit")
    stage = _scored_stage(request, round_)
    criterion = get_or_404(db(request), Criterion, path_int(request, "criterion_id"))
    if criterion.stage_id != stage.id:
        raise HTTPException(404)
    form = await get_form(request)
    session = db(request)
    try:
        if form.get("remove"):
            services.remove_criterion(session, actor(request), round_, criterion)
            flash(request, _("Criterion removed."))
        else:
            services.update_criterion(session, actor(request), round_, stage, criterion,
                                      forms.read_criterion(form))
            flash(request, _("Changes saved."))
    except FormErrors as exc:
        session.rollback()
        session.refresh(round_)
        return await _rubric_page(request, round_, stage, criterion.id, forms.form_values(form),
                                  exc.errors, 400)
    return redirect(f"/rounds/{round_.id}/stages/{stage.id}/rubric")


# ---- status moves --------------------------------------------------------------------------

@login_required
async def round_transition(request: Request) -> Response:
    round_ = _round(request, "round.transition")
    target = request.path_params["to"]
    if target not in ROUND_STATUSES:
        raise HTTPException(404)
    session = db(request)
    move = workflow.find(round_.status, target)
    errors: dict[str, str] = {}
    if request.method == "POST":
        await get_form(request)
        try:
            workflow.transition(session, actor(request), require(request, "round.transition",
                                                                 round_), round_, target)
        except FormErrors as exc:
            session.rollback()
            session.refresh(round_)
            errors = exc.errors
        else:
            flash(request, _("The round is now “%(status)s”.",
                             status=workflow.status_label(target)))
            return redirect(f"/rounds/{round_.id}")
    problems = workflow.check_transition(session, round_, target)
    return _render(request, "rounds/transition.html", {
        "round": round_, "target": target, "move": move, "problems": problems,
        "checklist": workflow.checklist(session, round_, target), "errors": errors,
        "allowed": move is not None and move in workflow.allowed_transitions(
            round_, current_user(request)),
    }, status_code=400 if errors else 200)


# ---- copy ----------------------------------------------------------------------------------

@login_required
async def round_copy(request: Request) -> Response:
    source = _round(request, "round.copy")
    if request.method == "GET":
        return _render(request, "rounds/copy.html", {
            "round": source, "errors": {},
            "values": {"name": services.suggested_copy_name(source), "year": source.year + 1}})
    form = await get_form(request)
    data = forms.read_copy(form)
    session = db(request)
    try:
        copy, notes = services.copy_round(session, actor(request), source, dict(data))
    except FormErrors as exc:
        session.rollback()
        return _render(request, "rounds/copy.html", {
            "round": source, "errors": exc.errors, "values": forms.form_values(form)},
            status_code=400)
    flash(request, _("Copied into the draft round %(name)s. Check its dates and funds.",
                     name=copy.name))
    for note in notes:
        flash(request, note, "info")
    return redirect(f"/rounds/{copy.id}")


routes = [
    Route("/rounds", round_list, name="rounds"),
    Route("/rounds/open", round_open_list, name="rounds_open"),
    Route("/rounds/new", round_new, methods=["GET", "POST"], name="round_new"),
    Route("/rounds/{id}", round_detail, name="round_detail"),
    Route("/rounds/{id}/edit", round_edit, methods=["GET", "POST"], name="round_edit"),
    Route("/rounds/{id}/edit/{section}", round_edit, methods=["GET", "POST"],
          name="round_edit_section"),
    Route("/rounds/{id}/funds", fund_attach, methods=["POST"], name="round_fund_attach"),
    Route("/rounds/{id}/funds/{link_id}/remove", fund_detach, methods=["POST"],
          name="round_fund_detach"),
    Route("/rounds/{id}/tracks", track_add, methods=["POST"], name="round_track_add"),
    Route("/rounds/{id}/tracks/{track_id}", track_update, methods=["POST"],
          name="round_track_update"),
    Route("/rounds/{id}/stages", stage_add, methods=["POST"], name="round_stage_add"),
    Route("/rounds/{id}/stages/{stage_id}", stage_update, methods=["POST"],
          name="round_stage_update"),
    Route("/rounds/{id}/stages/{stage_id}/rubric", rubric, name="round_rubric"),
    Route("/rounds/{id}/stages/{stage_id}/criteria", criterion_add, methods=["POST"],
          name="round_criterion_add"),
    Route("/rounds/{id}/stages/{stage_id}/criteria/{criterion_id}", criterion_update,
          methods=["POST"], name="round_criterion_update"),
    Route("/rounds/{id}/transition/{to}", round_transition, methods=["GET", "POST"],
          name="round_transition"),
    Route("/rounds/{id}/copy", round_copy, methods=["GET", "POST"], name="round_copy"),
]
