"""Funds: creation, restrictions, and a ledger from which every balance is derived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.db import lock_row
from grants.funds.models import ENTRY_EFFECTS, Fund, FundEntry
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.permissions import can
from grants.regions import scope
from grants.regions import services as regions
from grants.timeutil import now, today
from grants.validation import FormErrors, column_problems
from grants.vocab import CATEGORIES, FUND_KINDS, SERVICE_AREAS, TARGET_GROUPS

EDITABLE = ("name", "kind", "owner_org_id", "host_org_id", "owner_name", "description",
            "service_areas", "target_groups", "community_ids", "categories", "region_id")

# Rounds in these statuses have promised their attached money to applicants: it is reserved
# in the fund. From `decided` on, awards commit the money in the ledger instead.
RESERVING_STATUSES = ("open", "closed", "judging")


@dataclass(frozen=True)
class Balance:
    """A fund's figures, derived from its approved ledger entries and the rounds it funds.

    `available` is THE definition used on every page and by every check: money in
    (contributions and adjustments in, less approved adjustments out), less what awards have
    committed (committed money that has been disbursed stays spent), less what rounds in
    RESERVING_STATUSES have reserved. Nobody may take a fund below zero on this figure, so a
    withdrawal can never touch money that is committed or promised.
    """

    contributed: int = 0  # contributions + adjustments in - adjustments out (approved)
    committed: int = 0  # committed to awards and not yet disbursed
    disbursed: int = 0  # paid out
    refunded: int = 0  # paid out, then paid back (clawbacks)
    reserved: int = 0  # attached to rounds that have promised it to applicants
    pending_out: int = 0  # adjustments out waiting for a second person's approval
    available: int = 0  # free to attach, commit or withdraw
    reserved_by: tuple[tuple[str, int], ...] = ()  # (round name, amount)

    @property
    def held(self) -> int:
        """Money in the fund not yet committed (before reservations)."""
        return self.available + self.reserved


def validate(session: Session, data: dict[str, Any], existing: Fund | None,
             user: Any = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """Check a fund's fields; `errors` are the problems the form reader already found (kept
    before the service's own). Returns the data cleaned or raises FormErrors listing all."""
    errors = dict(errors or {})
    # The owning region: a district or street within the organiser's scope (a scoped
    # organiser who leaves it blank owns the fund for their own region).
    if data.get("region_id") is None and getattr(user, "scope_region_id", None) is not None:
        data["region_id"] = user.scope_region_id
    if data.get("region_id") is not None:
        problem = scope.check_region(session, user, data["region_id"])
        if problem:
            errors.setdefault("region_id", _(problem))
    if not data.get("name"):
        errors.setdefault("name", _("This field is required."))
    else:
        clash = select(Fund.id).where(Fund.name == data["name"])
        if existing is not None:
            clash = clash.where(Fund.id != existing.id)
        if session.execute(clash).first():
            errors.setdefault("name", _("A fund with this name already exists."))
    if data.get("kind") not in FUND_KINDS:
        errors.setdefault("kind", _("Choose one."))
    for key in ("owner_org_id", "host_org_id"):
        if data.get(key) is not None and session.get(Organisation, data[key]) is None:
            errors.setdefault(key, _("Not a valid choice."))
    if data.get("kind") == "named_fund" and not data.get("host_org_id"):
        errors.setdefault("host_org_id", _(
            "A named fund is hosted by a public-fundraising foundation: choose it."))
    if not data.get("owner_org_id") and not data.get("owner_name"):
        errors.setdefault("owner_name", _("Name the owner: an organisation or a body."))
    for key, vocabulary in (("service_areas", SERVICE_AREAS), ("target_groups", TARGET_GROUPS),
                            ("categories", CATEGORIES)):
        if any(code not in vocabulary for code in data.get(key, [])):
            errors.setdefault(key, _("Not a valid choice."))
    if not regions.all_communities(session, data.get("community_ids", [])):
        errors.setdefault("community_ids", _("Choose communities from the list."))
    if errors:
        raise FormErrors(errors)
    return data


