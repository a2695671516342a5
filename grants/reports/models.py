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
    # the spending's totals, kept with it (the impact sums read these, not the JSON)
    budget_fen: int = Field(default=0)
    spent_fen: int = Field(default=0)
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
    score: int | None = None  # 0..100, optional: the rubric's total when scored on it
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comments: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class ReportFile(SQLModel, table=True):
    """A photo of a report (re-encoded on the server without its metadata, with a thumbnail)
    or an attachment (ledgers, sign-in sheets, receipts)."""

    __tablename__ = "report_file"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    kind: str = Field(max_length=10)  # photo | attachment
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=32)
    thumb_name: str = Field(default="", max_length=32)
    file_kind: str = Field(max_length=8)  # jpeg | png | pdf | docx | xlsx (what is stored)
    size: int = Field(default=0)
    width: int | None = None
    height: int | None = None
    caption: str = Field(default="", max_length=200)
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    removed_at: datetime | None = Field(default=None,
                                        sa_column=Column(UTCDateTime, nullable=True))


class RoundEvaluator(SQLModel, table=True):
    """A person given the evaluation of one round's reports: organiser staff or someone from a
    third-party evaluation agency (第三方评估机构). The membership, not a role, gives the right."""

    __tablename__ = "round_evaluator"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_round_evaluator"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    agency: str = Field(default="", max_length=100)
    added_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
