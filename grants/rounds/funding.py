"""Funds attached to a round: how much of a fund is still free, attaching and detaching it,
locking the attached funds and the round's budget.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.i18n import gettext as _
from grants.i18n import join_list
from grants.money import format_yuan
from grants.rounds.models import Round, RoundFund
from grants.rounds.services import require_draft, touch
from grants.validation import FormErrors

# Rounds in these states have promised their attached money to applicants (the one list, kept
# with the one definition of a fund's available money in grants.funds.services).
RESERVING_STATUSES = funds_services.RESERVING_STATUSES


@dataclass(frozen=True)
class Attachable:
    """How much of a fund a round may still attach."""

    available: int  # the fund's money not committed to awards (before reservations)
    reserved: int  # attached to other rounds that have promised it to applicants
    reserved_by: tuple[tuple[str, int], ...] = ()
    free: int = 0  # the fund's available balance, as the fund page shows it


def attachable(session: Session, fund_ids: list[int], exclude_round_id: int | None
               ) -> dict[int, Attachable]:
    """The fund's available balance (grants.funds.services.balances, the one definition),
    not counting this round's own reservation."""
    balances = funds_services.balances(session, list(fund_ids), exclude_round_id)
    return {fid: Attachable(available=balances[fid].held, reserved=balances[fid].reserved,
                            reserved_by=balances[fid].reserved_by,
                            free=max(0, balances[fid].available))
            for fid in fund_ids}


def over_attach_message(fund: Fund, amount: int, room: Attachable) -> str:
    if room.reserved:
        return _("%(fund)s has only %(free)s available: of the %(available)s not yet "
                 "committed, %(reserved)s is attached to other rounds (%(rounds)s). You asked "
                 "for %(amount)s.", fund=fund.name, free=format_yuan(room.free),
                 available=format_yuan(room.available), reserved=format_yuan(room.reserved),
                 rounds=join_list(n for n, _a in room.reserved_by), amount=format_yuan(amount))
    return _("%(fund)s has only %(free)s available. You asked for %(amount)s.",
             fund=fund.name, free=format_yuan(room.free), amount=format_yuan(amount))


def attach_fund(session: Session, actor: audit.Actor, round_: Round, fund_id: int | None,
                amount_fen: int | None, errors: dict[str, str] | None = None) -> RoundFund:
    """Attach an amount of a fund (or change the amount attached)."""
    require_draft(round_)
    errors = dict(errors or {})
    fund = session.get(Fund, fund_id) if fund_id else None
    if fund is None and "fund_id" not in errors:
        errors["fund_id"] = _("Choose a fund.")
    elif fund is not None and not fund.is_active:
        errors["fund_id"] = _("This fund is no longer active.")
    if amount_fen is None and "amount" not in errors:
        errors["amount"] = _("This field is required.")
    elif amount_fen is not None and amount_fen <= 0 and "amount" not in errors:
        errors["amount"] = _("Enter an amount greater than zero.")
    if errors:
        raise FormErrors(errors)
    assert fund is not None and fund.id is not None and amount_fen is not None
    funds_services.lock_fund(session, fund)
    room = attachable(session, [fund.id], round_.id)[fund.id]
    if amount_fen > room.free:
        raise FormErrors({"amount": over_attach_message(fund, amount_fen, room)})
    link = session.execute(select(RoundFund).where(
        RoundFund.round_id == round_.id, RoundFund.fund_id == fund.id)).scalar_one_or_none()
    before = audit.snapshot(link) if link else None
    if link is None:
        link = RoundFund(round_id=round_.id, fund_id=fund.id, amount_fen=amount_fen)
        session.add(link)
    else:
        link.amount_fen = amount_fen
    touch(round_)
    audit.record(session, actor, "round.fund_attach", link, before=before)
    return link


def detach_fund(session: Session, actor: audit.Actor, round_: Round, link: RoundFund) -> None:
    require_draft(round_)
    before = audit.snapshot(link)
    session.delete(link)
    touch(round_)
    audit.record(session, actor, "round.fund_detach", object_type="round_fund",
                 object_id=link.id, before=before)


def lock_round_funds(session: Session, round_: Round) -> None:
    """Serialise with other writers of the attached funds before checking their balances."""
    for fund in session.execute(select(Fund).join(RoundFund, RoundFund.fund_id == Fund.id)
                                .where(RoundFund.round_id == round_.id)
                                .order_by(Fund.id)).scalars():
        funds_services.lock_fund(session, fund)


def budget(session: Session, round_: Round) -> int:
    return int(session.execute(select(func.coalesce(func.sum(RoundFund.amount_fen), 0))
                               .where(RoundFund.round_id == round_.id)).scalar_one())
