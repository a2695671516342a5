"""Agreements, tranches, payments and refunds. Every money event is a ledger entry (through
grants.funds.services.add_entry, the one definition of a balance) and an audit event.

Every function takes the session first and never commits; input that breaks a rule raises
FormErrors (or lifecycle.Refused) and changes nothing. Writers that check and then act take
row locks (tranche, payment, refund) so that parallel requests pay a tranche once.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.awards.models import Award, AwardAllocation
from grants.db import lock_key, lock_row
from grants.disbursements.models import Agreement, Payment, Refund, Tranche, TrancheShare
from grants.disbursements.workflow import OPEN_TRANCHES
from grants.funds import services as funds
from grants.funds.models import Fund, FundEntry
from grants.i18n import gettext as _
from grants.i18n import using_locale
from grants.money import format_yuan
from grants.rounds.choices import TRANCHE_CONDITION_LABELS
from grants.rounds.models import Round
from grants.timeutil import local, today
from grants.validation import FormErrors, column_problems, reason_problem

CONDITIONS = ("signing", "midterm_passed", "final_accepted", "date")
EVALUATIONS = ("midterm", "final")


def split(total: int, weights: list[int]) -> list[int]:
    """Split integer fen in proportion to weights; the parts add up to `total` exactly
    (largest remainders get the leftover fen, earlier first on ties)."""
    if total == 0 or not weights or sum(weights) == 0:
        return [0] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


# ---- agreements -----------------------------------------------------------------------------

def agreement_of(session: Session, award_id: int) -> Agreement | None:
    return session.execute(select(Agreement).where(Agreement.award_id == award_id)
                           ).scalars().first()


def tranches_of(session: Session, agreement: Agreement) -> list[Tranche]:
    return list(session.execute(select(Tranche).where(Tranche.agreement_id == agreement.id)
                                .order_by(Tranche.position)).scalars())


def create_for_award(session: Session, actor: audit.Actor, award: Award) -> Agreement:
    """The agreement of a confirmed award, with the round's tranche template applied."""
    from grants.awards import documents

    existing = agreement_of(session, award.id or 0)
    if existing is not None:
        return existing
    round_ = session.get(Round, award.round_id)
    assert round_ is not None
    facts = documents.agreement(session, award).context
    agreement = Agreement(award_id=award.id, round_id=award.round_id,
                          organisation_id=award.organisation_id, number=facts["number"],
                          amount_fen=award.amount_fen,
                          deliverables=list(facts["project"]["deliverables"])[:50],
                          period=str(facts["project"]["period"])[:60])
    session.add(agreement)
    session.flush()
    template = round_.tranche_template or [{"percent": 100, "condition": "signing"}]
    amounts = split(award.amount_fen, [int(t.get("percent", 0)) for t in template])
    _replace_tranches(session, agreement, [
        {"percent": int(t.get("percent", 0)), "amount_fen": a,
         "condition": str(t.get("condition", "signing")), "due_on": None}
        for t, a in zip(template, amounts, strict=True)])
    audit.record(session, actor, "agreement.create", agreement)
    return agreement


def _replace_tranches(session: Session, agreement: Agreement, rows: list[dict[str, Any]]
                      ) -> None:
    old = select(Tranche.id).where(Tranche.agreement_id == agreement.id)
    session.execute(TrancheShare.__table__.delete().where(TrancheShare.tranche_id.in_(old)))
    session.execute(Tranche.__table__.delete().where(Tranche.agreement_id == agreement.id))
    allocations = list(session.execute(select(AwardAllocation).where(
        AwardAllocation.award_id == agreement.award_id).order_by(AwardAllocation.fund_id)
    ).scalars())
    fund_total = [a.amount_fen for a in allocations]
    given = [0] * len(allocations)
    for position, row in enumerate(rows, start=1):
        tranche = Tranche(agreement_id=agreement.id, round_id=agreement.round_id,
                          organisation_id=agreement.organisation_id, position=position,
                          percent=row["percent"], amount_fen=row["amount_fen"],
                          condition=row["condition"], due_on=row.get("due_on"))
        session.add(tranche)
        session.flush()
        if position == len(rows):  # the last tranche takes what each fund has left
            parts = [t - g for t, g in zip(fund_total, given, strict=True)]
            if sum(parts) != tranche.amount_fen:
                parts = split(tranche.amount_fen, fund_total)
        else:
            parts = split(tranche.amount_fen, fund_total)
        for allocation, amount in zip(allocations, parts, strict=True):
            given[allocations.index(allocation)] += amount
            session.add(TrancheShare(tranche_id=tranche.id, fund_id=allocation.fund_id,
                                     amount_fen=amount))
    session.flush()


def _confirmed_on(session: Session, agreement: Agreement) -> date | None:
    """The day the agreement's award was confirmed: nothing under it can come before."""
    award = session.get(Award, agreement.award_id)
    return local(award.confirmed_at).date() if award and award.confirmed_at else None


