"""How far a funded application has gone past screening: its award and agreement, in words.

An application's own status ends at "passed screening"; what happens to it afterwards lives in
its award (grants.awards) and the award's agreement (grants.disbursements). Lists ask for the
stages of a whole page in one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from grants.i18n import N_

# The furthest stage, by code, in words.
STAGES: dict[str, str] = {
    "proposed": N_("Proposed for funding"), "funded": N_("Funded"),
    "signed": N_("Agreement signed"), "closed": N_("Project completed"),
    "terminated": N_("Terminated"), "withdrawn": N_("Award withdrawn"),
    "revoked": N_("Award revoked"),
}


def stage(award_status: str | None, agreement_status: str | None) -> str | None:
    """The furthest stage an award and its agreement (if any) reached; None without award."""
    if award_status is None:
        return None
    if award_status in {"proposed", "withdrawn", "revoked"}:
        return award_status
    if agreement_status in {"signed", "closed", "terminated"}:
        return agreement_status
    return "funded"


def stages(session: Session, application_ids: Iterable[int]) -> dict[int, str]:
    """Application id -> stage code, for those with an award, in one query."""
    from grants.awards.models import Award
    from grants.disbursements.models import Agreement

    ids = set(application_ids)
    rows = session.execute(
        select(Award.application_id, Award.status, Agreement.status)
        .outerjoin(Agreement, Agreement.award_id == Award.id)
        .where(Award.application_id.in_(ids or {-1}))).all()
    found = {app_id: stage(award, agreement) for app_id, award, agreement in rows}
    return {app_id: code for app_id, code in found.items() if code is not None}
