"""The append-only, hash-chained audit trail of every state change.

Each event stores who did what to which object, when, and the object's state before and
after. Its hash covers those fields and the previous event's hash, so `grants audit verify`
finds a changed row (its hash no longer matches) and a deleted one (the next row's
`prev_hash` no longer matches). On PostgreSQL a trigger also refuses UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Column, Text, select, text
from sqlmodel import Field, Session, SQLModel

from grants.db import UTCDateTime
from grants.timeutil import now

GENESIS = "0" * 64


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor_id: int | None = Field(default=None, index=True)
    actor_name: str = Field(default="", max_length=120)
    action: str = Field(max_length=80, index=True)
    object_type: str = Field(max_length=60, index=True)
    object_id: str = Field(default="", max_length=60, index=True)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ip: str = Field(default="", max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True)


def snapshot(obj: Any, exclude: tuple[str, ...] = ("password_hash",)) -> dict[str, Any]:
    """The column values of a model instance, for before/after records."""
    table = getattr(obj, "__table__", None)
    names = [c.name for c in table.columns] if table is not None else list(vars(obj))
    return {n: _jsonable(getattr(obj, n, None)) for n in names if n not in exclude}


def event_hash(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.at.isoformat(timespec="microseconds"),
            event.actor_id,
            event.actor_name,
            event.action,
            event.object_type,
            event.object_id,
            event.before,
            event.after,
            event.ip,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, or the system (CLI, demo loader)."""

    id: int | None
    name: str
    ip: str = ""


SYSTEM = Actor(id=None, name="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event to the chain. Call it in the same transaction as the change."""
    if obj is not None:
        session.flush()
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", "")
        if after is None:
            after = snapshot(obj)
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time extends the chain; the lock ends with the transaction.
        session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)  # type: ignore[union-attr]
    ).scalar()
    event = AuditEvent(
        at=now(),
        actor_id=actor.id,
        actor_name=actor.name[:120],
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        before=dumps(before),
        after=dumps(after),
        ip=actor.ip[:64],
        prev_hash=last or GENESIS,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order and report every event whose hash or link is wrong."""
    problems: list[str] = []
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent)
            .where(AuditEvent.id > last_id)  # type: ignore[operator]
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
            .limit(batch)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            checked += 1
            if event.prev_hash != expected_prev:
                problems.append(
                    f"event {event.id}: the event before it was changed or deleted "
                    f"(chain broken)"
                )
            if event_hash(event) != event.hash:
                problems.append(f"event {event.id}: its contents were changed after it was written")
            expected_prev = event.hash
            last_id = event.id or last_id
    return VerifyResult(checked=checked, problems=problems)
