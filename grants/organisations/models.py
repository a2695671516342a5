"""Community social organisations (社区社会组织), foundations and other bodies.

Members are users whose `organisation_id` points here; one of them may be the owner.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
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
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
