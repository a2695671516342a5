"""An application's lifecycle, as data for the one engine (grants/lifecycle.py).

    draft → submitted → eligible / ineligible (screening)
              ↓ ↑ returned for correction       withdrawn (by the applicant)

Who may act and when is said here only; `can(user, "application.submit", app)` reads it.
The round's status is part of "when": the application's `round` is its round.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from grants.i18n import N_
from grants.lifecycle import Lifecycle, State, Transition, register


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"


# Statuses that count against a round's per-organisation limit ("submitted, not withdrawn").
COUNTED = frozenset({Status.SUBMITTED, Status.RETURNED, Status.ELIGIBLE, Status.INELIGIBLE})
# Statuses an organiser sees in the round's list (drafts stay private to the applicant).
VISIBLE_TO_ORGANISER = (Status.SUBMITTED, Status.RETURNED, Status.WITHDRAWN, Status.ELIGIBLE,
                        Status.INELIGIBLE)
SCREENABLE = (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE)


def _round_status(app: Any) -> str | None:
    round_ = getattr(app, "round", None)
    return round_.status if round_ is not None else None


def _editable_now(app: Any) -> bool:
    """A draft is written while the round is open; a returned one also after it closed."""
    status = _round_status(app)
    if app.status == Status.DRAFT:
        return status == "open"
    return status in ("open", "closed")


def _before_judging(app: Any) -> bool:
    return _round_status(app) in ("open", "closed")


NOT_EDITABLE = N_("The round is no longer open for applications: a draft can no longer be "
                  "changed or submitted.")
JUDGING_BEGUN = N_("The round has moved on to judging: this is no longer possible.")

LIFECYCLE = register(Lifecycle(
    noun="application",
    states=(
        State(Status.DRAFT, N_("Draft")),
        State(Status.SUBMITTED, N_("Submitted")),
        State(Status.RETURNED, N_("Returned for correction")),
        State(Status.WITHDRAWN, N_("Withdrawn"), final=True),
        State(Status.ELIGIBLE, N_("Passed screening")),
        State(Status.INELIGIBLE, N_("Failed screening")),
    ),
    transitions=(
        Transition("edit", (Status.DRAFT, Status.RETURNED), None, ("applicant_member",),
                   label=N_("Edit"), when=_editable_now, unless=NOT_EDITABLE),
        Transition("submit", (Status.DRAFT, Status.RETURNED), Status.SUBMITTED,
                   ("applicant_member",), label=N_("Submit"),
                   explain=N_("The application is frozen as a version and sent to the "
                              "organiser."), when=_editable_now, unless=NOT_EDITABLE),
        Transition("withdraw", (Status.SUBMITTED, Status.RETURNED, Status.ELIGIBLE),
                   Status.WITHDRAWN, ("applicant_member",), label=N_("Withdraw"),
                   explain=N_("The application leaves the round; this cannot be undone."),
                   when=_before_judging, unless=JUDGING_BEGUN),
        Transition("return", SCREENABLE, Status.RETURNED, ("organiser_in_scope",),
                   label=N_("Return for correction"), needs_reason=True,
                   when=_before_judging, unless=JUDGING_BEGUN),
        Transition("pass_screening", SCREENABLE, Status.ELIGIBLE, ("organiser_in_scope",),
                   label=N_("Pass"), when=_before_judging, unless=JUDGING_BEGUN),
        Transition("fail_screening", SCREENABLE, Status.INELIGIBLE, ("organiser_in_scope",),
                   label=N_("Fail"), needs_reason=True, when=_before_judging,
                   unless=JUDGING_BEGUN),
    ),
))

# Kept for the pages that list statuses with their labels.
STATUSES: dict[str, str] = LIFECYCLE.labels()
