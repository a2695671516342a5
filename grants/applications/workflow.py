"""Application statuses and transitions as data, and the one function that answers
"may this user do this to this application now".

Later stages (scoring, awards) add statuses and transitions here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grants.i18n import N_

STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned for correction"),
    "withdrawn": N_("Withdrawn"),
    "eligible": N_("Passed screening"),
    "ineligible": N_("Failed screening"),
}

# Statuses that count against a round's per-organisation limit ("submitted, not withdrawn").
COUNTED = frozenset({"submitted", "returned", "eligible", "ineligible"})
# Statuses an organiser sees in the round's list (drafts stay private to the applicant).
VISIBLE_TO_ORGANISER = ("submitted", "returned", "withdrawn", "eligible", "ineligible")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change (e.g. edit)
    roles: frozenset[str]
    member_only: bool  # only members of the owning organisation
    round_statuses: frozenset[str]


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("edit", frozenset({"draft", "returned"}), None, frozenset({"applicant"}), True,
               frozenset({"open", "closed"})),
    Transition("submit", frozenset({"draft", "returned"}), "submitted", frozenset({"applicant"}),
               True, frozenset({"open", "closed"})),
    Transition("withdraw", frozenset({"submitted", "returned", "eligible"}), "withdrawn",
               frozenset({"applicant"}), True, frozenset({"open", "closed"})),
    Transition("screen", frozenset({"submitted", "eligible", "ineligible"}), None,
               frozenset({"organiser"}), False, frozenset({"open", "closed"})),
    Transition("return", frozenset({"submitted", "eligible", "ineligible"}), "returned",
               frozenset({"organiser"}), False, frozenset({"open", "closed"})),
)}


@dataclass(frozen=True)
class Subject:
    """An application together with its round: what the permission rules look at."""

    application: Any
    round: Any


def may(user: Any, action: str, application: Any, round_status: str | None) -> bool:
    """Whether `user` may do `action` to `application` while its round has `round_status`."""
    transition = TRANSITIONS.get(action)
    if transition is None or user is None:
        return False
    if user.role not in transition.roles:
        return False
    if transition.member_only and (user.organisation_id is None
                                   or user.organisation_id != application.organisation_id):
        return False
    if application.status not in transition.sources:
        return False
    if round_status not in transition.round_statuses:
        return False
    # A draft is only submitted while the round is open; a returned one also while it is closed.
    return not (action in {"edit", "submit"} and application.status == "draft"
                and round_status != "open")
