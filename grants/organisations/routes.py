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
from grants.organisations import forms, services
from grants.organisations.models import Organisation
from grants.permissions import can
from grants.regions import services as regions
from grants.regions.models import Region
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
    )
    page = paginate(session, services.search(filters), page_number(request), per_page=20)
    streets = list(session.execute(select(Region).where(Region.level == "street")
                                   .order_by(Region.name)).scalars())
    return render(request, "organisations/list.html", {
        "page": page, "filters": filters, "streets": streets,
        "communities": regions.community_choices(session),
        "paths": regions.path_labels(session),
    })


def _form_context(request: Request, values: dict, errors: dict | None = None,
                  org: Organisation | None = None) -> dict:
    user = current_user(request)
    return {
        "values": values, "errors": errors or {}, "org": org,
        "communities": regions.community_choices(db(request)),
        "identity_locked": org is not None and not can(user, "organisation.edit_identity", org),
    }


@login_required
async def organisation_new(request: Request) -> Response:
    require(request, "organisation.create")
    if request.method == "GET":
        return render(request, "organisations/form.html",
                      _form_context(request, {"registration": "registered",
                                              "party_branch": "none",
                                              "credit_status": "normal"}))
    data = forms.read(await get_form(request))
    try:
        org = services.create(db(request), actor(request), dict(data))
    except FormErrors as exc:
        return render(request, "organisations/form.html",
                      _form_context(request, data, exc.errors), status_code=400)
    flash(request, _("Organisation %(name)s registered.", name=org.name))
    return redirect(f"/organisations/{org.id}")


@login_required
async def organisation_detail(request: Request) -> Response:
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    require(request, "organisation.view", org)
    members = list(session.execute(select(User).where(User.organisation_id == org.id)
                                   .order_by(User.is_org_owner.desc(), User.username)).scalars())  # type: ignore[attr-defined]
    community_path = regions.path_labels(session).get(org.community_id or 0, "")
    return render(request, "organisations/detail.html",
                  {"org": org, "members": members, "community_path": community_path})


@login_required
async def organisation_edit(request: Request) -> Response:
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    user = require(request, "organisation.edit", org)
    if request.method == "GET":
        return render(request, "organisations/form.html",
                      _form_context(request, forms.values_of(org), org=org))
    data = forms.read(await get_form(request))
    try:
        services.update(session, actor(request), org, dict(data),
                        as_organiser=can(user, "organisation.edit_identity", org))
    except FormErrors as exc:
        session.rollback()
        return render(request, "organisations/form.html",
                      _form_context(request, data, exc.errors, org=org), status_code=400)
    flash(request, _("Changes saved."))
    return redirect(f"/organisations/{org.id}")


@login_required
async def my_organisation(request: Request) -> Response:
    user = current_user(request)
    if not can(user, "organisation.mine"):
        raise HTTPException(404, _("Your account does not belong to an organisation."))
    return redirect(f"/organisations/{user.organisation_id}")


routes = [
    Route("/organisations", organisation_list, name="organisations"),
    Route("/organisations/new", organisation_new, methods=["GET", "POST"], name="organisation_new"),
    Route("/organisations/{id}", organisation_detail, name="organisation_detail"),
    Route("/organisations/{id}/edit", organisation_edit, methods=["GET", "POST"],
          name="organisation_edit"),
    Route("/my/organisation", my_organisation, name="my_organisation"),
]