def create(session: Session, actor: audit.Actor, data: dict[str, Any], user: Any = None,
           errors: dict[str, str] | None = None) -> Fund:
    data = validate(session, data, None, user, errors)
    fund = Fund(**{k: data[k] for k in EDITABLE if k in data})
    session.add(fund)
    audit.record(session, actor, "fund.create", fund)
    return fund


def update(session: Session, actor: audit.Actor, fund: Fund, data: dict[str, Any],
           user: Any = None, errors: dict[str, str] | None = None) -> Fund:
    data = validate(session, data, fund, user, errors)
    before = audit.snapshot(fund)
    for key in EDITABLE:
        if key in data:
            setattr(fund, key, data[key])
    audit.record(session, actor, "fund.update", fund, before=before)
    return fund


class DuplicateEntry(Exception):
    """The form that records this entry was already sent (double click, replay)."""

    def __init__(self, entry: FundEntry):
        super().__init__(f"entry {entry.id} already recorded")
        self.entry = entry


def add_entry(session: Session, actor: audit.Actor, fund: Fund, *, kind: str, amount_fen: int,
              occurred_on: date | None = None, counterparty: str = "", memo: str = "",
              ref_type: str = "", ref_id: int | None = None,
              form_key: str | None = None) -> FundEntry:
    """Append a ledger entry; nothing may take the available balance below zero.

    A manual adjustment out is recorded as `pending` and counts only once a different
    organiser or finance user approves it (`decide_entry`). A commitment for a round
    (ref_type "round") may use that round's own reservation. `form_key`, the one-time key of
    the form, makes a form sent twice record one entry: the second raises DuplicateEntry.
    """
    if kind not in ENTRY_EFFECTS:
        raise FormErrors({"kind": _("Not a valid choice.")})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise FormErrors({"amount": _("Enter an amount greater than zero.")})
    if occurred_on is not None and occurred_on > today():
        raise FormErrors({"occurred_on": _("The date cannot be in the future.")})
    errors = column_problems(FundEntry, {"counterparty": counterparty, "memo": memo,
                                         "form_key": form_key})
    if errors:
        raise FormErrors(errors)
    lock_fund(session, fund)
    if form_key:
        earlier = session.execute(select(FundEntry).where(FundEntry.form_key == form_key)
                                  ).scalar_one_or_none()
        if earlier is not None:
            raise DuplicateEntry(earlier)
    effect_available, effect_committed = ENTRY_EFFECTS[kind]
    own_round = ref_id if ref_type == "round" else None
    current = balances(session, [fund.id], exclude_round_id=own_round)[fund.id]
    if current.available + effect_available * amount_fen < 0:
        raise FormErrors({"amount": shortfall_message(current, amount_fen)})
    if current.committed + effect_committed * amount_fen < 0:
        raise FormErrors({"amount": _(
            "Only %(committed)s is committed from this fund.",
            committed=_format(current.committed))})
    pending = kind == "adjustment_out"
    entry = FundEntry(fund_id=fund.id, kind=kind, amount_fen=amount_fen,
                      occurred_on=occurred_on or today(), counterparty=counterparty.strip(),
                      memo=memo.strip(), ref_type=ref_type, ref_id=ref_id,
                      created_by_id=actor.id, status="pending" if pending else "approved",
                      form_key=form_key or None)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:  # the same form, sent in parallel, won the race
        session.rollback()
        earlier = session.execute(select(FundEntry).where(FundEntry.form_key == form_key)
                                  ).scalar_one_or_none()
        if earlier is None:
            raise
        raise DuplicateEntry(earlier) from None
    audit.record(session, actor, f"fund.{kind}_request" if pending else f"fund.{kind}", entry)
    return entry


MANUAL_KINDS = ("contribution", "adjustment_in", "adjustment_out")


