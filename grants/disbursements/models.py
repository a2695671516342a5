"""Agreements, their tranches, payments and refunds.

One `agreement` per confirmed award, with its tranche schedule (from the round's template);
each tranche is split over the award's funds (`tranche_share`). A `payment` is recorded by one
finance user and approved by another; on approval the money leaves the funds' ledgers as
disbursement entries. A failed evaluation stops the later tranches (their unpaid commitment is
released) and may open a `refund` (clawback), refunded or written off with a second person's
approval.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class Agreement(SQLModel, table=True):
    """A funding agreement (资助协议): draft (schedule editable) → signed → closed."""

    __tablename__ = "agreement"

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", unique=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="draft", max_length=10, index=True)
    number: str = Field(max_length=30, unique=True)
    amount_fen: int
    deliverables: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    period: str = Field(default="", max_length=60)
    signed_on: date | None = None
    signatories: str = Field(default="", max_length=200)
    scan_name: str = Field(default="", max_length=200)
    scan_kind: str = Field(default="", max_length=8)
    scan_stored: str = Field(default="", max_length=32)
    midterm: str = Field(default="", max_length=8)  # "" | passed | failed
    final: str = Field(default="", max_length=8)
    evaluations: list[dict[str, Any]] = Field(default_factory=list,
                                              sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Tranche(SQLModel, table=True):
    """A part of the award paid when its condition holds:
    scheduled → due → requested → paid, or stopped / cancelled."""

    __tablename__ = "tranche"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    position: int = Field(default=1)
    percent: int = Field(default=0)
    amount_fen: int
    condition: str = Field(max_length=16)  # signing | midterm_passed | final_accepted | date
    due_on: date | None = None  # for the "date" condition; otherwise the day it became due
    status: str = Field(default="scheduled", max_length=10, index=True)
    paid_fen: int = Field(default=0)
    stopped_reason: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class TrancheShare(SQLModel, table=True):
    """The part of a tranche one fund pays (the award's allocation, pro rata)."""

    __tablename__ = "tranche_share"
    __table_args__ = (UniqueConstraint("tranche_id", "fund_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tranche_id: int = Field(foreign_key="tranche.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    amount_fen: int
    paid_fen: int = Field(default=0)


class Payment(SQLModel, table=True):
    """Money paid on a tranche: pending (recorded) → approved by another person | rejected."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    tranche_id: int = Field(foreign_key="tranche.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    amount_fen: int
    paid_on: date
    bank_reference: str = Field(max_length=60, index=True)
    voucher_name: str = Field(default="", max_length=200)
    voucher_kind: str = Field(default="", max_length=8)
    voucher_stored: str = Field(default="", max_length=32)
    status: str = Field(default="pending", max_length=10, index=True)
    note: str = Field(default="", max_length=500)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Refund(SQLModel, table=True):
    """A clawback after a failed evaluation: due → refunded, or due → write-off requested →
    written off (a second person approves) or back to due."""

    __tablename__ = "refund"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    amount_fen: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="due", max_length=20, index=True)
    refunded_on: date | None = None
    bank_reference: str = Field(default="", max_length=60)
    write_off_reason: str = Field(default="", max_length=500)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