# The order in which the conditions of tranches come true; a dated tranche may sit anywhere.
CONDITION_ORDER = {"signing": 0, "midterm_passed": 1, "final_accepted": 2}


def _schedule_problems(session: Session, agreement: Agreement,
                       rows: list[dict[str, Any]]) -> dict[str, str]:
    """A schedule is paid in order: no tranche on signing after one on the mid-term, and no
    date before the award was confirmed."""
    found: dict[str, str] = {}
    earliest = _confirmed_on(session, agreement)
    latest_stage, latest_label = -1, ""
    for position, row in enumerate(rows, start=1):
        index = row.get("row", position)
        stage = CONDITION_ORDER.get(row["condition"])
        if stage is not None:
            if stage < latest_stage:
                found[f"condition_{index}"] = _(
                    "Tranche %(n)s is paid %(this)s, but comes after a tranche paid %(earlier)s: "
                    "list the tranches in the order they are paid.", n=index,
                    this=_(TRANCHE_CONDITION_LABELS[row["condition"]]), earlier=latest_label)
            elif stage > latest_stage:
                latest_stage = stage
                latest_label = _(TRANCHE_CONDITION_LABELS[row["condition"]])
        due_on = row.get("due_on")
        if due_on is not None and earliest is not None and due_on < earliest:
            found[f"due_on_{index}"] = _(
                "A tranche cannot fall due before the award was confirmed on %(day)s.",
                day=earliest.isoformat())
    return found


def change_schedule(session: Session, actor: audit.Actor, user: Any, agreement: Agreement,
                    rows: list[dict[str, Any]], reason: str) -> None:
    """Replace the tranche schedule of a draft agreement; it must add up to the award."""
    total = sum(r["amount_fen"] for r in rows)
    if total != agreement.amount_fen:
        raise FormErrors({"amount_1": _(
            "The tranches add up to %(total)s, not the award's %(amount)s.",
            total=format_yuan(total), amount=format_yuan(agreement.amount_fen))})
    if len(rows) > 12:
        raise FormErrors({"amount_1": _("At most 12 tranches.")})
    problems = _schedule_problems(session, agreement, rows)
    if problems:
        raise FormErrors(problems)
    before = [{"amount_fen": t.amount_fen, "condition": t.condition}
              for t in tranches_of(session, agreement)]
    for row in rows:
        row["percent"] = round(100 * row["amount_fen"] / agreement.amount_fen)
    # asked first: a signed or cancelled agreement's tranches (with their payments) are never
    # touched
    lifecycle.perform(session, actor, user, "agreement.edit", agreement, reason=reason,
                      extra={"before": before, "schedule": [
                          {"amount_fen": r["amount_fen"], "condition": r["condition"],
                           "due_on": r["due_on"].isoformat() if r["due_on"] else None}
                          for r in rows]})
    _replace_tranches(session, agreement, rows)


def sign(session: Session, actor: audit.Actor, user: Any, agreement: Agreement, *,
         signed_on: date | None, signatories: str, filename: str = "",
         data: bytes = b"") -> Agreement:
    """Record the signing (date, who signed, the scanned copy) and make the tranches due on
    signing payable."""
    from grants.applications import attachments

    signatories = signatories.strip()
    errors = column_problems(Agreement, {"signatories": signatories})
    if signed_on is None:
        errors["signed_on"] = _("Enter a date like 2027-03-31.")
    elif signed_on > today():
        errors["signed_on"] = _("The date cannot be in the future.")
    elif (confirmed := _confirmed_on(session, agreement)) and signed_on < confirmed:
        errors["signed_on"] = _(
            "The agreement cannot have been signed before its award was confirmed on "
            "%(day)s.", day=confirmed.isoformat())
    if not signatories:
        errors["signatories"] = _("This field is required.")
    kind = ""
    if data:
        try:
            kind = attachments.check_upload(filename, data)
        except FormErrors as error:
            errors["scan"] = error.errors.get("file") or _("This file is not accepted.")
    if errors:
        raise FormErrors(errors)
    if data:
        agreement.scan_stored = _store(data)
        agreement.scan_name = attachments.safe_filename(filename)
        agreement.scan_kind = kind
    agreement.signed_on = signed_on
    agreement.signatories = signatories
    lifecycle.perform(session, actor, user, "agreement.sign", agreement)
    refresh_due(session, actor, agreement)
    return agreement


def _store(data: bytes) -> str:
    from grants.applications import attachments

    stored = uuid.uuid4().hex
    target = attachments.storage_path(stored)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return stored


