"""The organiser's region tree: add districts, streets and communities; rename, move and retire
them (a retired region stays on the records that name it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, login_required, require
from grants.i18n import gettext as _
from grants.regions import services
from grants.regions.models import Region
from grants.urls import path
from grants.validation import FormErrors
from grants.web import Cleaner, db, flash, get_form, get_or_404, path_int, redirect, render


@login_required
async def region_tree(request: Request, errors: dict | None = None, values: dict | None = None,
                      status_code: int = 200) -> Response:
    require(request, "region.manage")
    session = db(request)
    return render(request, "regions/tree.html", {
        "tree": services.tree(session), "regions": services.all_regions(session),
        "errors": errors or {}, "values": values or {},
    }, status_code=status_code)


@login_required
async def region_new(request: Request) -> Response:
    require(request, "region.manage")
    form = await get_form(request)
    clean = Cleaner(form)
    values = {"name": clean.raw("name"), "level": clean.raw("level"),
              "parent_id": clean.raw("parent_id")}
    try:
        parent_id = clean.integer("parent_id", minimum=1)
        clean.check()
        region = services.create_region(db(request), actor(request), clean.raw("name"),
                                        clean.raw("level"), parent_id)
    except FormErrors as exc:
        return await region_tree.__wrapped__(request, exc.errors, values, 400)
    flash(request, _("%(name)s added.", name=region.name))
    return redirect(path("regions"))


@login_required
async def region_rename(request: Request) -> Response:
    require(request, "region.manage")
    session = db(request)
    region = get_or_404(session, Region, path_int(request))
    form = await get_form(request)
    try:
        services.rename_region(session, actor(request), region, str(form.get("name", "")))
    except FormErrors as exc:
        flash(request, exc.errors["name"], "error")
        session.rollback()
        return redirect(path("regions"))
    flash(request, _("Changes saved."))
    return redirect(path("regions"))


@login_required
async def region_move(request: Request) -> Response:
    require(request, "region.manage")
    session = db(request)
    region = get_or_404(session, Region, path_int(request))
    form = await get_form(request)
    raw = str(form.get("parent_id", "")).strip()
    try:
        services.move_region(session, actor(request), region,
                             int(raw) if raw.isdigit() and len(raw) < 12 else None)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(str(m) for m in exc.errors.values()), "error")
        return redirect(path("regions"))
    flash(request, _("%(name)s moved.", name=region.name))
    return redirect(path("regions"))


@login_required
async def region_retire(request: Request) -> Response:
    require(request, "region.manage")
    session = db(request)
    region = get_or_404(session, Region, path_int(request))
    form = await get_form(request)
    retire = form.get("retired") == "1"
    try:
        services.set_retired(session, actor(request), region, retire)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(str(m) for m in exc.errors.values()), "error")
        return redirect(path("regions"))
    flash(request, _("%(name)s retired.", name=region.name) if retire
          else _("%(name)s is current again.", name=region.name))
    return redirect(path("regions"))


routes = [
    Route("/admin/regions", region_tree, name="regions"),
    Route("/admin/regions/new", region_new, methods=["POST"], name="region_new"),
    Route("/admin/regions/{id:id}/rename", region_rename, methods=["POST"], name="region_rename"),
    Route("/admin/regions/{id:id}/move", region_move, methods=["POST"], name="region_move"),
    Route("/admin/regions/{id:id}/retire", region_retire, methods=["POST"], name="region_retire"),
]
