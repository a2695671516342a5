"""Log in and out, change a password, and the organiser's user management."""

from __future__ import annotations

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import audit
from grants.accounts import forms, services
from grants.accounts.models import User
from grants.auth import (
    actor,
    authenticate,
    current_user,
    is_throttled,
    login_required,
    login_session,
    logout_session,
    require,
)
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.pagination import page_number, paginate
from grants.permissions import can
from grants.regions import scope
from grants.urls import path
from grants.validation import FormErrors
from grants.vocab import ROLES
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def login(request: Request) -> Response:
    next_url = _safe_next(request.query_params.get("next", "/"))
    if request.method == "GET":
        if current_user(request) is not None:
            return redirect(next_url)
        return render(request, "accounts/login.html", {"next": next_url})
    form = forms.LoginForm(await get_form(request))
    username, password = form.login_name, form.secret
    next_url = _safe_next(form.next or "/")
    session = db(request)
    ip = request.client.host if request.client else ""
    if is_throttled(session, username, ip):
        return render(request, "accounts/login.html", {
            "next": next_url, "username": username,
            "error": _("Too many failed attempts. Wait 15 minutes, or ask an organiser "
                       "to reset your password."),
        }, status_code=429)
    user = authenticate(session, username, password, ip)
    if user is None:
        # The failure must be counted even though the response is an error.
        session.commit()
        return render(request, "accounts/login.html", {
            "next": next_url, "username": username,
            "error": _("The username or password is not right."),
        }, status_code=400)
    login_session(request, user)
    audit.record(session, audit.Actor(user.id, user.username, ip), "user.login", user,
                 after={"username": user.username})
    return redirect(next_url)


async def logout(request: Request) -> Response:
    user = current_user(request)
    if user is not None:
        audit.record(db(request), actor(request), "user.logout", user,
                     after={"username": user.username})
    logout_session(request)
    return redirect(path("login"))


@login_required
async def change_password(request: Request) -> Response:
    user = require(request, "account.use")
    if request.method == "GET":
        return render(request, "accounts/password.html", {})
    form = forms.PasswordForm(await get_form(request))
    try:
        services.change_password(db(request), actor(request), user, form.current, form.new,
                                 form.repeat)
    except FormErrors as exc:
        return render(request, "accounts/password.html", {"errors": exc.errors}, status_code=400)
    login_session(request, user)
    flash(request, _("Password changed."))
    return redirect(path("home"))


@login_required
async def user_list(request: Request) -> Response:
    require(request, "user.manage")
    session = db(request)
    q = request.query_params.get("q", "").strip()[:64]
    role = request.query_params.get("role", "")
    query = select(User).order_by(User.role, User.username)
    if q:
        query = query.where(or_(User.username.ilike(f"%{q}%"),
                                User.display_name.ilike(f"%{q}%")))
    if role in ROLES:
        query = query.where(User.role == role)
    ids = scope.region_ids(session, current_user(request).scope_region_id)
    if ids is not None:
        in_orgs = select(Organisation.id).where(Organisation.community_id.in_(ids or {-1}))
        query = query.where(or_(User.organisation_id.in_(in_orgs),
                                User.scope_region_id.in_(ids or {-1})))
    page = paginate(session, query, page_number(request), per_page=25)
    org_ids = {u.organisation_id for u in page.items if u.organisation_id}
    orgs = {o.id: o for o in session.execute(
        select(Organisation).where(Organisation.id.in_(org_ids))).scalars()} if org_ids else {}
    return render(request, "accounts/users.html",
                  {"page": page, "q": q, "role": role, "orgs": orgs})


def _org_choices(request: Request) -> list[tuple[int, str]]:
    session = db(request)
    rows = session.execute(scope.restrict(select(Organisation.id, Organisation.name),
                                          current_user(request), Organisation.community_id,
                                          session).order_by(Organisation.name_sort, Organisation.name)).all()
    return [(r.id, r.name) for r in rows]


@login_required
async def user_new(request: Request) -> Response:
    me = require(request, "user.manage")
    session = db(request)
    context: dict[str, object] = {"orgs": _org_choices(request),
                                  "regions": scope.region_choices(session, me),
                                  "platform_wide": me.scope_region_id is None,
                                  "values": {"scope_region_id": me.scope_region_id}}
    if request.method == "GET":
        return render(request, "accounts/user_new.html", context)
    form = forms.NewUserForm(await get_form(request))
    organisation = (session.get(Organisation, form.organisation_id)
                    if form.organisation_id else None)
    # An organiser's scope lies within the creator's (blank: the creator's own scope).
    scope_id = form.scope_region_id or me.scope_region_id
    if organisation is not None and not can(me, "organisation.view", organisation):
        form.fail("organisation_id", _("Not a valid choice."))
    if scope_id is not None and form.role == "organiser":
        problem = scope.check_region(session, me, scope_id)
        if problem:
            form.fail("scope_region_id", _(problem))
    try:
        form.raise_errors()
        user = services.create_user(
            session, actor(request), username=form.username, display_name=form.display_name,
            role=form.role, password=form.password, email=form.email,
            organisation=organisation, is_owner=form.is_owner, must_change_password=True,
            scope_region_id=scope_id if form.role == "organiser" else None)
    except FormErrors as exc:
        context.update(errors=exc.errors, values=form.submitted)
        return render(request, "accounts/user_new.html", context, status_code=400)
    flash(request, _("User %(name)s created. They must change the password at first login.",
                     name=user.username))
    return redirect(path("user_detail", id=user.id))


@login_required
async def user_detail(request: Request) -> Response:
    session = db(request)
    user = get_or_404(session, User, path_int(request))
    require(request, "user.manage", user)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return render(request, "accounts/user_detail.html", {"subject": user, "org": org})


@login_required
async def user_reset_password(request: Request) -> Response:
    session = db(request)
    user = get_or_404(session, User, path_int(request))
    require(request, "user.manage", user)
    temporary = services.reset_password(session, actor(request), user)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    page = render(request, "accounts/user_detail.html",
                  {"subject": user, "org": org, "temporary_password": temporary})
    page.headers["cache-control"] = "no-store"  # the page shows a secret
    return page


@login_required
async def user_set_active(request: Request) -> Response:
    session = db(request)
    user = get_or_404(session, User, path_int(request))
    me = require(request, "user.manage", user)
    active = forms.ActiveForm(await get_form(request)).active
    if user.id == me.id and not active:
        flash(request, _("You cannot deactivate your own account."), "error")
        return redirect(path("user_detail", id=user.id))
    services.set_active(session, actor(request), user, active)
    flash(request, _("Account activated.") if active else _("Account deactivated."))
    return redirect(path("user_detail", id=user.id))


routes = [
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/account/password", change_password, methods=["GET", "POST"], name="password"),
    Route("/admin/users", user_list, name="users"),
    Route("/admin/users/new", user_new, methods=["GET", "POST"], name="user_new"),
    Route("/admin/users/{id:id}", user_detail, name="user_detail"),
    Route("/admin/users/{id:id}/reset-password", user_reset_password, methods=["POST"],
          name="user_reset_password"),
    Route("/admin/users/{id:id}/active", user_set_active, methods=["POST"], name="user_set_active"),
]
