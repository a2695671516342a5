"""Local changes to the shipped calendar, entered by organisers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class CalendarDay(SQLModel, table=True):
    """A day whose kind differs from the weekday rule or the shipped schedule: "holiday",
    "workday" (调休上班) or "normal" (cancels a shipped entry)."""

    __tablename__ = "calendar_day"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    kind: str = Field(max_length=10)
    name: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
