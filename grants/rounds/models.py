"""Competition rounds (e.g. 2024年南山街道第三届社会治理创新大赛), their funds, tracks, stages
and rubrics.

Rules that vary per round are stored as JSON documents whose shape is fixed here:

- `eligibility`: {"registered_only": bool, "min_rating": "3A" | null,
  "exclude_black_list": bool, "categories": [category codes] (empty = any),
  "community_ids": [region ids] (empty = any)}
- `budget_rules`: {"admin_max_pct": int | null (administrative costs ≤ N % of the request),
  "cofunding_min_pct": int | null (co-funding ≥ N % of the request),
  "personnel_max_pct": int | null}
- `tranche_template`: [{"percent": 50, "condition": "signing" | "midterm_passed" |
  "final_accepted"}, ...] summing to 100
- `reporting_plan`: {"midterm_due": "YYYY-MM-DD" | null, "final_due": "YYYY-MM-DD" | null,
  "grace_days": int | null — days after a due date before a missing report counts as failing
  (null: never automatically)}
- `Stage.config` for scoring and roadshow stages: {"judges_per_app": int, "blind": bool,
  "aggregation": "mean" | "median" | "drop_high_low" | "zscore" | "bias_model",
  "advancement": {"rule": "top_n" | "threshold", "value": number}, "min_sheets": int};
  for the public notice: {"objection_days": int (working days, default 5)}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.regions import models as _regions  # noqa: F401 - the region table the scope refers to
from grants.timeutil import now

STAGE_KINDS = ("screening", "scoring", "roadshow", "notice", "approval")
TRANCHE_CONDITIONS = ("signing", "midterm_passed", "final_accepted")


def default_eligibility() -> dict[str, Any]:
    return {"registered_only": False, "min_rating": None, "exclude_black_list": True,
            "categories": [], "community_ids": []}


def default_budget_rules() -> dict[str, Any]:
    return {"admin_max_pct": 10, "cofunding_min_pct": None, "personnel_max_pct": None}


def default_tranches() -> list[dict[str, Any]]:
    return [{"percent": 50, "condition": "signing"},
            {"percent": 30, "condition": "midterm_passed"},
            {"percent": 20, "condition": "final_accepted"}]


class Round(SQLModel, table=True):
    __tablename__ = "round"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    organiser_unit: str = Field(max_length=100)
    year: int = Field(index=True)
    # A series of contests (第一届, 第二届 …): rounds with the same series name belong together;
    # eligibility may count entries across a series' year and exclude its past winners.
    series: str = Field(default="", max_length=100, index=True)
    edition: int | None = None
    status: str = Field(default="draft", max_length=12, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    opens_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    closes_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    grant_min_fen: int = Field(default=0)
    grant_max_fen: int = Field(default=0)
    max_applications_per_org: int = Field(default=1)
    eligibility: dict[str, Any] = Field(default_factory=default_eligibility,
                                        sa_column=Column(JSON, nullable=False))
    budget_rules: dict[str, Any] = Field(default_factory=default_budget_rules,
                                         sa_column=Column(JSON, nullable=False))
    tranche_template: list[dict[str, Any]] = Field(default_factory=default_tranches,
                                                   sa_column=Column(JSON, nullable=False))
    reporting_plan: dict[str, Any] = Field(default_factory=dict,
                                           sa_column=Column(JSON, nullable=False))
    copied_from_id: int | None = Field(default=None, foreign_key="round.id")
    # The organising region (a district or a street office); None: platform-wide.
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class RoundFund(SQLModel, table=True):
    """How much of a fund a round may award."""

    __tablename__ = "round_fund"
    __table_args__ = (UniqueConstraint("round_id", "fund_id", name="uq_round_fund"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    amount_fen: int


class Track(SQLModel, table=True):
    """A 赛道 of a round, e.g. 为老服务."""

    __tablename__ = "track"
    __table_args__ = (UniqueConstraint("round_id", "name", name="uq_track_round_name"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    name: str = Field(max_length=60)
    service_area: str | None = Field(default=None, max_length=30)
    description: str = Field(default="", max_length=500)
    position: int = Field(default=0)


class Stage(SQLModel, table=True):
    __tablename__ = "stage"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    kind: str = Field(max_length=12)
    name: str = Field(max_length=60)
    position: int = Field(default=0)
    starts_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Criterion(SQLModel, table=True):
    """One line of a scoring stage's rubric."""

    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("stage_id", "key", name="uq_criterion_stage_key"),)

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    key: str = Field(max_length=40)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=1000)
    max_points: int
    guidance: list[dict[str, Any]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))
    position: int = Field(default=0)
