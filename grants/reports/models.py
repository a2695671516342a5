"""Mid-term and final reports per award, prefilled with the planned outputs, and the
evaluation that grades each one (优秀 / 良好 / 合格 / 不合格)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class Report(SQLModel, table=True):
    """draft → submitted → returned (for correction) → submitted … → accepted (evaluated)."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("agreement_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=8)  # midterm | final
    status: str = Field(default="draft", max_length=10, index=True)
    due_on: date | None = None
    planned: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    activities_held: int = Field(default=0)
    people_served: int = Field(default=0)  # 人次
    beneficiaries: dict[str, Any] = Field(default_factory=dict,
                                          sa_column=Column(JSON, nullable=False))
    volunteers: int = Field(default=0)
    volunteer_hours: int = Field(default=0)
    spending: list[dict[str, Any]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))
    narrative: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    stories: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    returned_reason: str = Field(default="", max_length=1000)
    submitted_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Evaluation(SQLModel, table=True):
    """The grade of a report and what it means for the agreement's tranches."""

    __tablename__ = "evaluation"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    evaluator_id: int | None = Field(default=None, foreign_key="user_account.id")
    grade: str = Field(max_length=10)  # excellent | good | pass | fail
    score: int | None = None  # 0..100, optional
    comments: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