def _condition_holds(agreement: Agreement, tranche: Tranche, day: date) -> bool:
    if agreement.status == "draft":
        return False
    if tranche.condition == "signing":
        return True
    if tranche.condition == "midterm_passed":
        return agreement.midterm == "passed"
    if tranche.condition == "final_accepted":
        return agreement.final == "passed"
    return tranche.due_on is not None and tranche.due_on <= day


def refresh_due(session: Session, actor: audit.Actor, agreement: Agreement) -> int:
    """Make every scheduled tranche whose condition now holds due. Returns how many."""
    day = today()
    moved = 0
    for tranche in tranches_of(session, agreement):
        if tranche.status == "scheduled" and _condition_holds(agreement, tranche, day):
            if tranche.condition != "date":
                tranche.due_on = day
            lifecycle.perform(session, actor, None, "tranche.become_due", tranche)
            moved += 1
    return moved


def refresh_all_due(session: Session, actor: audit.Actor) -> int:
    """Dated tranches whose day has come become due (the finance page runs this)."""
    ids = session.execute(select(Tranche.agreement_id).where(
        Tranche.status == "scheduled", Tranche.condition == "date",
        Tranche.due_on <= today()).distinct()).scalars().all()
    return sum(refresh_due(session, actor, a) for a in session.execute(
        select(Agreement).where(Agreement.id.in_(ids))).scalars())


def record_evaluation(session: Session, actor: audit.Actor, user: Any, agreement: Agreement,
                      which: str, passed: bool | None, note: str,
                      refund_fen: int | None = None) -> None:
    """The outcome of the mid-term or final evaluation: passing makes the tranches waiting for
    it due; failing stops every later unpaid tranche (their commitment is released) and may
    open a refund of money already paid. A tranche due on signing, or on a date already
    past, is not "later" and stays payable."""
    note = note.strip()
    errors: dict[str, str] = {}
    if which not in EVALUATIONS:
        errors["which"] = _("Not a valid choice.")
    if passed is None:
        errors["passed"] = _("Choose passed or failed.")
    if not note:
        errors["note"] = _("Give a reason.")
    elif len(note) > 500:
        errors["note"] = _("At most %(max)s characters (you entered %(n)s).", max=500,
                           n=len(note))
    if agreement.status != "signed":
        errors["which"] = _("Evaluations are recorded on signed agreements.")
    elif which in EVALUATIONS and getattr(agreement, which):
        errors["which"] = _("This evaluation is already recorded.")
    paid = paid_total(session, agreement)
    if refund_fen is not None and passed:
        errors["refund"] = _("A refund is asked for only when the evaluation fails.")
    elif refund_fen is not None and not passed and not 0 < refund_fen <= paid:
        errors["refund"] = _("A refund is between ¥0.01 and the %(paid)s already paid.",
                             paid=format_yuan(paid))
    if errors:
        raise FormErrors(errors)
    setattr(agreement, which, "passed" if passed else "failed")
    agreement.evaluations = [*agreement.evaluations, {
        "which": which, "passed": bool(passed), "note": note, "on": today().isoformat()}]
    audit.record(session, actor, "agreement.evaluate", agreement,
                 after={"which": which, "passed": bool(passed), "note": note})
    if passed:
        refresh_due(session, actor, agreement)
        return
    # What follows is the evaluation's consequence, made by the system for whoever recorded
    # it (an organiser, or a third-party evaluator grading the report): the audit names them.
    # The reason is part of the financial record, kept in the platform's language like the
    # ledger's memos.
    day = today()
    with using_locale(None):  # the platform's language
        reason = _("The %(which)s evaluation failed: %(note)s",
                   which=_("mid-term") if which == "midterm" else _("final"), note=note)
    for tranche in tranches_of(session, agreement):
        later = (tranche.condition == "final_accepted"
                 or (which == "midterm" and tranche.condition == "midterm_passed")
                 or (tranche.condition == "date" and (tranche.due_on is None
                                                      or tranche.due_on > day)))
        if tranche.status in ("scheduled", "due") and later:
            stop(session, actor, None, tranche, reason)
    if refund_fen:
        open_refund(session, actor, user, agreement, refund_fen, note)


# Ledger memos are part of the financial record, kept in the platform's language (zh-CN)
# like the counterparty's name; the entry's kind is shown in the reader's language beside it.
TRANCHE_MEMOS = {"stop": "停止拨付", "cancel": "取消"}


def stop(session: Session, actor: audit.Actor, user: Any, tranche: Tranche, reason: str,
         action: str = "stop") -> int:
    """Stop (or cancel) an unpaid tranche: what its funds committed and did not pay is
    released in their ledgers. Returns the money released."""
    lock_row(session, Tranche, tranche.id)
    session.refresh(tranche)
    tranche.stopped_reason = reason.strip()[:500]
    lifecycle.perform(session, actor, user, f"tranche.{action}", tranche, reason=reason[:500])
    released = 0
    for share in session.execute(select(TrancheShare).where(
            TrancheShare.tranche_id == tranche.id).order_by(TrancheShare.fund_id)).scalars():
        left = share.amount_fen - share.paid_fen
        if left > 0:
            fund = session.get(Fund, share.fund_id)
            assert fund is not None
            funds.add_entry(session, actor, fund, kind="release", amount_fen=left,
                            ref_type="tranche", ref_id=tranche.id,
                            memo=f"第{tranche.position}期拨款{TRANCHE_MEMOS.get(action, action)}")
            released += left
    return released


