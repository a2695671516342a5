"""Community social organisations (社区社会组织), foundations and other bodies.

Members are users whose `organisation_id` points here; one of them may be the owner.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, event
from sqlmodel import Field, Relationship, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    # The name in pinyin (乐龄 → "le ling"), kept by the listener below: lists sort by it, as
    # Chinese readers expect, instead of by code point.
    name_sort: str = Field(default="", max_length=400, index=True)
    registration: str = Field(max_length=12)  # registered | filed
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    filing_number: str | None = Field(default=None, max_length=40, unique=True)
    org_type: str = Field(max_length=30)
    category: str = Field(max_length=30, index=True)
    community_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    founded_on: date | None = None
    staff_count: int = Field(default=0)
    volunteer_count: int = Field(default=0)
    rating: str | None = Field(default=None, max_length=2)
    star_rating: int | None = None
    party_members: int = Field(default=0)
    party_branch: str = Field(default="none", max_length=12)
    credit_status: str = Field(default="normal", max_length=8, index=True)
    contact_person: str = Field(default="", max_length=40)
    contact_phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=200)
    intro: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    is_active: bool = Field(default=True)
    # pending | correction_requested | verified | rejected (grants/organisations/workflow.py)
    verification: str = Field(default="verified", max_length=24, index=True)
    verification_reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class OrganisationChange(SQLModel, table=True):
    """An applicant's request to change identity facts that rounds' eligibility reads
    (community, type, registration, rating, credit status…). Until an organiser in scope
    approves it the old values hold."""

    __tablename__ = "organisation_change"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # {field: [old value, new value]} with values as stored (dates as ISO text)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)  # pending|approved|refused
    reason: str = Field(default="", max_length=1000)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    organisation: Organisation = Relationship()


class OrganisationInvitation(SQLModel, table=True):
    """A one-time link an organisation's owner hands to a new member; only its hash is kept."""

    __tablename__ = "organisation_invitation"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    used_by_id: int | None = Field(default=None, foreign_key="user_account.id")

    organisation: Organisation = Relationship()


class RegistrationAttempt(SQLModel, table=True):
    """One use of the public registration form, counted per address to rate-limit it."""

    __tablename__ = "registration_attempt"

    id: int | None = Field(default=None, primary_key=True)
    ip: str = Field(default="", max_length=64, index=True)
    at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False, index=True))


class OrganisationBar(SQLModel, table=True):
    """A bar from applying to rounds (e.g. after an agreement terminated for breach): in force
    from `starts_on` to `ends_on` inclusive unless lifted. It expires by itself; the jobs run
    records the expiry (`expired_at`) in the audit trail."""

    __tablename__ = "organisation_bar"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id")
    reason: str = Field(max_length=1000)
    starts_on: date
    ends_on: date
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    lifted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    lifted_reason: str = Field(default="", max_length=1000)
    expired_at: datetime | None = Field(default=None,
                                        sa_column=Column(UTCDateTime, nullable=True))


def pinyin_key(name: str) -> str:
    """A sort key that orders Chinese names by pinyin, then by the name itself (tones and
    characters break ties). Latin letters and digits keep their place in the alphabet."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name or "")).lower()[:400]


@event.listens_for(Organisation, "before_insert")
@event.listens_for(Organisation, "before_update")
def _keep_name_sort(_mapper: Any, _connection: Any, target: Organisation) -> None:
    target.name_sort = pinyin_key(target.name)

