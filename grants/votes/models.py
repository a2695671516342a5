"""Tables of the public vote.

`vote` rows are append-only (database triggers refuse UPDATE and DELETE on both engines);
an organiser's exclusion is a separate `vote_exclusion` row. Voters are stored only as keyed
hashes (HMAC with SECRET_KEY) of their e-mail address, address and device.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now


class VoteSetup(SQLModel, table=True):
    """A round's public vote: its window, rules and state (draft → open → closed → published)."""

    __tablename__ = "vote_setup"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    status: str = Field(default="draft", max_length=16)
    opens_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    closes_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    votes_per_day: int = Field(default=3)
    application_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    use: str = Field(default="award", max_length=16)  # "award" (人气奖) or "score"
    weight_pct: int = Field(default=0)  # the score component's weight, when use == "score"
    show_counts: bool = Field(default=False)
    difficulty: int = Field(default=16)  # leading zero bits of the proof of work
    per_address_hour: int = Field(default=60)  # votes from one network address per hour
    per_device_hour: int = Field(default=20)  # votes from one device (cookie) per hour
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class VoteCode(SQLModel, table=True):
    """A one-time code sent by e-mail; only keyed hashes are kept."""

    __tablename__ = "vote_code"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    voter_hash: str = Field(max_length=64, index=True)
    code_hash: str = Field(max_length=64)
    ip_hash: str = Field(default="", max_length=64, index=True)
    device_hash: str = Field(default="", max_length=64, index=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = Field(default=0)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class UsedChallenge(SQLModel, table=True):
    """A proof-of-work challenge that has been spent (the primary key makes it single-use)."""

    __tablename__ = "vote_challenge_used"

    challenge: str = Field(primary_key=True, max_length=120)
    used_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class Vote(SQLModel, table=True):
    """One vote: never updated, never deleted."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("round_id", "voter_hash", "application_id", "day",
                                       name="uq_vote_once_a_day"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    voter_hash: str = Field(max_length=64, index=True)
    ip_hash: str = Field(default="", max_length=64, index=True)
    device_hash: str = Field(default="", max_length=64, index=True)
    day: date
    at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False,
                                                                 index=True))


class VoteSlot(SQLModel, table=True):
    """The n-th of a voter's daily votes, one row per slot: two votes cast at the same moment
    cannot both take the last slot, so the daily limit holds under concurrency."""

    __tablename__ = "vote_slot"
    __table_args__ = (UniqueConstraint("round_id", "voter_hash", "day", "slot",
                                       name="uq_vote_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    voter_hash: str = Field(max_length=64)
    day: date
    slot: int
    vote_id: int = Field(foreign_key="vote.id", unique=True)


class VoteExclusion(SQLModel, table=True):
    """An organiser's decision not to count a vote, with the reason (audited)."""

    __tablename__ = "vote_exclusion"

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", unique=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    flag: str = Field(default="", max_length=20)
    reason: str = Field(max_length=500)
    by_id: int | None = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


class VoteAward(SQLModel, table=True):
    """The 人气奖 (popularity award) a published vote names: the project with the most counted
    votes, or — when several tie — the one the organiser chose, with the recorded reason. The
    code is checked on /verify like an award certificate's."""

    __tablename__ = "vote_award"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    counted: int = Field(default=0)  # the counted votes when the results were published
    tied_with: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", max_length=500)  # why the organiser chose among a tie
    code: str = Field(max_length=16, unique=True)
    by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