# ---- payments ---------------------------------------------------------------------------------

def paid_total(session: Session, agreement: Agreement) -> int:
    return int(session.execute(select(func.coalesce(func.sum(Tranche.paid_fen), 0)).where(
        Tranche.agreement_id == agreement.id)).scalar_one())


def pending_on(session: Session, tranche_id: int) -> int:
    return int(session.execute(select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
        Payment.tranche_id == tranche_id, Payment.status == "pending")).scalar_one())


class DuplicateRefund(Exception):
    def __init__(self, refund: Refund):
        super().__init__(f"refund {refund.id} already recorded")
        self.refund = refund


class DuplicatePayment(Exception):
    def __init__(self, payment: Payment):
        super().__init__(f"payment {payment.id} already recorded")
        self.payment = payment


def normalise_reference(raw: str) -> str:
    """A bank reference as the bank means it: full-width characters made plain (NFKC), spaces
    and invisible format characters (zero-width spaces) dropped, letters in capitals (cmb
    2026110001 is CMB2026110001). Control characters stay, for the form to refuse."""
    plain = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in plain if not ch.isspace()
                   and unicodedata.category(ch) != "Cf").upper()


def _reference_problem(session: Session, reference: str, form_key: str | None) -> str:
    """A bank reference names one transfer: another payment recorded with it (and not
    rejected), or a refund received with it, is a typing slip or the same money recorded
    twice. The same payment form sent again is not: it is answered as already recorded.
    (Finance staff, who record both, see every agreement, so the other one is named.)"""
    payment = session.execute(select(Payment).where(
        Payment.bank_reference == reference, Payment.status != "rejected")
        .order_by(Payment.id)).scalars().first()
    if payment is not None and not (form_key and payment.form_key == form_key):
        agreement = session.get(Agreement, payment.agreement_id)
        return _("Bank reference %(reference)s is already recorded for a payment of "
                 "%(amount)s on %(day)s under agreement %(number)s. Check the bank statement.",
                 reference=reference, amount=format_yuan(payment.amount_fen),
                 day=payment.paid_on.isoformat(), number=agreement.number if agreement else "")
    refund = session.execute(select(Refund).where(
        Refund.bank_reference == reference, Refund.status == "refunded")
        .order_by(Refund.id)).scalars().first()
    if refund is not None and refund.refunded_on is not None:
        agreement = session.get(Agreement, refund.agreement_id)
        return _("Bank reference %(reference)s is already recorded for a refund of %(amount)s "
                 "received on %(day)s under agreement %(number)s. Check the bank statement.",
                 reference=reference, amount=format_yuan(refund.amount_fen),
                 day=refund.refunded_on.isoformat(), number=agreement.number if agreement else "")
    return ""


