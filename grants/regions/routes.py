"""The organiser's region tree: add districts, streets and communities; rename, move and retire
them (a retired region stays on the records that name it)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, require
from grants.forms import Form
from grants.i18n import gettext as _
from grants.permissions import can, in_scope
from grants.regions import forms, services
from grants.regions.models import Region
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render


@login_required
async def region_tree(request: Request, errors: dict | None = None, values: dict | None = None,
                      status_code: int = 200) -> Response:
    user = require(request, "region.manage")
    session = db(request)
    regions = services.all_regions(session)
    return render(request, "regions/tree.html", {
        "tree": services.tree(session), "regions": regions,
        "errors": errors or {}, "values": values or {},
        # what this organiser may change, and where they may place a region
        "manageable": {r.id for r in regions if can(user, "region.manage", r)},
        "placeable": {r.id for r in regions
                      if user.scope_region_id is None or in_scope(user, r)},
        "platform_wide": user.scope_region_id is None,
    }, status_code=status_code)


def _check_parent(request: Request, parent_id: int | None) -> None:
    """A scoped organiser places regions only within their scope (its own region included)."""
    user = current_user(request)
    if user is None or user.scope_region_id is None:
        return
    parent = db(request).get(Region, parent_id) if parent_id else None
    if parent is None or not in_scope(user, parent):
        raise FormErrors({"parent_id": _("You can only place regions within your own area.")})


@login_required
async def region_new(request: Request) -> Response:
    require(request, "region.manage")
    form = forms.RegionForm(await get_form(request))
    values = form.submitted
    try:
        form.raise_errors()
        _check_parent(request, form.parent_id)
        region = services.create_region(db(request), actor(request), form.name,
                                        form.level or "", form.parent_id)
    except FormErrors as exc:
        return await region_tree.__wrapped__(request, exc.errors, values, 400)
    flash(request, _("%(name)s added.", name=region.name))
    return redirect(path("regions"))


async def _region_action(request: Request, kind: type[Form], work: Any) -> Response:
    """Load the region the organiser may change, read the form `kind`, run
    `work(session, region, form)` — which returns the message to show — and go back to the
    tree; a refusal (or a bad form) changes nothing."""
    session = db(request)
    region = get_or_404(session, Region, path_int(request))
    require(request, "region.manage", region)
    form = kind(await get_form(request))
    try:
        form.raise_errors()
        message = work(session, region, form)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(str(m) for m in exc.errors.values()), "error")
    else:
        flash(request, message)
    return redirect(path("regions"))


@login_required
async def region_rename(request: Request) -> Response:
    def work(session: Any, region: Region, form: forms.RenameForm) -> str:
        services.rename_region(session, actor(request), region, form.name)
        return _("Changes saved.")

    return await _region_action(request, forms.RenameForm, work)


@login_required
async def region_move(request: Request) -> Response:
    def work(session: Any, region: Region, form: forms.MoveForm) -> str:
        _check_parent(request, form.parent_id)
        services.move_region(session, actor(request), region, form.parent_id)
        return _("%(name)s moved.", name=region.name)

    return await _region_action(request, forms.MoveForm, work)


@login_required
async def region_retire(request: Request) -> Response:
    def work(session: Any, region: Region, form: forms.RetireForm) -> str:
        retire = form.retired == "1"
        services.set_retired(session, actor(request), region, retire)
        return (_("%(name)s retired.", name=region.name) if retire
                else _("%(name)s is current again.", name=region.name))

    return await _region_action(request, forms.RetireForm, work)


routes = [
    Route("/admin/regions", region_tree, name="regions"),
    Route("/admin/regions/new", region_new, methods=["POST"], name="region_new"),
    Route("/admin/regions/{id:id}/rename", region_rename, methods=["POST"], name="region_rename"),
    Route("/admin/regions/{id:id}/move", region_move, methods=["POST"], name="region_move"),
    Route("/admin/regions/{id:id}/retire", region_retire, methods=["POST"], name="region_retire"),
]
