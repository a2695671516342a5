"""Funds and their ledger. A balance is derived from entries, never typed in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.regions import models as _regions  # noqa: F401 - the region table the scope refers to
from grants.timeutil import now

# How each entry kind moves the two derived figures (available, committed).
ENTRY_EFFECTS: dict[str, tuple[int, int]] = {
    "contribution": (+1, 0),
    "adjustment_in": (+1, 0),
    "adjustment_out": (-1, 0),
    "commitment": (-1, +1),
    "release": (+1, -1),
    "disbursement": (0, -1),
    "refund": (+1, 0),  # disbursed money paid back (a clawback)
}


class Fund(SQLModel, table=True):
    __tablename__ = "fund"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=30, index=True)
    owner_org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    host_org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    owner_name: str = Field(default="", max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    service_areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    community_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = Field(default=True)
    # The owning region (the office whose money it is); None: platform-wide.
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


# Entry statuses: only approved entries count. A manual adjustment out waits as `pending` until a
# second organiser or finance user approves (or rejects) it: maker-checker.
ENTRY_STATUSES = ("approved", "pending", "rejected")


class FundEntry(SQLModel, table=True):
    __tablename__ = "fund_entry"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_fund_entry_positive"),
                      UniqueConstraint("form_key", name="uq_fund_entry_form_key"))

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    kind: str = Field(max_length=20)
    amount_fen: int
    occurred_on: date
    counterparty: str = Field(default="", max_length=100)
    memo: str = Field(default="", max_length=300)
    ref_type: str = Field(default="", max_length=40)
    ref_id: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default="approved", max_length=10, index=True,
                        sa_column_kwargs={"server_default": "approved"})
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The one-time key of the form that recorded the entry: a form sent twice adds one entry.
    form_key: str | None = Field(default=None, max_length=64)
    # A correction: this entry undoes the entry it names (same kind, opposite effect). Entries
    # are never edited or deleted; each can be reversed once.
    reverses_id: int | None = Field(default=None, foreign_key="fund_entry.id", unique=True)