def record_payment(session: Session, actor: audit.Actor, user: Any, tranche: Tranche, *,
                   amount_fen: int | None, paid_on: date | None, bank_reference: str,
                   note: str = "", filename: str = "", data: bytes = b"",
                   form_key: str | None = None) -> Payment:
    """Finance records money paid on a due tranche; it counts once a different person
    approves it. Partial payments add up; together they never exceed the tranche."""
    from grants.applications import attachments

    bank_reference, note = normalise_reference(bank_reference), note.strip()
    errors = column_problems(Payment, {"bank_reference": bank_reference, "note": note,
                                       "form_key": form_key})
    if amount_fen is None or amount_fen <= 0:
        errors.setdefault("amount", _("Enter an amount greater than zero."))
    if paid_on is None:
        errors["paid_on"] = _("Enter a date like 2027-03-31.")
    elif paid_on > today():
        errors["paid_on"] = _("The date cannot be in the future.")
    if not bank_reference:
        errors["bank_reference"] = _("Enter the bank's reference for the transfer.")
    kind = ""
    if data:
        try:
            kind = attachments.check_upload(filename, data)
        except FormErrors as error:
            errors["voucher"] = error.errors.get("file") or _("This file is not accepted.")
    agreement = session.get(Agreement, tranche.agreement_id)
    assert agreement is not None
    if paid_on and agreement.signed_on and paid_on < agreement.signed_on:
        errors["paid_on"] = _("The money cannot have been paid before the agreement was "
                              "signed on %(day)s.", day=agreement.signed_on.isoformat())
    if bank_reference and "bank_reference" not in errors:
        lock_key(session, f"bank-reference:{bank_reference}")
        reused = _reference_problem(session, bank_reference, form_key)
        if reused:
            errors["bank_reference"] = reused
    if errors:
        raise FormErrors(errors)
    assert amount_fen is not None and paid_on is not None
    lock_row(session, Tranche, tranche.id)
    session.refresh(tranche)
    if form_key:
        earlier = session.execute(select(Payment).where(Payment.form_key == form_key)
                                  ).scalars().first()
        if earlier is not None:
            raise DuplicatePayment(earlier)
    room = tranche.amount_fen - tranche.paid_fen - pending_on(session, tranche.id or 0)
    if amount_fen > room:
        raise FormErrors({"amount": _(
            "Only %(room)s of this tranche is left to pay (%(amount)s, of which %(paid)s is "
            "paid and the rest awaits approval).", room=format_yuan(max(0, room)),
            amount=format_yuan(tranche.amount_fen), paid=format_yuan(tranche.paid_fen))})
    if tranche.status == "scheduled":  # a dated tranche whose day has come
        refresh_due(session, actor, agreement)
    if tranche.status == "due":
        lifecycle.perform(session, actor, user, "tranche.request", tranche)
    elif tranche.status != "requested":
        raise lifecycle.Refused([lifecycle.state_refusal(
            lifecycle.LIFECYCLES["tranche"], lifecycle.LIFECYCLES["tranche"].transition(
                "request"), tranche)])
    payment = Payment(tranche_id=tranche.id, agreement_id=agreement.id,
                      round_id=tranche.round_id, organisation_id=tranche.organisation_id,
                      amount_fen=amount_fen, paid_on=paid_on, bank_reference=bank_reference,
                      note=note, recorded_by_id=getattr(user, "id", None),
                      form_key=form_key or None)
    if data:
        payment.voucher_stored = _store(data)
        payment.voucher_name = attachments.safe_filename(filename)
        payment.voucher_kind = kind
    session.add(payment)
    session.flush()
    audit.record(session, actor, "payment.record", payment)
    return payment


def approve(session: Session, actor: audit.Actor, user: Any, payment: Payment) -> Payment:
    """A different person approves: the amount leaves the funds as disbursements (split over
    the tranche's funds by what each still owes) and the tranche is paid when covered."""
    lock_row(session, Payment, payment.id)
    session.refresh(payment)
    tranche = session.get(Tranche, payment.tranche_id)
    assert tranche is not None
    lock_row(session, Tranche, tranche.id)
    session.refresh(tranche)
    if payment.status == "pending" and tranche.paid_fen + payment.amount_fen > tranche.amount_fen:
        raise FormErrors({"payment": _("This payment would pay more than the tranche.")})
    lifecycle.perform(session, actor, user, "payment.approve", payment)
    payment.decided_by_id = getattr(user, "id", None)
    payment.decided_at = payment.updated_at
    shares = list(session.execute(select(TrancheShare).where(
        TrancheShare.tranche_id == tranche.id).order_by(TrancheShare.fund_id)).scalars())
    owed = [s.amount_fen - s.paid_fen for s in shares]
    for share, part in zip(shares, split(payment.amount_fen, owed), strict=True):
        if part <= 0:
            continue
        fund = session.get(Fund, share.fund_id)
        assert fund is not None
        funds.add_entry(session, actor, fund, kind="disbursement", amount_fen=part,
                        occurred_on=payment.paid_on, counterparty=_organisation_name(
                            session, payment.organisation_id)[:100],
                        memo=f"付款 银行参考号 {payment.bank_reference}"[:300],
                        ref_type="payment", ref_id=payment.id)
        share.paid_fen += part
    tranche.paid_fen += payment.amount_fen
    if tranche.paid_fen == tranche.amount_fen:
        lifecycle.perform(session, actor, None, "tranche.settle", tranche)
    elif pending_on(session, tranche.id or 0) == 0:
        lifecycle.perform(session, actor, None, "tranche.reopen", tranche)
    return payment


def reject(session: Session, actor: audit.Actor, user: Any, payment: Payment,
           reason: str) -> Payment:
    lock_row(session, Payment, payment.id)
    session.refresh(payment)
    lifecycle.perform(session, actor, user, "payment.reject", payment, reason=reason)
    payment.decided_by_id = getattr(user, "id", None)
    payment.decided_at = payment.updated_at
    payment.note = (payment.note + " / " if payment.note else "") + reason.strip()[:200]
    tranche = session.get(Tranche, payment.tranche_id)
    assert tranche is not None
    lock_row(session, Tranche, tranche.id)
    session.refresh(tranche)
    if tranche.status == "requested" and pending_on(session, tranche.id or 0) == 0:
        lifecycle.perform(session, actor, None, "tranche.reopen", tranche)
    return payment


