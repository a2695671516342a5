"""The email outbox (written in the same transaction as the event, sent later) and in-app
notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime, nullable=True, index=True))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)


class Notice(SQLModel, table=True):
    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # As first shown to the recipient (their language when it was sent), and the message ids
    # with their parameters, to show it again in whichever language they read it in.
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    message: dict[str, Any] = Field(default_factory=dict,
                                    sa_column=Column(JSON, nullable=False, default=dict))
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    read_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime, nullable=True, index=True))


class SentReminder(SQLModel, table=True):
    """A reminder that has gone out, by its key (e.g. "report-late:12:midterm:2027-03-31").
    The unique key makes each reminder go out once, even when two job runs overlap: the second
    insert fails and that run skips it."""

    __tablename__ = "sent_reminder"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
