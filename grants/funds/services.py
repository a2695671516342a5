"""Funds: creation, restrictions, and a ledger from which every balance is derived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from grants import audit
from grants.db import lock_row
from grants.accounts.models import User
from grants.funds.models import ENTRY_EFFECTS, Fund, FundEntry
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.regions import services as regions
from grants.timeutil import today
from grants.validation import FormErrors
from grants.vocab import CATEGORIES, FUND_KINDS, SERVICE_AREAS, TARGET_GROUPS

EDITABLE = ("name", "kind", "owner_org_id", "host_org_id", "owner_name", "description",
            "service_areas", "target_groups", "community_ids", "categories")
MANUAL_ENTRY_KINDS = ("contribution", "adjustment_in", "adjustment_out")


@dataclass(frozen=True)
class Balance:
    """Derived from the ledger: money in, committed to awards, paid out, still available."""

    contributed: int = 0
    committed: int = 0
    disbursed: int = 0
    available: int = 0


def validate(session: Session, data: dict[str, Any], existing: Fund | None) -> dict[str, Any]:
    errors: dict[str, str] = dict(data.pop("_errors", {}))
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


def create(session: Session, actor: audit.Actor, data: dict[str, Any]) -> Fund:
    data = validate(session, data, None)
    fund = Fund(**{k: data[k] for k in EDITABLE if k in data})
    session.add(fund)
    audit.record(session, actor, "fund.create", fund)
    return fund


def update(session: Session, actor: audit.Actor, fund: Fund, data: dict[str, Any]) -> Fund:
    data = validate(session, data, fund)
    before = audit.snapshot(fund)
    for key in EDITABLE:
        if key in data:
            setattr(fund, key, data[key])
    audit.record(session, actor, "fund.update", fund, before=before)
    return fund


def add_entry(session: Session, actor: audit.Actor, fund: Fund, *, kind: str, amount_fen: int,
              occurred_on: date | None = None, counterparty: str = "", memo: str = "",
              ref_type: str = "", ref_id: int | None = None) -> FundEntry:
    """Append a ledger entry; nothing may take the available balance below zero."""
    if kind not in ENTRY_EFFECTS:
        raise FormErrors({"kind": _("Not a valid choice.")})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise FormErrors({"amount": _("Enter an amount greater than zero.")})
    if occurred_on is not None and occurred_on > today():
        raise FormErrors({"occurred_on": _("The date cannot be in the future.")})
    lock_fund(session, fund)
    effect_available, effect_committed = ENTRY_EFFECTS[kind]
    current = balances(session, [fund.id])[fund.id]
    if current.available + effect_available * amount_fen < 0:
        raise FormErrors({"amount": _(
            "The fund has only %(available)s available; this would over-commit it.",
            available=_format(current.available))})
    if current.committed + effect_committed * amount_fen < 0:
        raise FormErrors({"amount": _(
            "Only %(committed)s is committed from this fund.",
            committed=_format(current.committed))})
    entry = FundEntry(fund_id=fund.id, kind=kind, amount_fen=amount_fen,
                      occurred_on=occurred_on or today(), counterparty=counterparty.strip(),
                      memo=memo.strip(), ref_type=ref_type, ref_id=ref_id,
                      created_by_id=actor.id)
    session.add(entry)
    audit.record(session, actor, f"fund.{kind}", entry)
    return entry


def _format(fen: int) -> str:
    from grants.money import format_yuan

    return format_yuan(fen)


def lock_fund(session: Session, fund: Fund) -> None:
    """Serialise ledger writers on one fund (PostgreSQL row lock; SQLite locks the database)."""
    lock_row(session, Fund, fund.id)


def balances(session: Session, fund_ids: list[int | None]) -> dict[int, Balance]:
    """Every listed fund's balance in one grouped query."""
    sums: dict[str, Any] = {
        kind: func.coalesce(func.sum(case((FundEntry.kind == kind, FundEntry.amount_fen),
                                          else_=0)), 0)
        for kind in ENTRY_EFFECTS
    }
    rows = session.execute(
        select(FundEntry.fund_id, *[sums[k].label(k) for k in ENTRY_EFFECTS])
        .where(FundEntry.fund_id.in_([i for i in fund_ids if i is not None]))  # type: ignore[attr-defined]
        .group_by(FundEntry.fund_id)
    ).all()
    out = {fid: Balance() for fid in fund_ids if fid is not None}
    for row in rows:
        totals = {k: int(getattr(row, k)) for k in ENTRY_EFFECTS}
        contributed = totals["contribution"] + totals["adjustment_in"] - totals["adjustment_out"]
        committed = totals["commitment"] - totals["release"] - totals["disbursement"]
        available = sum(effect[0] * totals[k] for k, effect in ENTRY_EFFECTS.items())
        out[row.fund_id] = Balance(contributed=contributed, committed=committed,
                                   disbursed=totals["disbursement"], available=available)
    return out


def visible_funds(user: User) -> Any:
    """The statement for funds this user may see: all for staff, their own for a funder."""
    query = select(Fund).order_by(Fund.name)
    if user.role == "funder":
        org = user.organisation_id or -1
        query = query.where(or_(Fund.owner_org_id == org, Fund.host_org_id == org))
    return query


def entries(session: Session, fund: Fund, limit: int = 200) -> list[FundEntry]:
    return list(session.execute(
        select(FundEntry).where(FundEntry.fund_id == fund.id)
        .order_by(FundEntry.occurred_on.desc(), FundEntry.id.desc()).limit(limit)  # type: ignore[attr-defined]
    ).scalars())