def _organisation_name(session: Session, organisation_id: int) -> str:
    from grants.organisations.models import Organisation

    return session.execute(select(Organisation.name).where(
        Organisation.id == organisation_id)).scalar() or ""


# ---- refunds (clawbacks) ------------------------------------------------------------------

def open_refund(session: Session, actor: audit.Actor, user: Any, agreement: Agreement,
                amount_fen: int, reason: str) -> Refund:
    paid = paid_total(session, agreement)
    already = int(session.execute(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.agreement_id == agreement.id,
        Refund.status.in_(("due", "write_off_requested", "refunded")))).scalar_one())
    if not 0 < amount_fen <= paid - already:
        raise FormErrors({"refund": _("A refund is between ¥0.01 and the %(paid)s already paid.",
                                      paid=format_yuan(max(0, paid - already)))})
    refund = Refund(agreement_id=agreement.id, round_id=agreement.round_id,
                    organisation_id=agreement.organisation_id, amount_fen=amount_fen,
                    reason=reason.strip()[:2000], requested_by_id=getattr(user, "id", None))
    session.add(refund)
    session.flush()
    audit.record(session, actor, "refund.open", refund)
    return refund


def ask_back(session: Session, actor: audit.Actor, user: Any, agreement: Agreement,
             amount_fen: int | None, reason: str) -> Refund:
    """Ask for money paid under a revoked award back (its agreement is cancelled: there is
    no evaluation or termination left to ask it with)."""
    reason = reason.strip()
    errors: dict[str, str] = {}
    if agreement.status != "cancelled":
        errors["refund"] = _("Money is asked back this way only when the award was revoked; "
                             "otherwise record a failed evaluation or terminate the agreement.")
    if amount_fen is None:
        errors["refund"] = _("Enter an amount greater than zero.")
    problem = reason_problem(reason, 1000)
    if problem:
        errors["reason"] = problem
    if errors:
        raise FormErrors(errors)
    assert amount_fen is not None
    lock_row(session, Agreement, agreement.id)
    return open_refund(session, actor, user, agreement, amount_fen, reason)


def record_refund(session: Session, actor: audit.Actor, user: Any, refund: Refund, *,
                  refunded_on: date | None, bank_reference: str) -> Refund:
    """The organisation paid the money back: it returns to the funds that paid it, in
    proportion to what each disbursed. The same form sent again (the refund is already
    recorded with this reference) is answered as already recorded: DuplicateRefund."""
    bank_reference = normalise_reference(bank_reference)
    if refund.status == "refunded" and refund.bank_reference == bank_reference:
        raise DuplicateRefund(refund)
    errors = column_problems(Refund, {"bank_reference": bank_reference})
    if refunded_on is None:
        errors["refunded_on"] = _("Enter a date like 2027-03-31.")
    elif refunded_on > today():
        errors["refunded_on"] = _("The date cannot be in the future.")
    elif refunded_on < local(refund.created_at).date():
        # Money comes back after it was asked for (a date before would rewrite a past
        # period of the fund's statement).
        errors["refunded_on"] = _("The refund was asked for on %(day)s: the money cannot have "
                                  "come back before.", day=local(refund.created_at).date()
                                  .isoformat())
    if not bank_reference:
        errors["bank_reference"] = _("Enter the bank's reference for the transfer.")
    elif "bank_reference" not in errors:
        lock_key(session, f"bank-reference:{bank_reference}")
        reused = _reference_problem(session, bank_reference, None)
        if reused:
            errors["bank_reference"] = reused
    if errors:
        raise FormErrors(errors)
    lock_row(session, Refund, refund.id)
    session.refresh(refund)
    refund.refunded_on = refunded_on
    refund.bank_reference = bank_reference
    lifecycle.perform(session, actor, user, "refund.record", refund)
    paid_by_fund = session.execute(
        select(TrancheShare.fund_id, func.sum(TrancheShare.paid_fen))
        .join(Tranche, Tranche.id == TrancheShare.tranche_id)
        .where(Tranche.agreement_id == refund.agreement_id)
        .group_by(TrancheShare.fund_id).order_by(TrancheShare.fund_id)).all()
    parts = split(refund.amount_fen, [int(p) for _f, p in paid_by_fund])
    for (fund_id, _paid), part in zip(paid_by_fund, parts, strict=True):
        if part > 0:
            fund = session.get(Fund, fund_id)
            assert fund is not None
            funds.add_entry(session, actor, fund, kind="refund", amount_fen=part,
                            occurred_on=refunded_on, counterparty=_organisation_name(
                                session, refund.organisation_id)[:100],
                            memo=f"退款 银行参考号 {bank_reference}"[:300],
                            ref_type="refund", ref_id=refund.id)
    return refund


