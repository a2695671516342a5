"""Users and login bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from grants.db import UTCDateTime
from grants.regions import models as _regions  # noqa: F401 - the region table the scope refers to
from grants.timeutil import now


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=80)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20, index=True)
    is_active: bool = Field(default=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    is_org_owner: bool = Field(default=False)
    # An organiser's scope: this region and everything below it (None: platform-wide).
    scope_region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    locale: str | None = Field(default=None, max_length=10)
    must_change_password: bool = Field(default=False)
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class LoginFailure(SQLModel, table=True):
    """One failed login; recent failures per address and per username throttle attempts."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False, index=True))


class UserSession(SQLModel, table=True):
    """One signed-in browser. The cookie carries a random key; the table keeps only its hash.

    Logging out deletes the row, so a copy of the cookie made before stops working; rows also
    end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login.
    """

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(default_factory=now,
                                   sa_column=Column(UTCDateTime, nullable=False, index=True))
    ip: str = Field(default="", max_length=64)
