"""Self-registration (public), verification by an organiser in scope, identity change
requests, and invitations to join an organisation."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, login_session, require
from grants.i18n import gettext as _
from grants.lifecycle import Refused
from grants.organisations import forms, registration, services, workflow
from grants.organisations.models import Organisation, OrganisationChange
from grants.regions import services as regions
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render

DECISIONS = ("verify", "request_correction", "reject", "resubmit")


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _register_page(request: Request, values: dict, errors: dict | None = None,
                   status_code: int = 200) -> Response:
    return render(request, "organisations/register.html", {
        "values": values, "errors": errors or {},
        "communities": regions.community_choices(db(request), current=True),
    }, status_code=status_code)


async def register(request: Request) -> Response:
    """The public registration page: an organisation and its owner's login, pending."""
    if current_user(request) is not None:
        return redirect(path("home"))
    if request.method == "GET":
        return _register_page(request, {"registration": "registered"})
    session = db(request)
    form = await get_form(request)
    if not registration.count_attempt(session, _client_ip(request)):
        return _register_page(request, {"registration": "registered"}, {
            "form": _("Too many registrations from your address. Try again in an hour.")},
            status_code=429)
    read = forms.RegistrationForm(form)
    try:
        org, owner = registration.register(session, actor(request), dict(read.values),
                                           read.account, errors=read.errors)
    except FormErrors as exc:
        return _register_page(request, read.shown, exc.errors, status_code=400)
    session.flush()
    login_session(request, owner)
    flash(request, _("%(name)s is registered and waits for verification by an organiser. "
                     "You will be notified.", name=org.name))
    return redirect(path("organisation_detail", id=org.id))


@login_required
async def verification(request: Request) -> Response:
    """verify / request_correction / reject (organiser in scope) or resubmit (applicant)."""
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    action = request.path_params["action"]
    if action not in DECISIONS:
        raise HTTPException(404)
    user = require(request, f"organisation.{action}", org)
    form = forms.DecisionReasonForm(await get_form(request))
    if form.errors:
        flash(request, " ".join(form.errors.values()), "error")
        return redirect(path("organisation_detail", id=org.id))
    try:
        registration.decide(session, actor(request), user, org, action, form.reason)
    except Refused as exc:
        session.rollback()
        flash(request, " ".join(exc.problems), "error")
        return redirect(path("organisation_detail", id=org.id))
    flash(request, _("Done: %(status)s.", status=workflow.LIFECYCLE.label(org.verification)))
    return redirect(path("organisation_detail", id=org.id))


@login_required
async def change_decision(request: Request) -> Response:
    """An organiser in scope approves or refuses an identity change request."""
    session = db(request)
    change = get_or_404(session, OrganisationChange, path_int(request))
    require(request, "organisation.decide_change", change)
    form = forms.ChangeDecisionForm(await get_form(request))
    approve = form.decision == "approve"
    try:
        form.raise_errors()
        services.decide_change(session, actor(request), change, approve, form.reason)
    except FormErrors as exc:
        session.rollback()
        flash(request, " ".join(exc.errors.values()), "error")
        return redirect(path("organisation_detail", id=change.organisation_id))
    flash(request, _("The change is approved and applied.") if approve
          else _("The change is refused."))
    return redirect(path("organisation_detail", id=change.organisation_id))


@login_required
async def invite(request: Request) -> Response:
    """The owner makes a one-time link for a new member (shown once)."""
    session = db(request)
    org = get_or_404(session, Organisation, path_int(request))
    user = require(request, "organisation.invite", org)
    token = registration.invite(session, actor(request), user, org)
    return render(request, "organisations/invited.html", {
        "org": org, "link": path("organisation_join", token=token),
        "days": registration.INVITATION_DAYS})


async def join(request: Request) -> Response:
    """A new member's page behind a one-time link: choose a login and join."""
    session = db(request)
    invitation = registration.invitation_for(session, request.path_params["token"])
    if invitation is None:
        raise HTTPException(404, _("This invitation link is not valid any more."))
    context = {"org": invitation.organisation, "token": request.path_params["token"],
               "values": {}, "errors": {}}
    if request.method == "GET":
        return render(request, "organisations/join.html", context)
    account = forms.JoinForm(await get_form(request)).account
    try:
        member = registration.join(session, actor(request), invitation, account)
    except FormErrors as exc:
        context.update(values={k: account[k] for k in ("username", "email", "display_name")},
                       errors=exc.errors)
        return render(request, "organisations/join.html", context, status_code=400)
    session.flush()
    login_session(request, member)
    flash(request, _("Welcome: you joined %(name)s.", name=invitation.organisation.name))
    return redirect(path("organisation_detail", id=invitation.organisation_id))


routes = [
    Route("/register", register, methods=["GET", "POST"], name="organisation_register"),
    Route("/join/{token:str}", join, methods=["GET", "POST"], name="organisation_join"),
    Route("/organisations/{id:id}/verification/{action:str}", verification, methods=["POST"],
          name="organisation_verification"),
    Route("/organisations/{id:id}/invite", invite, methods=["POST"], name="organisation_invite"),
    Route("/organisation-changes/{id:id}/decide", change_decision, methods=["POST"],
          name="organisation_change_decide"),
]
