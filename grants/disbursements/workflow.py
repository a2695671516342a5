"""Lifecycles of the money after an award, as data for the one engine (grants/lifecycle.py).

    agreement:  draft (schedule editable, with reasons) → signed → closed | terminated (breach);
                draft / signed → cancelled (award revoked)
    tranche:    scheduled → due (its condition holds) → requested (a payment awaits approval)
                → paid (approved payments cover it); scheduled / due → stopped (failed
                evaluation) | cancelled (award revoked)
    payment:    pending → approved (by a different person) | rejected
    refund:     due → refunded | write_off_requested → written_off (a different person) | due
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants.disbursements.models import Agreement, Tranche
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.lifecycle import Lifecycle, State, Transition, register
from grants.money import format_yuan

AGREEMENT = register(Lifecycle(
    noun="agreement",
    states=(State("draft", N_("Being prepared")), State("signed", N_("Signed")),
            State("closed", N_("Closed"), final=True),
            State("terminated", N_("Terminated for breach"), final=True),
            State("cancelled", N_("Cancelled: the award was revoked"), final=True)),
    transitions=(
        Transition("edit", ("draft",), None, ("organiser_in_scope",), (),
                   N_("Change the schedule"), needs_reason=True),
        Transition("sign", ("draft",), "signed", ("organiser_in_scope",),
                   ("schedule_adds_up",), N_("Record the signing"),
                   N_("The schedule is fixed; tranches due on signing become payable.")),
        Transition("close", ("signed",), "closed", ("organiser_in_scope",), ("nothing_open",),
                   N_("Close the agreement"),
                   N_("Every tranche is paid, stopped or cancelled and no refund is open.")),
        # The consequence of revoking the award (grants.awards.services.revoke): nothing more
        # is paid, reported or evaluated; money already paid may be asked back as a refund.
        Transition("cancel", ("draft", "signed"), "cancelled", ("organiser_in_scope",),
                   label=N_("Cancel"), needs_reason=True),
        Transition("terminate", ("signed",), "terminated", ("organiser_in_scope",),
                   ("no_payment_waiting",), N_("Terminate for breach"),
                   N_("Every unpaid tranche stops and its money is released; a refund of what "
                      "was paid can be asked for, and the organisation can be barred from "
                      "rounds for a period."), needs_reason=True),
    ),
))

TRANCHE = register(Lifecycle(
    noun="tranche",
    states=(State("scheduled", N_("Scheduled")), State("due", N_("Due")),
            State("requested", N_("Payment awaiting approval")),
            State("paid", N_("Paid"), final=True), State("stopped", N_("Stopped"), final=True),
            State("cancelled", N_("Cancelled"), final=True)),
    transitions=(
        Transition("become_due", ("scheduled",), "due", ("staff_in_scope",),
                   label=N_("Due")),
        Transition("request", ("due",), "requested", ("finance_in_scope",),
                   label=N_("Record a payment")),
        Transition("reopen", ("requested",), "due", ("finance_in_scope",),
                   label=N_("Due again")),
        Transition("settle", ("requested",), "paid", ("finance_in_scope",), label=N_("Paid")),
        Transition("stop", ("scheduled", "due"), "stopped", ("organiser_in_scope",),
                   label=N_("Stop"), needs_reason=True),
        Transition("cancel", ("scheduled", "due"), "cancelled", ("organiser_in_scope",),
                   label=N_("Cancel"), needs_reason=True),
    ),
))

PAYMENT = register(Lifecycle(
    noun="payment",
    states=(State("pending", N_("Awaiting approval")), State("approved", N_("Approved"), final=True),
            State("rejected", N_("Rejected"), final=True)),
    transitions=(
        Transition("approve", ("pending",), "approved", ("payment_checker",), (),
                   N_("Approve the payment"),
                   N_("The money leaves the funds' ledgers as a disbursement.")),
        Transition("reject", ("pending",), "rejected", ("payment_checker",), (),
                   N_("Reject"), N_("Nothing is paid; the tranche is due again."),
                   needs_reason=True),
    ),
))

REFUND = register(Lifecycle(
    noun="refund",
    states=(State("due", N_("Refund due")), State("refunded", N_("Refunded"), final=True),
            State("write_off_requested", N_("Write-off awaiting approval")),
            State("written_off", N_("Written off"), final=True)),
    transitions=(
        Transition("record", ("due",), "refunded", ("finance_in_scope",), (),
                   N_("Record the refund"), N_("The money returns to the funds' ledgers.")),
        Transition("request_write_off", ("due",), "write_off_requested", ("finance_in_scope",),
                   (), N_("Ask to write it off"),
                   N_("A different person must approve writing the refund off."),
                   needs_reason=True),
        Transition("approve_write_off", ("write_off_requested",), "written_off",
                   ("refund_checker",), (), N_("Approve the write-off")),
        Transition("reject_write_off", ("write_off_requested",), "due", ("refund_checker",),
                   (), N_("Refuse the write-off"), needs_reason=True),
    ),
))

AGREEMENT_STATUSES = AGREEMENT.labels()
TRANCHE_STATUSES = TRANCHE.labels()
PAYMENT_STATUSES = PAYMENT.labels()
REFUND_STATUSES = REFUND.labels()
OPEN_TRANCHES = ("scheduled", "due", "requested")


@AGREEMENT.check("schedule_adds_up", N_("The tranches add up to the award"))
def _schedule_adds_up(session: Session, agreement: Agreement, _ctx: Any) -> list[str]:
    total = session.execute(select(func.coalesce(func.sum(Tranche.amount_fen), 0)).where(
        Tranche.agreement_id == agreement.id)).scalar_one()
    if int(total) != agreement.amount_fen:
        return [_("The tranches add up to %(total)s, not the award's %(amount)s.",
                  total=format_yuan(int(total)), amount=format_yuan(agreement.amount_fen))]
    return []


@AGREEMENT.check("no_payment_waiting", N_("No payment is waiting for approval"))
def _no_payment_waiting(session: Session, agreement: Agreement, _ctx: Any) -> list[str]:
    waiting = session.execute(select(func.count()).select_from(Tranche).where(
        Tranche.agreement_id == agreement.id, Tranche.status == "requested")).scalar_one()
    if waiting:
        return [_("A payment on this agreement is waiting for approval: approve or reject it "
                  "first.")]
    return []


@AGREEMENT.check("nothing_open", N_("Nothing is left to pay or refund"))
def _nothing_open(session: Session, agreement: Agreement, _ctx: Any) -> list[str]:
    from grants.disbursements.models import Refund

    open_tranches = session.execute(select(func.count()).select_from(Tranche).where(
        Tranche.agreement_id == agreement.id, Tranche.status.in_(OPEN_TRANCHES))).scalar_one()
    open_refunds = session.execute(select(func.count()).select_from(Refund).where(
        Refund.agreement_id == agreement.id,
        Refund.status.in_(("due", "write_off_requested")))).scalar_one()
    found = []
    if open_tranches:
        found.append(_("Some tranches are still to be paid or stopped."))
    if open_refunds:
        found.append(_("A refund is still open."))
    return found
