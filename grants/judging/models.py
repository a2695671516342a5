"""Judging tables: panel members and their invitations, assignments, score sheets and the
judging state of each scored stage.

- `PanelMember.tracks`: track ids the judge prefers (expertise); `organisation_ids`,
  `community_ids`, `fund_ids`: affiliations used to find conflicts of interest.
- `ScoreSheet.points`: {criterion key: number}; `comments`: {criterion key: text}.
- `StageJudging.results`: the snapshot computed when the stage closes (see results.py);
  `advanced`: application ids that go on to the next stage; `overrides`: [{application_id,
  advanced, reason}].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class PanelMember(SQLModel, table=True):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_panel_member"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    tracks: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    organisation_ids: list[int] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False))
    community_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fund_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    public: bool = Field(default=False)  # a public judge (大众评委), weighted apart from experts
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class JudgeInvite(SQLModel, table=True):
    """A one-time link that lets a new judge set a password."""

    __tablename__ = "judge_invite"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class StageJudging(SQLModel, table=True):
    __tablename__ = "stage_judging"

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", unique=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    status: str = Field(default="pending", max_length=12)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    results: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    advanced: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    overrides: list[dict[str, Any]] = Field(default_factory=list,
                                            sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Assignment(SQLModel, table=True):
    __tablename__ = "judge_assignment"

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(default="assigned", max_length=12, index=True)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    manual: bool = Field(default=False)
    reminded_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class ScoreSheet(SQLModel, table=True):
    __tablename__ = "score_sheet"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="judge_assignment.id", unique=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(default="draft", max_length=12, index=True)
    points: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comments: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    overall_comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    total: float | None = Field(default=None)
    submitted_at: datetime | None = Field(default=None,
                                          sa_column=Column(UTCDateTime, nullable=True))
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class RoadshowState(SQLModel, table=True):
    """The live 路演答辩 of a roadshow stage: the project on stage, its timer, whether judges
    may score it now and whether the hall sees the result."""

    __tablename__ = "roadshow_state"

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", unique=True)
    current_application_id: int | None = Field(default=None, foreign_key="application.id")
    timer_seconds: int = Field(default=480)
    timer_started_at: datetime | None = Field(default=None,
                                              sa_column=Column(UTCDateTime, nullable=True))
    scoring_open: bool = Field(default=False)
    show_result: bool = Field(default=False)
    show_ranking: bool = Field(default=False)
    version: int = Field(default=0)
    updated_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class BonusGrant(SQLModel, table=True):
    """特别加分: points an organiser grants an application in a stage, with the reason
    (capped by the stage's composition; audited; one grant per application and stage)."""

    __tablename__ = "bonus_grant"
    __table_args__ = (UniqueConstraint("stage_id", "application_id", name="uq_bonus_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    points: int = Field(default=0)
    reason: str = Field(max_length=500)
    granted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
