"""Organisations sign themselves up: the public registration, its verification by an
organiser in scope, and invitations that let the owner add members.

The registration form may be sent a few times an hour per address
(`REGISTRATION_MAX_PER_HOUR`); the attempts are counted in their own transaction so that a
refused form (rolled back with the request) still counts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts import services as accounts
from grants.accounts.models import User
from grants.auth import password_problem
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.notifications import services as notifications
from grants.organisations import services
from grants.organisations.models import Organisation, OrganisationInvitation, RegistrationAttempt
from grants.organisations.workflow import Verification
from grants.settings import get_settings
from grants.timeutil import now
from grants.urls import path
from grants.validation import FormErrors, is_email

INVITATION_DAYS = 7
# What a self-registering organisation fills in about itself; the organiser assesses the rest.
REGISTRATION_FIELDS = ("name", "registration", "credit_code", "filing_number", "org_type",
                       "category", "community_id", "contact_person", "contact_phone")


# ---- rate limit --------------------------------------------------------------------------

def attempts_this_hour(session: Session, ip: str) -> int:
    since = now() - timedelta(hours=1)
    return int(session.execute(select(func.count()).select_from(RegistrationAttempt).where(
        RegistrationAttempt.ip == ip, RegistrationAttempt.at >= since)).scalar_one())


def count_attempt(session: Session, ip: str) -> bool:
    """Count one attempt from `ip` (committed on its own); False when over the limit."""
    with Session(session.get_bind()) as own:
        allowed = attempts_this_hour(own, ip) < get_settings().registration_max_per_hour
        own.add(RegistrationAttempt(ip=ip))
        own.commit()
    return allowed


# ---- registration ------------------------------------------------------------------------

def register(session: Session, actor: audit.Actor, data: dict[str, Any],
             account: dict[str, str], errors: dict[str, str] | None = None
             ) -> tuple[Organisation, User]:
    """A pending organisation and its owner's login; FormErrors lists every problem.
    `errors` are the problems the form reader already found."""
    org_errors = dict(errors or {})
    errors = {}
    org_data = {key: data.get(key) for key in REGISTRATION_FIELDS}
    org_data.update(party_branch="none", credit_status="normal")
    if not org_data.get("community_id"):
        org_errors.setdefault("community_id", _("Choose a community."))
    try:
        org_data = services.validate(session, org_data, None, org_errors)
    except FormErrors as exc:
        errors.update(exc.errors)
    accounts.validate_username(session, account.get("username", ""), errors)
    password = account.get("password", "")
    if password != account.get("password2", ""):
        errors.setdefault("password2", _("The two passwords differ."))
    email = account.get("email", "").strip()
    if email and not is_email(email):
        errors.setdefault("email", _("Enter an e-mail address such as name@example.org."))
    if not email and not org_data.get("contact_phone"):
        errors.setdefault("contact_phone", _("Give a phone number or an e-mail address."))
    if not org_data.get("contact_person"):
        errors.setdefault("contact_person", _("This field is required."))
    problem = password_problem(password)
    if problem:
        errors.setdefault("password", _(problem))
    if errors:
        raise FormErrors(errors)
    org = Organisation(**{k: org_data.get(k) for k in services.EDITABLE if k in org_data},
                       verification=Verification.PENDING)
    session.add(org)
    session.flush()
    audit.record(session, actor, "organisation.register", org)
    owner = accounts.create_user(session, actor, username=account["username"],
                                 display_name=org_data.get("contact_person") or org.name,
                                 role="applicant", password=password, email=email,
                                 organisation=org, is_owner=True)
    owner.phone = org_data.get("contact_phone") or ""
    notifications.notify(
        session, notifications.organisers_covering(session, org.community_id),
        title=N_("Registration to verify: %(org)s"),
        body=N_("%(org)s registered itself on the platform and waits for verification."),
        params={"org": org.name}, link=path("organisation_detail", id=org.id))
    return org, owner


# ---- verification ------------------------------------------------------------------------

VERIFICATION_NOTICES = {
    "verify": (N_("%(org)s is verified"),
               N_("Your organisation's registration was verified: you may now apply to open "
                  "rounds.")),
    "request_correction": (N_("%(org)s: please correct the registration"),
                           N_("The organiser asks for a correction: %(reason)s Edit the "
                              "organisation and send it for verification again.")),
    "reject": (N_("%(org)s: registration rejected"),
               N_("The organiser rejected the registration: %(reason)s")),
}


def decide(session: Session, actor: audit.Actor, user: User | None, org: Organisation,
           action: str, reason: str = "") -> None:
    """verify / request_correction / reject / resubmit, through the lifecycle engine."""
    lifecycle.perform(session, actor, user, f"organisation.{action}", org, reason=reason)
    if action in ("request_correction", "reject"):
        org.verification_reason = reason.strip()[:1000]
    elif action == "verify":
        org.verification_reason = ""
    if action in VERIFICATION_NOTICES:
        title, body = VERIFICATION_NOTICES[action]
        notifications.notify(session, notifications.members(session, org.id or 0), title=title,
                             body=body, params={"org": org.name, "reason": reason.strip()},
                             link=path("organisation_detail", id=org.id))
    elif action == "resubmit":
        notifications.notify(
            session, notifications.organisers_covering(session, org.community_id),
            title=N_("Registration to verify: %(org)s"),
            body=N_("%(org)s corrected its registration and waits for verification."),
            params={"org": org.name}, link=path("organisation_detail", id=org.id))


# ---- invitations -------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, actor: audit.Actor, user: User, org: Organisation) -> str:
    """A one-time joining token (shown once to the owner; only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    invitation = OrganisationInvitation(organisation_id=org.id, token_hash=_hash(token),
                                        created_by_id=user.id,
                                        expires_at=now() + timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    audit.record(session, actor, "organisation.invite", invitation)
    return token


def invitation_for(session: Session, token: str) -> OrganisationInvitation | None:
    """The invitation this token opens, if it is unused and not expired."""
    if not token or len(token) > 100:
        return None
    found = session.execute(select(OrganisationInvitation).where(
        OrganisationInvitation.token_hash == _hash(token))).scalar_one_or_none()
    if found is None or found.used_at is not None or found.expires_at <= now():
        return None
    return found


def join(session: Session, actor: audit.Actor, invitation: OrganisationInvitation,
         account: dict[str, str]) -> User:
    errors: dict[str, str] = {}
    if account.get("password", "") != account.get("password2", ""):
        errors["password2"] = _("The two passwords differ.")
    try:
        member = accounts.create_user(
            session, actor, username=account.get("username", ""),
            display_name=account.get("display_name", ""), role="applicant",
            password=account.get("password", ""), email=account.get("email", ""),
            organisation=invitation.organisation)
    except FormErrors as exc:
        raise FormErrors({**exc.errors, **errors}) from exc
    if errors:
        raise FormErrors(errors)
    session.flush()
    before = audit.snapshot(invitation)
    invitation.used_at = now()
    invitation.used_by_id = member.id
    audit.record(session, actor, "organisation.join", invitation, before=before)
    return member