def reverse_entry(session: Session, actor: audit.Actor, entry: FundEntry,
                  reason: str) -> FundEntry:
    """Correct a manual entry by a reversing entry (same kind, opposite effect): entries are
    never edited or deleted. Money moved by awards, payments and refunds is corrected there."""
    reason = reason.strip()
    errors = column_problems(FundEntry, {"memo": reason})
    if not reason:
        errors["reason"] = _("Give a reason.")
    elif "memo" in errors:
        errors["reason"] = errors.pop("memo")
    if entry.kind not in MANUAL_KINDS or entry.ref_type:
        errors["entry"] = _("Only contributions and adjustments are corrected here; money "
                            "moved by awards, payments and refunds is corrected there.")
    elif entry.reverses_id is not None:
        errors["entry"] = _("This entry is itself a correction.")
    elif entry.status != "approved":
        errors["entry"] = _("Only approved entries can be reversed.")
    if errors:
        raise FormErrors(errors)
    fund = session.get(Fund, entry.fund_id)
    assert fund is not None
    lock_fund(session, fund)
    done = session.execute(select(FundEntry.id).where(FundEntry.reverses_id == entry.id)
                           ).scalar()
    if done is not None:
        raise FormErrors({"entry": _("This entry has already been reversed.")})
    effect_available, _effect_committed = ENTRY_EFFECTS[entry.kind]
    current = balances(session, [fund.id])[fund.id or 0]
    if current.available - effect_available * entry.amount_fen < 0:
        raise FormErrors({"entry": shortfall_message(current, entry.amount_fen)})
    reversal = FundEntry(fund_id=entry.fund_id, kind=entry.kind, amount_fen=entry.amount_fen,
                         occurred_on=today(), counterparty=entry.counterparty,
                         memo=reason[:300], created_by_id=actor.id, reverses_id=entry.id)
    session.add(reversal)
    session.flush()
    audit.record(session, actor, "fund.reverse", reversal, after={
        **audit.snapshot(reversal), "reverses": entry.id})
    return reversal


def shortfall_message(current: Balance, amount_fen: int) -> str:
    if current.reserved or current.committed:
        return _("The fund has only %(available)s available: of %(held)s held, %(reserved)s "
                 "is promised to open rounds and %(committed)s is committed to awards. You "
                 "asked for %(amount)s.", available=_format(current.available),
                 held=_format(current.held + current.committed),
                 reserved=_format(current.reserved), committed=_format(current.committed),
                 amount=_format(amount_fen))
    return _("The fund has only %(available)s available; this would over-commit it.",
             available=_format(current.available))


def decide_entry(session: Session, actor: audit.Actor, user: User, entry: FundEntry,
                 approve: bool) -> FundEntry:
    """The checker's step: a different organiser or finance user approves or rejects a
    pending entry. Approval re-checks the available balance at that moment."""
    if entry.status != "pending":
        raise FormErrors({"entry": _("This entry has already been decided.")})
    if entry.created_by_id is not None and entry.created_by_id == user.id:
        raise FormErrors({"entry": _(
            "A second person must approve: you recorded this entry yourself.")})
    fund = session.get(Fund, entry.fund_id)
    assert fund is not None
    lock_fund(session, fund)
    session.refresh(entry)
    if entry.status != "pending":
        raise FormErrors({"entry": _("This entry has already been decided.")})
    before = audit.snapshot(entry)
    if approve:
        effect_available, _effect = ENTRY_EFFECTS[entry.kind]
        current = balances(session, [fund.id])[fund.id]
        if current.available + effect_available * entry.amount_fen < 0:
            raise FormErrors({"entry": shortfall_message(current, entry.amount_fen)})
    entry.status = "approved" if approve else "rejected"
    entry.decided_by_id = user.id
    entry.decided_at = now()
    audit.record(session, actor, "fund.entry_approve" if approve else "fund.entry_reject",
                 entry, before=before)
    return entry


def _format(fen: int) -> str:
    from grants.money import format_yuan

    return format_yuan(fen)


def lock_fund(session: Session, fund: Fund) -> None:
    """Serialise ledger writers on one fund (PostgreSQL row lock; SQLite locks the database)."""
    lock_row(session, Fund, fund.id)


