"""Round pages: the list, the open rounds' public page, the detail, creating a round, status
moves with confirmation and copying a round. The editor's pages are in `editor`."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import lifecycle
from grants.auth import actor, current_user, login_required, require
from grants.i18n import gettext as _
from grants.i18n import ngettext
from grants.pagination import page_number, paginate
from grants.permissions import can
from grants.regions import scope
from grants.regions import services as regions
from grants.rounds import copying, forms, listing, rubrics, services, summaries, workflow
from grants.rounds.models import Round
from grants.rounds.routes.common import render_page, round_or_404
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, query_int, redirect

# ---- lists --------------------------------------------------------------------------------

@login_required
async def round_list(request: Request) -> Response:
    require(request, "round.list")
    session = db(request)
    params = request.query_params
    filters = listing.RoundFilters(q=params.get("q", "").strip()[:100],
                                   year=query_int(request, "year", max_digits=4),
                                   status=params.get("status", ""))
    query = scope.restrict(listing.search(filters), current_user(request), Round.region_id,
                           session)
    page = paginate(session, query, page_number(request), per_page=20)
    ids = [r.id for r in page.items]
    return render_page(request, "rounds/list.html", {
        "page": page, "filters": filters, "years": listing.years(session),
        "budgets": listing.budgets(session, ids),
    })


@login_required
async def round_open_list(request: Request) -> Response:
    user = require(request, "round.browse_open")
    session = db(request)
    # An organiser sees the open rounds of their own scope (others' would answer 404).
    query = scope.restrict(listing.accepting(), user, Round.region_id, session)
    page = paginate(session, query.order_by(Round.closes_at, Round.name), page_number(request),
                    per_page=10)
    ids = [r.id for r in page.items]
    names = regions.path_labels(session)
    standing = {}  # an applicant's organisation: why it may not apply, said before it tries
    if can(user, "application.mine"):
        from grants.applications.services import standing as standing_of

        standing = {r.id: standing_of(session, r, user.organisation_id) for r in page.items}
    return render_page(request, "rounds/open.html", {
        "standing": standing,
        "page": page, "tracks": listing.tracks_by_round(session, ids),
        "budgets": listing.budgets(session, ids),
        "eligibility": {r.id: summaries.eligibility_sentences(r, names) for r in page.items},
        "budget_rules": {r.id: summaries.budget_rule_sentences(r) for r in page.items},
    })


# ---- detail -------------------------------------------------------------------------------

@login_required
async def round_detail(request: Request) -> Response:
    round_ = round_or_404(request, "round.view")
    session = db(request)
    config = services.load_config(session, round_)
    user = current_user(request)
    moves = lifecycle.available(user, round_, "round")
    checklist = (lifecycle.checklist(session, "round.open", round_, config)
                 if can(user, "round.open", round_) else [])
    names = regions.path_labels(session)
    source = session.get(Round, round_.copied_from_id) if round_.copied_from_id else None
    standing = None  # for an applicant, whether (and why not) their organisation may apply
    if can(user, "application.mine") and round_.status == "open":
        from grants.applications.services import standing as standing_of

        standing = standing_of(session, round_, user.organisation_id if user else None)
    return render_page(request, "rounds/detail.html", {
        "standing": standing,
        "round": round_, "config": config, "moves": moves, "checklist": checklist,
        "eligibility": summaries.eligibility_sentences(round_, names),
        "budget_rules": summaries.budget_rule_sentences(round_),
        "rubric_problems": {s.id: rubrics.rubric_problems(s, config.criteria.get(s.id, []))
                            for s in config.scored_stages},
        "lock_reason": services.lock_reason(round_), "copied_from": source,
        "staff": can(user, "round.edit", round_),
    })


# ---- create -------------------------------------------------------------------------------

@login_required
async def round_new(request: Request) -> Response:
    user = require(request, "round.create")
    from grants.timeutil import today

    if request.method == "GET":
        return render_page(request, "rounds/new.html", {
            "values": {"year": today().year, "region_id": user.scope_region_id}, "errors": {},
            "regions": scope.region_choices(db(request), user)})
    form = await get_form(request)
    read = forms.BasicsForm(form)
    data = read.data
    data.setdefault("region_id", None)
    try:
        round_ = services.create(db(request), actor(request), data, user, errors=read.errors)
    except FormErrors as exc:
        return render_page(request, "rounds/new.html", {
            "values": data, "errors": exc.errors,
            "regions": scope.region_choices(db(request), user)}, status_code=400)
    flash(request, _("Round %(name)s created as a draft. Now attach funds and add tracks.",
                     name=round_.name))
    return redirect(path("round_edit_section", id=round_.id, section='funds'))


# ---- status moves --------------------------------------------------------------------------

@login_required
async def round_transition(request: Request) -> Response:
    round_ = round_or_404(request, "round.manage")
    target = request.path_params["to"]
    if target not in workflow.STATUSES:
        raise HTTPException(404)
    session = db(request)
    user = current_user(request)
    move = workflow.LIFECYCLE.leading_to(round_.status, target)
    action = f"round.{move.action}" if move else ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        await get_form(request)
        try:
            workflow.transition(session, actor(request), user, round_, target)
        except FormErrors as exc:
            session.rollback()
            session.refresh(round_)
            errors = exc.errors
        else:
            flash(request, _("The round is now “%(status)s”.",
                             status=workflow.status_label(target)))
            return redirect(path("round_detail", id=round_.id))
    allowed = move is not None and can(user, action, round_)
    checklist = lifecycle.checklist(session, action, round_) if allowed else []
    return render_page(request, "rounds/transition.html", {
        "round": round_, "target": target, "move": move, "checklist": checklist,
        "problems": [p for _label, found in checklist for p in found], "errors": errors,
        "allowed": allowed,
    }, status_code=400 if errors else 200)


# ---- copy ----------------------------------------------------------------------------------

@login_required
async def round_copy(request: Request) -> Response:
    source = round_or_404(request, "round.copy")
    if request.method == "GET":
        return render_page(request, "rounds/copy.html", {
            "round": source, "errors": {},
            "values": {"name": copying.suggested_copy_name(source), "year": source.year + 1}})
    form = await get_form(request)
    read = forms.CopyForm(form)
    session = db(request)
    try:
        copy, notes = copying.copy_round(session, actor(request), source, read.data,
                                         errors=read.errors)
    except FormErrors as exc:
        session.rollback()
        return render_page(request, "rounds/copy.html", {
            "round": source, "errors": exc.errors, "values": forms.form_values(form)},
            status_code=400)
    flash(request, _("Copied into the draft round %(name)s. Check its dates and funds.",
                     name=copy.name))
    for note in notes:
        flash(request, note, "info")
    return redirect(path("round_detail", id=copy.id))


# ---- extending the deadline ---------------------------------------------------------------

@login_required
async def round_extend(request: Request) -> Response:
    round_ = round_or_404(request, "round.extend")
    context = {"round": round_, "errors": {},
               "values": {"closes_at": forms.window_values(round_)["closes_at"]}}
    if request.method == "GET":
        return render_page(request, "rounds/extend.html", context)
    form = await get_form(request)
    session = db(request)
    try:
        read = forms.ExtensionForm(form)
        told = services.extend_deadline(session, actor(request), round_, read.data,
                                        errors=read.errors)
    except FormErrors as exc:
        session.rollback()
        return render_page(request, "rounds/extend.html", {
            **context, "errors": exc.errors, "values": forms.form_values(form)},
            status_code=400)
    flash(request, ngettext("The deadline is extended; %(num)s person was told.",
                            "The deadline is extended; %(num)s people were told.", told))
    return redirect(path("round_detail", id=round_.id))


routes = [
    Route("/rounds", round_list, name="rounds"),
    Route("/rounds/open", round_open_list, name="rounds_open"),
    Route("/rounds/new", round_new, methods=["GET", "POST"], name="round_new"),
    Route("/rounds/{id:id}", round_detail, name="round_detail"),
    Route("/rounds/{id:id}/transition/{to:str}", round_transition, methods=["GET", "POST"],
          name="round_transition"),
    Route("/rounds/{id:id}/copy", round_copy, methods=["GET", "POST"], name="round_copy"),
    Route("/rounds/{id:id}/extend", round_extend, methods=["GET", "POST"], name="round_extend"),
]
