"""An organisation's verification, as data for the one engine (grants/lifecycle.py).

    pending ──verify──→ verified
       │ ↑ resubmit
       ↓ request_correction
    correction_requested          pending / correction_requested ──reject──→ rejected

A self-registered organisation starts pending; an organiser whose scope covers its community
verifies it, asks for a correction or rejects it (both with a reason the applicant sees); the
applicant edits and resubmits. Only verified organisations may apply to rounds. Organisations
an organiser creates, imports or that existed before registration was possible are verified.
"""

from __future__ import annotations

from enum import StrEnum

from grants.i18n import N_
from grants.lifecycle import Lifecycle, State, Transition, register


class Verification(StrEnum):
    PENDING = "pending"
    CORRECTION_REQUESTED = "correction_requested"
    VERIFIED = "verified"
    REJECTED = "rejected"


V = Verification

LIFECYCLE = register(Lifecycle(
    noun="organisation",
    status_attr="verification",
    states=(
        State(V.PENDING, N_("Pending verification")),
        State(V.CORRECTION_REQUESTED, N_("Correction requested")),
        State(V.VERIFIED, N_("Verified")),
        State(V.REJECTED, N_("Rejected"), final=True),
    ),
    transitions=(
        Transition("verify", (V.PENDING,), V.VERIFIED, ("organiser_in_scope",),
                   label=N_("Verify"),
                   explain=N_("The registration is checked against its certificate: the "
                              "organisation may apply to rounds.")),
        Transition("request_correction", (V.PENDING,), V.CORRECTION_REQUESTED,
                   ("organiser_in_scope",), label=N_("Ask for a correction"),
                   explain=N_("The applicant is told what to correct, edits the registration "
                              "and sends it again."), needs_reason=True),
        Transition("resubmit", (V.CORRECTION_REQUESTED,), V.PENDING, ("applicant_member",),
                   label=N_("Send for verification again"),
                   explain=N_("The corrected registration goes back to the organiser.")),
        Transition("reject", (V.PENDING, V.CORRECTION_REQUESTED), V.REJECTED,
                   ("organiser_in_scope",), label=N_("Reject"),
                   explain=N_("The registration is refused; the applicant is told why."),
                   needs_reason=True),
    ),
))
STATUSES: dict[str, str] = LIFECYCLE.labels()
