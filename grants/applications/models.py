"""Applications (申报书) to a round, their budget and activity plan, attachments, frozen
versions and screening decisions.

Money is integer fen. A submitted application is frozen as an ApplicationVersion whose
`snapshot` holds every field (budget lines, activities, attachment ids and sha256), so what
was judged can always be shown exactly as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now

if TYPE_CHECKING:
    from grants.rounds.models import Round

BUDGET_CATEGORIES = ("personnel", "activity", "materials", "publicity", "admin", "other")


class Application(SQLModel, table=True):
    __tablename__ = "application"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    track_id: int | None = Field(default=None, foreign_key="track.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="draft", max_length=16, index=True)
    title: str = Field(default="", max_length=120)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    need_analysis: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    objectives: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    target_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    community_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    planned_activities: int = Field(default=0)
    planned_people: int = Field(default=0)
    planned_volunteers: int = Field(default=0)
    request_fen: int = Field(default=0, index=True)
    cofunding_fen: int = Field(default=0)
    current_version: int = Field(default=0)
    return_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    submitted_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True, index=True))
    # The lifecycle's "when" reads the round's status; a many-to-one by primary key is
    # answered from the session's identity map when the round is already loaded.
    round: Round = Relationship()


class BudgetLine(SQLModel, table=True):
    __tablename__ = "budget_line"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="ck_budget_line_amount"),
        CheckConstraint("cofunding_fen >= 0", name="ck_budget_line_cofunding"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    category: str = Field(max_length=16)
    item: str = Field(max_length=120)
    amount_fen: int = Field(default=0)
    cofunding_fen: int = Field(default=0)
    position: int = Field(default=0)


class ActivityItem(SQLModel, table=True):
    __tablename__ = "activity_item"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    activity: str = Field(max_length=120)
    month: str = Field(max_length=7)  # YYYY-MM
    sessions: int = Field(default=1)
    position: int = Field(default=0)


class Attachment(SQLModel, table=True):
    """A file stored outside the web root under a generated name (uuid4 hex)."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=8)  # pdf | jpeg | png | docx | xlsx
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    frozen: bool = Field(default=False)  # referenced by a submitted version: never deleted
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    uploaded_at: datetime = Field(default_factory=now,
                                  sa_column=Column(UTCDateTime, nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class ApplicationVersion(SQLModel, table=True):
    __tablename__ = "application_version"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_application_version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    number: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = Field(default_factory=now,
                                   sa_column=Column(UTCDateTime, nullable=False))
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class ScreeningDecision(SQLModel, table=True):
    """An eligibility-screening outcome (资格审查): pass or fail with a reason."""

    __tablename__ = "screening_decision"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    version_number: int = Field(default=0)
    outcome: str = Field(max_length=8)  # pass | fail
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
