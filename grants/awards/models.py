"""Awards, the public notice (公示) that announces them, and objections to it.

A round has one `award_notice`: it holds the proposal (made by routing the final ranking
through the round's funds with `scoring.route`) while it is a draft, is published with an
objection window counted in working days, and is confirmed once the window has ended and every
objection is resolved. Confirming commits the money in the funds' ledgers. Each `award` is paid
by one or two funds (`award_allocation` rows); `award_unfunded` says why a ranked application
receives nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class AwardNotice(SQLModel, table=True):
    """A round's award proposal and its public notice: draft → published → confirmed."""

    __tablename__ = "award_notice"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    status: str = Field(default="draft", max_length=12, index=True)
    stage_id: int | None = Field(default=None, foreign_key="stage.id")  # the final ranking
    title: str = Field(default="", max_length=120)
    contact: str = Field(default="", max_length=200)  # how to object other than the form
    working_days: int = Field(default=5)
    levels: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    published_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True))
    window_start: date | None = None
    window_end: date | None = None  # objections accepted until the end of this day (Shanghai)
    confirmed_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Award(SQLModel, table=True):
    """Money (and a level, where the round uses levels) granted to one application."""

    __tablename__ = "award"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    notice_id: int = Field(foreign_key="award_notice.id", index=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="proposed", max_length=12, index=True)
    position: int = Field(default=0)  # 1-based place in the final ranking
    score: float | None = None
    level: str = Field(default="", max_length=12)  # first | second | third | excellence | ''
    amount_fen: int = Field(default=0)
    sought_fen: int = Field(default=0)  # the request capped at the round's maximum grant
    partial: bool = Field(default=False)
    changed_reason: str = Field(default="", max_length=500)  # the organiser's last change
    code: str = Field(max_length=16, unique=True)  # the certificate's verification code
    withdrawn_reason: str = Field(default="", max_length=500)
    confirmed_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class AwardAllocation(SQLModel, table=True):
    """The part of an award one fund pays."""

    __tablename__ = "award_allocation"
    __table_args__ = (UniqueConstraint("award_id", "fund_id"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    amount_fen: int


class AwardUnfunded(SQLModel, table=True):
    """A ranked application that the proposal leaves without money, and why (a code)."""

    __tablename__ = "award_unfunded"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    notice_id: int = Field(foreign_key="award_notice.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    position: int = Field(default=0)
    score: float | None = None
    reason: str = Field(max_length=20)  # no_fund | exhausted | below_minimum
    most_fen: int = Field(default=0)  # the most eligible money could still pay


class Objection(SQLModel, table=True):
    """An objection lodged by a member of the public during the notice's window."""

    __tablename__ = "objection"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    notice_id: int = Field(foreign_key="award_notice.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    reference: str = Field(max_length=16, unique=True)  # told to the objector
    name: str = Field(max_length=40)
    contact: str = Field(max_length=100)
    reasons: str = Field(sa_column=Column(Text, nullable=False))
    evidence_name: str = Field(default="", max_length=200)
    evidence_kind: str = Field(default="", max_length=8)  # pdf | jpeg | png | docx | xlsx
    evidence_stored: str = Field(default="", max_length=32)  # the upload store's name
    ip_hash: str = Field(default="", max_length=64, index=True)
    status: str = Field(default="lodged", max_length=14, index=True)
    investigation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resolved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
