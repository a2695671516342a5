"""Fund pages: list with balances, the editor, and the ledger."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, require
from grants.funds import forms, services
from grants.funds.models import Fund, FundEntry
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.pagecache import one_time_key
from grants.pagination import page_number, paginate
from grants.regions import scope
from grants.regions import services as regions
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render


@login_required
async def fund_list(request: Request) -> Response:
    user = require(request, "fund.list")
    session = db(request)
    page = paginate(session, services.visible_funds(user, session), page_number(request), per_page=20)
    org_ids = {i for f in page.items for i in (f.owner_org_id, f.host_org_id) if i}
    orgs = _orgs(request, org_ids)
    return render(request, "funds/list.html", {
        "page": page, "balances": services.balances(session, [f.id for f in page.items]),
        "orgs": orgs,
    })


def _orgs(request: Request, ids: set[int]) -> dict[int, Organisation]:
    if not ids:
        return {}
    return {o.id: o for o in db(request).execute(
        select(Organisation).where(Organisation.id.in_(ids))).scalars()}


def _form_context(request: Request, values: dict, errors: dict | None = None,
                  fund: Fund | None = None) -> dict:
    session = db(request)
    orgs = session.execute(select(Organisation.id, Organisation.name, Organisation.org_type)
                           .order_by(Organisation.name_sort, Organisation.name)).all()
    return {"values": values, "errors": errors or {}, "fund": fund,
            "orgs": [(o.id, o.name) for o in orgs],
            "foundations": [(o.id, o.name) for o in orgs if o.org_type == "foundation"],
            "communities": regions.community_choices(session),
            "regions": scope.region_choices(session, current_user(request)),
            "platform_wide": current_user(request).scope_region_id is None}


@login_required
async def fund_new(request: Request) -> Response:
    user = require(request, "fund.create")
    if request.method == "GET":
        return render(request, "funds/form.html", _form_context(request, {}))
    form = forms.FundForm(await get_form(request))
    try:
        fund = services.create(db(request), actor(request), dict(form.values), user,
                               errors=form.errors)
    except FormErrors as exc:
        return render(request, "funds/form.html",
                      _form_context(request, form.values, exc.errors), status_code=400)
    flash(request, _("Fund %(name)s created. Record its contributions in the ledger.",
                     name=fund.name))
    return redirect(path("fund_detail", id=fund.id))


@login_required
async def fund_detail(request: Request, entry_values: dict | None = None,
                      entry_errors: dict | None = None, status_code: int = 200) -> Response:
    session = db(request)
    fund = get_or_404(session, Fund, path_int(request))
    require(request, "fund.view", fund)
    orgs = _orgs(request, {i for i in (fund.owner_org_id, fund.host_org_id) if i})
    return render(request, "funds/detail.html", {
        "fund": fund, "orgs": orgs, "balance": services.balances(session, [fund.id])[fund.id],
        "entries": services.entries(session, fund),
        "paths": regions.path_labels(session),
        "entry_values": entry_values or {}, "entry_errors": entry_errors or {},
        # the entry form's one-time key (the same form sent twice records one entry)
        "form_key": one_time_key(request),
    }, status_code=status_code)


@login_required
async def fund_edit(request: Request) -> Response:
    session = db(request)
    fund = get_or_404(session, Fund, path_int(request))
    user = require(request, "fund.edit", fund)
    if request.method == "GET":
        return render(request, "funds/form.html",
                      _form_context(request, forms.values_of(fund), fund=fund))
    form = forms.FundForm(await get_form(request))
    try:
        services.update(session, actor(request), fund, dict(form.values), user,
                        errors=form.errors)
    except FormErrors as exc:
        session.rollback()
        return render(request, "funds/form.html",
                      _form_context(request, form.values, exc.errors, fund), status_code=400)
    flash(request, _("Changes saved."))
    return redirect(path("fund_detail", id=fund.id))


@login_required
async def fund_entry_new(request: Request) -> Response:
    session = db(request)
    fund = get_or_404(session, Fund, path_int(request))
    require(request, "fund.record_entry", fund)
    form = forms.EntryForm(await get_form(request))
    errors = form.errors
    entry = None
    if not errors:
        try:
            entry = services.add_entry(session, actor(request), fund,
                                       **{**form.values, "form_key": form.form_key or None})
        except FormErrors as exc:
            errors = exc.errors
        except services.DuplicateEntry:
            session.rollback()
            flash(request, _("This form was already sent and its entry recorded; nothing was "
                             "added a second time."), "warning")
            return redirect(path("fund_detail", id=fund.id))
    if errors:
        session.rollback()
        values = {k: v for k, v in form.submitted.items() if k != "form_key"}
        return await fund_detail.__wrapped__(request, values, errors, 400)
    if entry is not None and entry.status == "pending":
        flash(request, _("Adjustment out recorded as pending: it counts once another organiser "
                         "or finance user approves it."))
    else:
        flash(request, _("Ledger entry recorded."))
    return redirect(path("fund_detail", id=fund.id))


@login_required
async def fund_entry_decide(request: Request) -> Response:
    session = db(request)
    fund = get_or_404(session, Fund, path_int(request))
    entry = get_or_404(session, FundEntry, path_int(request, "entry_id"))
    if entry.fund_id != fund.id:
        raise HTTPException(404)
    require(request, "fund.decide_entry", entry)
    approve = request.url.path.endswith("/approve")
    user = current_user(request)
    assert user is not None
    try:
        services.decide_entry(session, actor(request), user, entry, approve)
    except FormErrors as exc:
        session.rollback()
        return await fund_detail.__wrapped__(request, {}, exc.errors, 400)
    flash(request, _("Entry approved: it now counts in the balance.") if approve
          else _("Entry rejected: it does not count."))
    return redirect(path("fund_detail", id=fund.id))


@login_required
async def fund_entry_reverse(request: Request) -> Response:
    """Correct a contribution or adjustment by a reversing entry (never by editing it)."""
    session = db(request)
    fund = get_or_404(session, Fund, path_int(request))
    entry = get_or_404(session, FundEntry, path_int(request, "entry_id"))
    if entry.fund_id != fund.id:
        raise HTTPException(404)
    require(request, "fund.record_entry", fund)
    form = forms.ReverseForm(await get_form(request))
    try:
        form.raise_errors()
        services.reverse_entry(session, actor(request), entry, form.reason)
    except FormErrors as exc:
        session.rollback()
        return await fund_detail.__wrapped__(request, {}, exc.errors, 400)
    flash(request, _("The entry is reversed by a correcting entry."))
    return redirect(path("fund_detail", id=fund.id))


routes = [
    Route("/funds", fund_list, name="funds"),
    Route("/funds/new", fund_new, methods=["GET", "POST"], name="fund_new"),
    Route("/funds/{id:id}", fund_detail, name="fund_detail"),
    Route("/funds/{id:id}/edit", fund_edit, methods=["GET", "POST"], name="fund_edit"),
    Route("/funds/{id:id}/entries", fund_entry_new, methods=["POST"], name="fund_entry_new"),
    Route("/funds/{id:id}/entries/{entry_id:id}/reverse", fund_entry_reverse, methods=["POST"],
          name="fund_entry_reverse"),
    Route("/funds/{id:id}/entries/{entry_id:id}/approve", fund_entry_decide, methods=["POST"],
          name="fund_entry_approve"),
    Route("/funds/{id:id}/entries/{entry_id:id}/reject", fund_entry_decide, methods=["POST"],
          name="fund_entry_reject"),
]