def request_write_off(session: Session, actor: audit.Actor, user: Any, refund: Refund,
                      reason: str) -> Refund:
    refund.write_off_reason = reason.strip()[:500]
    refund.requested_by_id = getattr(user, "id", None)
    lifecycle.perform(session, actor, user, "refund.request_write_off", refund, reason=reason)
    return refund


def decide_write_off(session: Session, actor: audit.Actor, user: Any, refund: Refund,
                     approve_it: bool, reason: str = "") -> Refund:
    lock_row(session, Refund, refund.id)
    session.refresh(refund)
    action = "refund.approve_write_off" if approve_it else "refund.reject_write_off"
    lifecycle.perform(session, actor, user, action, refund, reason=reason)
    refund.decided_by_id = getattr(user, "id", None)
    return refund


# ---- finance views ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Movement:
    entry: Any  # the entry's row: id, kind, amount_fen, occurred_on, counterparty, memo…
    signed_available: int  # the effect on the fund's money not committed
    signed_held: int  # the effect on what the fund holds (available + committed)


def statement(session: Session, fund: Fund, first: date, last: date) -> dict[str, Any]:
    """Opening balance, every approved movement of the period, closing balance. Balances are
    of money held (contributed + refunds − disbursed) and committed, from the ledger alone."""
    from grants.funds.models import ENTRY_EFFECTS

    def held_effect(kind: str) -> int:
        a, c = ENTRY_EFFECTS[kind]
        return a + c  # money in the fund: commitments move money within it

    def sums(condition: Any) -> tuple[int, int]:
        rows = session.execute(select(FundEntry.kind, FundEntry.reverses_id.is_(None),
                                      func.sum(FundEntry.amount_fen))
                               .where(FundEntry.fund_id == fund.id,
                                      FundEntry.status == "approved", condition)
                               .group_by(FundEntry.kind, FundEntry.reverses_id.is_(None))).all()
        held = committed = 0
        for kind, original, amount in rows:
            sign = 1 if original else -1
            held += sign * held_effect(kind) * int(amount)
            committed += sign * ENTRY_EFFECTS[kind][1] * int(amount)
        return held, committed

    opening_held, opening_committed = sums(FundEntry.occurred_on < first)
    table = FundEntry.__table__  # plain rows: a statement may list 100,000 entries
    entries = session.execute(select(
        table.c.id, table.c.kind, table.c.amount_fen, table.c.occurred_on,
        table.c.counterparty, table.c.memo, table.c.reverses_id).where(
        table.c.fund_id == fund.id, table.c.status == "approved",
        table.c.occurred_on >= first, table.c.occurred_on <= last)
        .order_by(table.c.occurred_on, table.c.id)).all()
    moves = []
    held, committed = opening_held, opening_committed
    for e in entries:
        sign = 1 if e.reverses_id is None else -1
        a, c = ENTRY_EFFECTS[e.kind]
        held += sign * (a + c) * e.amount_fen
        committed += sign * c * e.amount_fen
        moves.append(Movement(e, sign * a * e.amount_fen, sign * (a + c) * e.amount_fen))
    totals: dict[str, int] = {}
    for m in moves:
        sign = 1 if m.entry.reverses_id is None else -1
        totals[m.entry.kind] = totals.get(m.entry.kind, 0) + sign * m.entry.amount_fen
    return {"fund": fund, "first": first, "last": last, "opening_held": opening_held,
            "opening_committed": opening_committed, "moves": moves, "closing_held": held,
            "closing_committed": committed, "totals": totals}


def open_tranches_of(session: Session, agreement_ids: list[int]) -> list[Tranche]:
    return list(session.execute(select(Tranche).where(
        Tranche.agreement_id.in_(agreement_ids), Tranche.status.in_(OPEN_TRANCHES))
        .order_by(Tranche.due_on, Tranche.id)).scalars())


# ---- reconciliation against a bank statement ------------------------------------------------

@dataclass(frozen=True)
class BankLine:
    row: int
    on: date | None
    reference: str
    amount_fen: int  # negative: money out of the account; positive: money in


