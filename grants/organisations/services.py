"""Organisations: one organisation, one identity (a credit code or a filing number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlmodel import Session

from grants import audit
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.organisations import credit_code
from grants.organisations.models import Organisation, OrganisationChange
from grants.regions.models import Region
from grants.timeutil import now
from grants.urls import path
from grants.validation import FormErrors, column_problems
from grants.vocab import (
    CATEGORIES,
    CREDIT_STATUSES,
    ORG_TYPES,
    PARTY_BRANCHES,
    RATINGS,
    REGISTRATION_KINDS,
)

# The second character of a civil-affairs credit code (first character 5) names the type.
CIVIL_AFFAIRS_TYPE_DIGIT = {"social_group": "1", "private_non_enterprise": "2", "foundation": "3"}

EDITABLE = (
    "name", "registration", "credit_code", "filing_number", "org_type", "category",
    "community_id", "founded_on", "staff_count", "volunteer_count", "rating", "star_rating",
    "party_members", "party_branch", "credit_status", "contact_person", "contact_phone",
    "address", "intro",
)
# Identity: the facts a round's eligibility reads (and the organiser's assessments). A verified
# organisation's members may not change them directly: their change becomes a change request
# that an organiser in scope approves or refuses; until then the old values hold.
IDENTITY = ("registration", "credit_code", "filing_number", "org_type", "category",
            "community_id", "rating", "star_rating", "credit_status")
VERIFICATION_STATES = ("pending", "correction_requested", "verified", "rejected")
# Assessments only an organiser sets directly (also while a registration is unverified).
ASSESSMENTS = ("rating", "star_rating", "credit_status")


def validate(session: Session, data: dict[str, Any], existing: Organisation | None,
             errors: dict[str, str] | None = None) -> dict[str, Any]:
    """Check an organisation's fields; returns them cleaned or raises FormErrors listing all.
    `errors` are the problems the form reader already found (kept before the service's)."""
    errors = dict(errors or {})
    for key, message in column_problems(Organisation, data).items():
        errors.setdefault(key, message)
    name = data.get("name") or ""
    if not name:
        errors.setdefault("name", _("This field is required."))
    for field_name, vocabulary in (("registration", REGISTRATION_KINDS), ("org_type", ORG_TYPES),
                                   ("category", CATEGORIES), ("party_branch", PARTY_BRANCHES),
                                   ("credit_status", CREDIT_STATUSES)):
        if data.get(field_name) not in vocabulary:
            errors.setdefault(field_name, _("Choose one."))
    if data.get("rating") not in (None, *RATINGS):
        errors.setdefault("rating", _("Not a valid choice."))
    star = data.get("star_rating")
    if star is not None and not 1 <= star <= 5:
        errors.setdefault("star_rating", _("Must be at most %(max)s.", max=5))
    community_id = data.get("community_id")
    if community_id is not None:
        region = session.get(Region, community_id)
        if region is None or region.level != "community":
            errors.setdefault("community_id", _("Choose a community."))
        elif region.retired and (existing is None or existing.community_id != community_id):
            errors.setdefault("community_id", _("%(name)s is retired: choose a current "
                                                "community.", name=region.name))
    founded = data.get("founded_on")
    if isinstance(founded, date) and founded > now().date():
        errors.setdefault("founded_on", _("The founding date cannot be in the future."))
    if data.get("registration") == "registered":
        data["filing_number"] = None
        code = credit_code.normalise(data.get("credit_code") or "")
        data["credit_code"] = code
        problem = credit_code.problem(code) if code else N_("This field is required.")
        if problem:
            errors.setdefault("credit_code", _(problem))
        else:
            expected = CIVIL_AFFAIRS_TYPE_DIGIT.get(data.get("org_type", ""))
            if code[0] == "5" and expected and code[1] != expected:
                errors.setdefault("credit_code", _(
                    "This code belongs to another type of organisation (its second character "
                    "is %(found)s; this type uses %(expected)s).", found=code[1],
                    expected=expected))
            else:
                _refuse_duplicate(session, Organisation.credit_code, code, existing, errors,
                                  "credit_code")
    elif data.get("registration") == "filed":
        data["credit_code"] = None
        number = " ".join((data.get("filing_number") or "").split())
        data["filing_number"] = number
        if not number:
            errors.setdefault("filing_number", _("This field is required."))
        else:
            _refuse_duplicate(session, Organisation.filing_number, number, existing, errors,
                              "filing_number")
    if errors:
        raise FormErrors(errors)
    return data


def _refuse_duplicate(session: Session, column: Any, value: str, existing: Organisation | None,
                      errors: dict[str, str], field_name: str) -> None:
    query = select(Organisation.id, Organisation.name).where(column == value)
    if existing is not None:
        query = query.where(Organisation.id != existing.id)
    clash = session.execute(query).first()
    if clash:
        errors[field_name] = _(
            "%(name)s is already registered with this code: one organisation, one identity.",
            name=clash.name)


def create(session: Session, actor: audit.Actor, data: dict[str, Any],
           errors: dict[str, str] | None = None) -> Organisation:
    data = validate(session, data, None, errors)
    org = Organisation(**{k: data.get(k) for k in EDITABLE if k in data})
    session.add(org)
    audit.record(session, actor, "organisation.create", org)
    return org


def update(session: Session, actor: audit.Actor, org: Organisation, data: dict[str, Any],
           *, as_organiser: bool, user: Any = None,
           errors: dict[str, str] | None = None) -> OrganisationChange | None:
    """Apply edited fields. An organiser changes everything. A member of a verified
    organisation changes the rest at once, while a change to its identity becomes a pending
    change request (returned); an unverified registration's member edits the identity too,
    but not the organiser's assessments."""
    verified = org.verification == "verified"
    if not as_organiser:
        for locked in ASSESSMENTS if not verified else ():
            data[locked] = getattr(org, locked)
    data = validate(session, data, org, errors)
    requested: dict[str, Any] = {}
    if not as_organiser and verified:
        for key in IDENTITY:
            if key in data and data[key] != getattr(org, key):
                requested[key] = [getattr(org, key), data[key]]
            data[key] = getattr(org, key)
    before = audit.snapshot(org)
    for key in EDITABLE:
        if key in data:
            setattr(org, key, data[key])
    org.updated_at = now()
    audit.record(session, actor, "organisation.update", org, before=before)
    return request_change(session, actor, user, org, requested) if requested else None


def pending_change(session: Session, org: Organisation) -> OrganisationChange | None:
    return session.execute(select(OrganisationChange).where(
        OrganisationChange.organisation_id == org.id,
        OrganisationChange.status == "pending").order_by(OrganisationChange.id.desc())
    ).scalars().first()


def request_change(session: Session, actor: audit.Actor, user: Any, org: Organisation,
                   requested: dict[str, Any]) -> OrganisationChange:
    """Record (or replace) the organisation's pending identity change request."""
    from grants.notifications import services as notifications

    change = pending_change(session, org)
    if change is None:
        change = OrganisationChange(organisation_id=org.id,
                                    requested_by_id=getattr(user, "id", None))
        session.add(change)
        session.flush()
        before = None
    else:
        before = audit.snapshot(change)
    change.changes = {key: [_plain(old), _plain(new)] for key, (old, new) in requested.items()}
    change.requested_by_id = getattr(user, "id", None)
    change.created_at = now()
    audit.record(session, actor, "organisation.change_request", change, before=before)
    notifications.notify(
        session, notifications.organisers_covering(session, org.community_id),
        title=N_("Identity change to review: %(org)s"),
        body=N_("%(org)s asks to change facts that rounds' eligibility reads."),
        params={"org": org.name}, link=path("organisation_detail", id=org.id))
    return change


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def decide_change(session: Session, actor: audit.Actor, change: OrganisationChange,
                  approve: bool, reason: str = "") -> None:
    """Approve (apply the requested values, checked again) or refuse (with a reason)."""
    from grants.notifications import services as notifications

    if change.status != "pending":
        raise FormErrors({"change": _("This change request was already decided.")})
    reason = reason.strip()[:1000]
    org = change.organisation
    if approve:
        data = {key: getattr(org, key) for key in EDITABLE}
        data.update({key: new for key, (_old, new) in change.changes.items() if key in IDENTITY})
        data = validate(session, data, org)
        before = audit.snapshot(org)
        for key in IDENTITY:
            setattr(org, key, data[key])
        org.updated_at = now()
        audit.record(session, actor, "organisation.update", org, before=before)
    elif not reason:
        raise FormErrors({"reason": _("Give a reason.")})
    before = audit.snapshot(change)
    change.status = "approved" if approve else "refused"
    change.reason = reason
    change.decided_by_id = actor.id
    change.decided_at = now()
    audit.record(session, actor, "organisation.change_approve" if approve
                 else "organisation.change_refuse", change, before=before)
    notifications.notify(
        session, notifications.members(session, org.id or 0),
        title=N_("%(org)s: identity change approved") if approve
        else N_("%(org)s: identity change refused"),
        body=N_("The organiser approved the change.") if approve
        else N_("The organiser refused the change: %(reason)s"),
        params={"org": org.name, "reason": reason}, link=path("organisation_detail", id=org.id))


@dataclass(frozen=True)
class OrgFilters:
    q: str = ""
    registration: str = ""
    org_type: str = ""
    category: str = ""
    rating: str = ""
    credit_status: str = ""
    street_id: int | None = None
    community_id: int | None = None
    sort: str = "name"
    # a verification state, or "changes": a pending identity change request
    verification: str = ""


SORTS = {
    "name": (Organisation.name_sort, Organisation.name),  # by pinyin
    "-created": (Organisation.created_at.desc(), Organisation.id.desc()),
    "rating": (Organisation.rating.desc(), Organisation.name_sort, Organisation.name),
}


def search(filters: OrgFilters) -> Select[Any]:
    """The statement listing organisations that match the filters (paginated by the caller)."""
    query = select(Organisation)
    if filters.q:
        like = f"%{filters.q}%"
        query = query.where(or_(Organisation.name.ilike(like),
                                Organisation.credit_code.ilike(like),
                                Organisation.filing_number.ilike(like),
                                Organisation.contact_person.ilike(like)))
    for name in ("registration", "org_type", "category", "rating", "credit_status"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(Organisation, name) == value)
    if filters.verification == "changes":
        query = query.where(Organisation.id.in_(select(OrganisationChange.organisation_id).where(
            OrganisationChange.status == "pending")))
    elif filters.verification in VERIFICATION_STATES:
        query = query.where(Organisation.verification == filters.verification)
    if filters.community_id:
        query = query.where(Organisation.community_id == filters.community_id)
    elif filters.street_id:
        communities = select(Region.id).where(Region.parent_id == filters.street_id)
        query = query.where(Organisation.community_id.in_(communities))
    return query.order_by(*SORTS.get(filters.sort, SORTS["name"]), Organisation.id)
