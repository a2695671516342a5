"""Organisation pages: the organiser's list and editor, and an applicant's own profile."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.accounts.models import User
from grants.auth import actor, current_user, login_required, require
from grants.i18n import gettext as _
from grants.lifecycle import available
from grants.organisations import forms, services, workflow
from grants.organisations.models import Organisation
from grants.pagination import page_number, paginate
from grants.permissions import can
from grants.regions import scope
from grants.regions import services as regions
from grants.regions.models import Region
from grants.timeutil import today
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, query_int, redirect, render


@login_required
async def organisation_list(request: Request) -> Response:
    require(request, "organisation.list")
    session = db(request)
    params = request.query_params
    filters = services.OrgFilters(
        q=params.get("q", "").strip()[:100],
        registration=params.get("registration", ""),
        org_type=params.get("org_type", ""),
        category=params.get("category", ""),
        rating=params.get("rating", ""),
        credit_status=params.get("credit_status", ""),
        street_id=query_int(request, "street_id"),
        community_id=query_int(request, "community_id"),
        sort=params.get("sort", "name"),
        verification=params.get("verification", ""),
    )
    query = scope.restrict(services.search(filters), current_user(request),
                           Organisation.community_id, session)
    page = paginate(session, query, page_number(request), per_page=20)
    streets = list(session.execute(select(Region).where(Region.level == "street")
                                   .order_by(Region.name)).scalars())
    return render(request, "organisations/list.html", {
        "page": page, "filters": filters, "streets": streets,
        "communities": regions.community_choices(session),
        "paths": regions.path_labels(session),
        "verification_states": workflow.STATUSES,
    })


def _form_context(request: Request, values: dict, errors: dict | None = None,
                  org: Organisation | None = None) -> dict:
    user = current_user(request)
    return {
        "values": values, "errors": errors or {}, "org": org,
        "communities": regions.community_choices(db(request), current=org is None),
        "identity_locked": False,
        "identity_by_request": (org is not None and org.verification == "verified"
                                and not can(user, "organisation.edit_identity", org)),
    }


def _scope_problem(request: Request, data: dict) -> dict[str, str]:
    """An organiser places organisations only in communities of their scope."""
    user = current_user(request)
    if data.get("community_id") and not scope.covers(
            db(request), getattr(user, "scope_region_id", None), data["community_id"]):
        return {"community_id": _("Choose a community within your scope.")}
    return {}


@login_required
async def organisation_new(request: Request) -> Response:
    require(request, "organisation.create")
    if request.method == "GET":
        return render(request, "organisations/form.html",
                      _form_context(request, {"registration": "registered",
                                              "party_branch": "none",
                                              "credit_status": "normal"}))
    form = forms.OrganisationForm(await get_form(request))
    errors = {**form.errors, **_scope_problem(request, form.values)}
    try:
        org = services.create(db(request), actor(request), dict(form.values), errors=errors)
    except FormErrors as exc:
        return render(request, "organisations/form.html",
                      _form_context(request, form.values, exc.errors), status_code=400)
    flash(request, _("Organisation %(name)s registered.", name=org.name))
    return redirect(path("organisation_detail", id=org.id))


@login_required
async def organisation_detail(request: Request) -> Response:
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    require(request, "organisation.view", org)
    members = list(session.execute(select(User).where(User.organisation_id == org.id)
                                   .order_by(User.is_org_owner.desc(), User.username)).scalars())
    paths = regions.path_labels(session)
    change = services.pending_change(session, org)
    from grants.organisations import bars

    return render(request, "organisations/detail.html", {
        "org": org, "members": members, "community_path": paths.get(org.community_id or 0, ""),
        "paths": paths, "change": change, "bars": bars.bars_of(session, org.id or 0),
        "active_bar": bars.active_bar(session, org.id), "today": today(),
        "verification_label": workflow.LIFECYCLE.label(org.verification),
        "moves": available(current_user(request), org, "organisation"),
    })


@login_required
async def organisation_edit(request: Request) -> Response:
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    user = require(request, "organisation.edit", org)
    if request.method == "GET":
        return render(request, "organisations/form.html",
                      _form_context(request, forms.values_of(org), org=org))
    form = forms.OrganisationForm(await get_form(request))
    as_organiser = can(user, "organisation.edit_identity", org)
    errors = dict(form.errors)
    if as_organiser:
        errors.update(_scope_problem(request, form.values))
    try:
        change = services.update(session, actor(request), org, dict(form.values),
                                 as_organiser=as_organiser, user=user, errors=errors)
    except FormErrors as exc:
        session.rollback()
        return render(request, "organisations/form.html",
                      _form_context(request, form.values, exc.errors, org=org),
                      status_code=400)
    if change is not None:
        flash(request, _("Changes saved. The change to the organisation's identity waits for an "
                         "organiser's approval; until then the old values hold."))
    else:
        flash(request, _("Changes saved."))
    return redirect(path("organisation_detail", id=org.id))


@login_required
async def my_organisation(request: Request) -> Response:
    user = current_user(request)
    if not can(user, "organisation.mine"):
        raise HTTPException(404, _("Your account does not belong to an organisation."))
    return redirect(path("organisation_detail", id=user.organisation_id))


@login_required
async def organisation_bar_lift(request: Request) -> Response:
    from grants.organisations import bars
    from grants.organisations.models import OrganisationBar

    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    user = require(request, "organisation.bar_lift", org)
    barred = get_or_404(session, OrganisationBar, request.path_params["bar"])
    if barred.organisation_id != org.id:
        raise HTTPException(404)
    form = forms.BarLiftForm(await get_form(request))
    try:
        form.raise_errors()
        bars.lift(session, actor(request), user, barred, form.reason)
    except FormErrors as exc:
        session.rollback()
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, _("The bar is lifted."))
    return redirect(path("organisation_detail", id=org.id) + "#bars")


routes = [
    Route("/organisations", organisation_list, name="organisations"),
    Route("/organisations/new", organisation_new, methods=["GET", "POST"], name="organisation_new"),
    Route("/organisations/{id:id}", organisation_detail, name="organisation_detail"),
    Route("/organisations/{id:id}/edit", organisation_edit, methods=["GET", "POST"],
          name="organisation_edit"),
    Route("/my/organisation", my_organisation, name="my_organisation"),
    Route("/organisations/{id:id}/bars/{bar:id}/lift", organisation_bar_lift, methods=["POST"],
          name="organisation_bar_lift"),
]