def parse_bank_statement(filename: str, data: bytes) -> list[BankLine]:
    """Rows of an xlsx or CSV bank statement with the columns date, reference and amount
    (Chinese headers 日期, 参考号/摘要, 金额 are understood). FormErrors says what is wrong."""
    import csv
    import io

    from grants import spreadsheets
    from grants.money import MoneyError, parse_yuan
    from grants.validation import parse_date

    if not data:
        raise FormErrors({"file": _("Choose a file to upload.")})
    rows: list[list[Any]]
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise FormErrors({"file": _("The CSV file is neither UTF-8 nor GB18030 "
                                            "text.")}) from None
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        try:
            book = spreadsheets.load(data)
        except spreadsheets.UnsafeWorkbook:
            raise FormErrors({"file": _("This is not an Excel (.xlsx) or CSV file we can "
                                        "read.")}) from None
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    if not rows:
        raise FormErrors({"file": _("The file is empty.")})
    header = [str(h or "").strip().lower() for h in rows[0]]
    names = {"date": ("date", "日期", "交易日期"), "reference": ("reference", "参考号", "摘要",
                                                          "流水号"),
             "amount": ("amount", "金额", "交易金额")}
    index = {}
    for key, options in names.items():
        found = [i for i, h in enumerate(header) if h in options]
        if not found:
            raise FormErrors({"file": _("The first row must name the columns date, reference "
                                        "and amount (日期, 参考号, 金额).")})
        index[key] = found[0]
    out: list[BankLine] = []
    problems: list[str] = []
    for number, row in enumerate(rows[1:5001], start=2):
        if not any(str(c or "").strip() for c in row):
            continue
        padded = [*row, None, None, None]
        raw_date, raw_amount = padded[index["date"]], padded[index["amount"]]
        reference = str(padded[index["reference"]] or "")
        try:
            day = (raw_date.date() if hasattr(raw_date, "date") else
                   parse_date(str(raw_date or "").strip()[:10], 2000, 2100))
        except ValueError:
            day = None
        try:
            text = str(raw_amount if raw_amount is not None else "").strip()
            negative = text.startswith("-")
            amount = parse_yuan(text.lstrip("-+"))
            amount = -amount if negative else amount
        except MoneyError as error:
            problems.append(_("Row %(row)s: %(problem)s", row=number, problem=str(error)))
            continue
        out.append(BankLine(number, day, reference.strip()[:60], amount))
    if len(rows) > 5001:
        problems.append(_("Only the first 5,000 rows are read."))
    if problems and not out:
        raise FormErrors({"file": "; ".join(problems[:5])})
    return out


@dataclass
class Reconciliation:
    matched: list[tuple[BankLine, str]]
    bank_only: list[BankLine]
    ledger_only: list[tuple[str, str, int, date | None]]  # (kind, reference, amount, date)


def reconcile(session: Session, fund: Fund, lines: list[BankLine]) -> Reconciliation:
    """Match bank lines with the payments and refunds that touched the fund, by reference and
    amount (payments out, refunds in); list what does not match on either side."""
    payments = session.execute(
        select(Payment.bank_reference, Payment.amount_fen, Payment.paid_on)
        .where(Payment.status == "approved", Payment.id.in_(
            select(FundEntry.ref_id).where(FundEntry.fund_id == fund.id,
                                           FundEntry.ref_type == "payment")))).all()
    refunds = session.execute(
        select(Refund.bank_reference, Refund.amount_fen, Refund.refunded_on)
        .where(Refund.status == "refunded", Refund.id.in_(
            select(FundEntry.ref_id).where(FundEntry.fund_id == fund.id,
                                           FundEntry.ref_type == "refund")))).all()
    ledger: dict[tuple[str, int], list[tuple[str, str, int, date | None]]] = {}
    for ref, amount, on in payments:
        ledger.setdefault((normalise_reference(ref), -int(amount)), []).append(
            ("payment", ref, -int(amount), on))
    for ref, amount, on in refunds:
        ledger.setdefault((normalise_reference(ref), int(amount)), []).append(
            ("refund", ref, int(amount), on))
    matched, bank_only = [], []
    for line in lines:
        waiting = ledger.get((normalise_reference(line.reference), line.amount_fen))
        if waiting:
            kind = waiting.pop(0)[0]
            matched.append((line, kind))
        else:
            bank_only.append(line)
    ledger_only = [item for items in ledger.values() for item in items]
    return Reconciliation(matched, bank_only, sorted(ledger_only, key=lambda i: (
        i[3] or date.min, i[1])))


def terminate(session: Session, actor: audit.Actor, user: Any, agreement: Agreement, *,
              reason: str, refund_fen: int | None = None,
              bar_until: date | None = None) -> None:
    """Terminate a signed agreement for breach: every unpaid tranche stops (its money is
    released), a refund of money paid can be opened, and the organisation can be barred from
    applying to rounds until `bar_until` (inclusive)."""
    from grants.organisations import bars

    reason = reason.strip()
    problem = reason_problem(reason, bars.MAX_REASON)
    if problem:
        raise FormErrors({"reason": problem})
    lock_row(session, Agreement, agreement.id)
    session.refresh(agreement)
    lifecycle.perform(session, actor, user, "agreement.terminate", agreement, reason=reason)
    note = _("The agreement was terminated for breach: %(reason)s", reason=reason)[:500]
    for tranche in tranches_of(session, agreement):
        if tranche.status in ("scheduled", "due"):
            stop(session, actor, user, tranche, note)
    if refund_fen:
        open_refund(session, actor, user, agreement, refund_fen, note)
    if bar_until is not None:
        bars.bar(session, actor, user, agreement.organisation_id, reason=reason,
                 ends_on=bar_until, agreement_id=agreement.id)