# The two statements of `balances`, built once: building them (a sum per entry kind) cost more
# than running them, on every page that shows a fund's money.
@cache
def _ledger_sums() -> Any:
    pending = func.coalesce(func.sum(case(
        ((FundEntry.status == "pending") & (FundEntry.kind == "adjustment_out"),
         FundEntry.amount_fen), else_=0)), 0)
    # The kind sums count approved entries only; pending withdrawals are shown apart.
    # A reversing entry counts against its kind (entries are corrected, never edited).
    signed = case((FundEntry.reverses_id.is_(None), FundEntry.amount_fen),
                  else_=-FundEntry.amount_fen)
    return (select(FundEntry.fund_id, *[func.coalesce(func.sum(case(
        ((FundEntry.kind == k) & (FundEntry.status == "approved"), signed),
        else_=0)), 0).label(k) for k in ENTRY_EFFECTS], pending.label("pending"))
        .where(FundEntry.fund_id.in_(bindparam("fund_ids", expanding=True)))
        .group_by(FundEntry.fund_id))


@cache
def _reservations(excluding_a_round: bool) -> Any:
    from grants.rounds.models import Round, RoundFund

    query = (select(RoundFund.fund_id, RoundFund.amount_fen, Round.name)
             .join(Round, Round.id == RoundFund.round_id)
             .where(RoundFund.fund_id.in_(bindparam("fund_ids", expanding=True)),
                    Round.status.in_(RESERVING_STATUSES))
             .order_by(Round.id))
    if excluding_a_round:
        query = query.where(RoundFund.round_id != bindparam("exclude_round_id"))
    return query


def balances(session: Session, fund_ids: list[int | None],
             exclude_round_id: int | None = None) -> dict[int, Balance]:
    """Every listed fund's Balance in two grouped queries (ledger sums, reservations).

    `exclude_round_id`: leave that round's own reservation out (a round changing what it
    attaches, or committing its awards, may use the money it already reserved)."""
    ids = [i for i in fund_ids if i is not None]
    rows = session.execute(_ledger_sums(), {"fund_ids": ids}).all()
    reserve_query = _reservations(exclude_round_id is not None)
    reserved: dict[int, list[tuple[str, int]]] = {}
    for fund_id, amount, name in session.execute(
            reserve_query, {"fund_ids": ids, "exclude_round_id": exclude_round_id}).all():
        reserved.setdefault(fund_id, []).append((name, int(amount)))
    totals_by_fund = {row.fund_id: ({k: int(getattr(row, k)) for k in ENTRY_EFFECTS},
                                    int(row.pending)) for row in rows}
    out = {}
    for fid in ids:
        totals, pending_out = totals_by_fund.get(fid, (dict.fromkeys(ENTRY_EFFECTS, 0), 0))
        contributed = totals["contribution"] + totals["adjustment_in"] - totals["adjustment_out"]
        committed = totals["commitment"] - totals["release"] - totals["disbursement"]
        held = sum(effect[0] * totals[k] for k, effect in ENTRY_EFFECTS.items())
        promised = sum(a for _n, a in reserved.get(fid, []))
        out[fid] = Balance(contributed=contributed, committed=committed,
                           disbursed=totals["disbursement"], refunded=totals["refund"],
                           reserved=promised,
                           pending_out=pending_out, available=held - promised,
                           reserved_by=tuple(reserved.get(fid, [])))
    return out


def visible_funds(user: User, session: Session | None = None) -> Any:
    """The statement for funds this user may see: all for staff (an organiser: those of
    their scope), their own for a funder."""
    query = select(Fund).order_by(Fund.name)
    if session is not None:
        query = scope.restrict(query, user, Fund.region_id, session)
    if not can(user, "fund.list_all"):
        org = user.organisation_id or -1
        query = query.where(or_(Fund.owner_org_id == org, Fund.host_org_id == org))
    return query


def entries(session: Session, fund: Fund, limit: int = 200) -> list[FundEntry]:
    return list(session.execute(
        select(FundEntry).where(FundEntry.fund_id == fund.id)
        .order_by(FundEntry.occurred_on.desc(), FundEntry.id.desc()).limit(limit)
    ).scalars())
