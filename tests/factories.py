"""Factories for domain objects, built through the services so the audit trail is real."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.accounts import services as accounts
from grants.accounts.models import User
from grants.funds import services as funds
from grants.funds.models import Fund
from grants.organisations import services as organisations
from grants.organisations.credit_code import check_char
from grants.organisations.models import Organisation
from grants.regions import services as regions
from grants.regions.models import Region

PASSWORD = "a-good-pass-123"
_counter = itertools.count(1)
ACTOR = audit.SYSTEM


def credit_code(type_digit: str = "1", serial: int | None = None) -> str:
    """A valid civil-affairs credit code (5 + type digit + region + serial + check)."""
    serial = next(_counter) if serial is None else serial
    first17 = f"5{type_digit}440305" + f"{serial:09d}"
    return first17 + check_char(first17)


def community(session: Session, name: str | None = None, street: Region | None = None) -> Region:
    if street is None:
        district = regions.create_region(session, ACTOR, f"区{next(_counter)}", "district", None)
        street = regions.create_region(session, ACTOR, f"街道{next(_counter)}", "street", district.id)
    return regions.create_region(session, ACTOR, name or f"社区{next(_counter)}", "community",
                                 street.id)


def organisation(session: Session, **fields: Any) -> Organisation:
    n = next(_counter)
    data: dict[str, Any] = {
        "name": f"测试社会组织{n}",
        "registration": "registered",
        "credit_code": credit_code("1"),
        "org_type": "social_group",
        "category": "charity",
        "party_branch": "none",
        "credit_status": "normal",
        "staff_count": 3,
        "volunteer_count": 20,
    }
    if fields.get("registration") == "filed":
        data["credit_code"] = None
        data["filing_number"] = f"测备〔2024〕第{n:03d}号"
        data["org_type"] = "community_filed"
    data.update(fields)
    return organisations.create(session, ACTOR, data)


def user(session: Session, role: str = "organiser", *, username: str | None = None,
         organisation: Organisation | None = None, owner: bool = False,
         password: str = PASSWORD) -> User:
    if role in {"applicant", "funder"} and organisation is None:
        organisation = globals()["organisation"](session)
    return accounts.create_user(session, ACTOR, username=username or f"{role}{next(_counter)}",
                                display_name=f"{role} 用户", role=role, password=password,
                                organisation=organisation, is_owner=owner)


def fund(session: Session, *, contributed_fen: int = 0, **fields: Any) -> Fund:
    data: dict[str, Any] = {"name": f"测试基金{next(_counter)}", "kind": "fiscal",
                            "owner_name": "测试街道办事处"}
    data.update(fields)
    created = funds.create(session, ACTOR, data)
    if contributed_fen:
        funds.add_entry(session, ACTOR, created, kind="contribution", amount_fen=contributed_fen,
                        occurred_on=date(2026, 1, 1), counterparty="区财政局")
    return created
