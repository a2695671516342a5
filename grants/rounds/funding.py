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
from grants.money import format_yuan
from grants.rounds.models import Round, RoundFund
from grants.rounds.services import require_draft, touch
from grants.validation import FormErrors

# Rounds in these states have promised their attached money to applicants; a fund's money
# attached to them cannot be attached to another round. From `decided` on, awards commit the
# money in the fund's ledger instead.
RESERVING_STATUSES = ("open", "closed", "judging")


@dataclass(frozen=True)
class Attachable:
    """How much of a fund a round may still attach."""

    available: int  # the fund's ledger balance
    reserved: int  # attached to other rounds that have promised it to applicants
    reserved_by: tuple[tuple[str, int], ...] = ()

    @property
    def free(self) -> int:
        return max(0, self.available - self.reserved)


def attachable(session: Session, fund_ids: list[int], exclude_round_id: int | None
               ) -> dict[int, Attachable]:
    balances = funds_services.balances(session, list(fund_ids))
    query = (select(RoundFund.fund_id, RoundFund.amount_fen, Round.name)
             .join(Round, Round.id == RoundFund.round_id)
             .where(RoundFund.fund_id.in_(fund_ids),
                    Round.status.in_(RESERVING_STATUSES)))
    if exclude_round_id is not None:
        query = query.where(RoundFund.round_id != exclude_round_id)
    reserved: dict[int, list[tuple[str, int]]] = {}
    for fund_id, amount, name in session.execute(query).all():
        reserved.setdefault(fund_id, []).append((name, amount))
    return {fid: Attachable(available=balances[fid].available,
                            reserved=sum(a for _n, a in reserved.get(fid, [])),
                            reserved_by=tuple(reserved.get(fid, [])))
            for fid in fund_ids}


def over_attach_message(fund: Fund, amount: int, room: Attachable) -> str:
    if room.reserved:
        return _("%(fund)s has only %(free)s free: %(available)s available, of which "
                 "%(reserved)s is attached to other rounds (%(rounds)s). You asked for "
                 "%(amount)s.", fund=fund.name, free=format_yuan(room.free),
                 available=format_yuan(room.available), reserved=format_yuan(room.reserved),
                 rounds="、".join(n for n, _a in room.reserved_by), amount=format_yuan(amount))
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
