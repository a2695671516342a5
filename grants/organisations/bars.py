"""Bars from applying to rounds (取消申报资格), e.g. for three years after an agreement was
terminated for breach. A bar is in force from its first to its last day inclusive unless an
organiser lifts it; it ends by itself, and `grants jobs run` records the expiry in the audit
trail. Every application, draft or submission, is checked against it with a plain message."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.organisations.models import OrganisationBar
from grants.timeutil import now, today
from grants.validation import FormErrors, reason_problem

MAX_YEARS = 10
MAX_REASON = 1000  # the reason column's length


def active_bar(session: Session, organisation_id: int | None,
               day: date | None = None) -> OrganisationBar | None:
    if organisation_id is None:
        return None
    day = day or today()
    return session.execute(select(OrganisationBar).where(
        OrganisationBar.organisation_id == organisation_id, OrganisationBar.lifted_at.is_(None),
        OrganisationBar.starts_on <= day, OrganisationBar.ends_on >= day)
        .order_by(OrganisationBar.ends_on.desc())).scalars().first()


def bars_of(session: Session, organisation_id: int) -> list[OrganisationBar]:
    return list(session.execute(select(OrganisationBar).where(
        OrganisationBar.organisation_id == organisation_id)
        .order_by(OrganisationBar.starts_on.desc(), OrganisationBar.id.desc())).scalars())


def barred_message(bar: OrganisationBar) -> str:
    return _("Your organisation is barred from applying to rounds until %(end)s (inclusive): "
             "%(reason)s", end=bar.ends_on.isoformat(), reason=bar.reason)


def bar(session: Session, actor: audit.Actor, user: Any, organisation_id: int, *, reason: str,
        ends_on: date, agreement_id: int | None = None) -> OrganisationBar:
    reason = reason.strip()
    day = today()
    errors: dict[str, str] = {}
    problem = reason_problem(reason, MAX_REASON)
    if problem:
        errors["reason"] = problem
    if ends_on < day:
        errors["bar"] = _("A bar must end today or later.")
    elif ends_on.year > day.year + MAX_YEARS:
        errors["bar"] = _("A bar lasts at most %(n)s years.", n=MAX_YEARS)
    if errors:
        raise FormErrors(errors)
    barred = OrganisationBar(organisation_id=organisation_id, agreement_id=agreement_id,
                             reason=reason, starts_on=day, ends_on=ends_on,
                             created_by_id=getattr(user, "id", None))
    session.add(barred)
    session.flush()
    audit.record(session, actor, "organisation_bar.create", barred)
    return barred


def lift(session: Session, actor: audit.Actor, user: Any, barred: OrganisationBar,
         reason: str) -> OrganisationBar:
    reason = reason.strip()
    problem = reason_problem(reason, MAX_REASON)
    if problem:
        raise FormErrors({"reason": problem})
    if barred.lifted_at is not None or barred.ends_on < today():
        raise FormErrors({"reason": _("This bar is no longer in force.")})
    before = audit.snapshot(barred)
    barred.lifted_at = now()
    barred.lifted_reason = reason
    audit.record(session, actor, "organisation_bar.lift", barred, before=before)
    return barred


def expire(session: Session, actor: audit.Actor, day: date | None = None) -> int:
    """Record the bars that ended before `day` (they stopped counting on their own)."""
    day = day or today()
    ended = session.execute(select(OrganisationBar).where(
        OrganisationBar.ends_on < day, OrganisationBar.expired_at.is_(None),
        OrganisationBar.lifted_at.is_(None)).with_for_update(skip_locked=True)).scalars().all()
    for barred in ended:
        before = audit.snapshot(barred)
        barred.expired_at = now()
        audit.record(session, actor, "organisation_bar.expire", barred, before=before)
    return len(ended)
