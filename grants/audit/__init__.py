"""The append-only, hash-chained, sealed audit trail of every state change.

Each event stores who did what to which object, when, and the object's state before and
after. Its hash covers those fields and the previous event's hash, so `grants audit verify`
finds a changed row (its hash no longer matches) and a deleted one (the next row's
`prev_hash` no longer matches). A trigger refuses UPDATE and DELETE.

Someone with database access could still recompute every hash after a change, so each event
is also *sealed*: `seal` is an HMAC of its hash with AUDIT_KEY, a key that is never stored in
the database. Without the key, a rewritten or appended event cannot carry a valid seal.
Deleting the newest events (or all of them) leaves a valid shorter chain, so
`grants audit checkpoint` writes signed checkpoints (event count and head hash) to files
outside the database (AUDIT_CHECKPOINT_DIR); `verify` fails when the chain no longer reaches
a checkpoint's head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
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
    seal: str = Field(default="", max_length=64)


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


def _seal_key() -> bytes:
    from grants.settings import get_settings

    return get_settings().audit_seal_key


def event_seal(event_hash_hex: str, key: bytes | None = None) -> str:
    """The HMAC that proves the event was written by someone holding AUDIT_KEY."""
    return hmac.new(key or _seal_key(), b"grants-audit-event:" + event_hash_hex.encode("ascii"),
                    hashlib.sha256).hexdigest()


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
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
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
    event.seal = event_seal(event.hash)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problems: list[str]
    checkpoints: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, batch: int = 5000, checkpoint_dir: Path | None = None,
           key: bytes | None = None) -> VerifyResult:
    """Walk the chain in id order and report every event whose hash, link or seal is wrong,
    then compare the chain with the signed checkpoints kept outside the database."""
    key = key or _seal_key()
    checkpoints, problems = read_checkpoints(checkpoint_dir, key)
    wanted = {c.count: c for c in checkpoints}
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
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
            elif not hmac.compare_digest(event.seal or "", event_seal(event.hash, key)):
                problems.append(f"event {event.id}: its seal is wrong (written or changed "
                                f"without the audit key)")
            checkpoint = wanted.get(checked)
            if checkpoint is not None and checkpoint.head != event.hash:
                problems.append(
                    f"event {event.id}: differs from the checkpoint of {checkpoint.at} "
                    f"(events up to it were rewritten)")
            expected_prev = event.hash
            last_id = event.id or last_id
    for checkpoint in checkpoints:
        if checkpoint.count > checked:
            problems.append(
                f"the checkpoint of {checkpoint.at} recorded {checkpoint.count} events, but only "
                f"{checked} remain (events were deleted)")
    warnings: tuple[str, ...] = ()
    if not checkpoints:
        warnings = ("no checkpoint found: deleting the newest events cannot be detected; "
                    "run `grants audit checkpoint` regularly",)
    return VerifyResult(checked=checked, problems=problems, checkpoints=len(checkpoints),
                        warnings=warnings)


# ---- checkpoints: the chain's head, anchored outside the database ------------------------

@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str
    at: str
    path: Path


def _checkpoint_dir(directory: Path | None) -> Path:
    if directory is not None:
        return directory
    from grants.settings import get_settings

    return get_settings().audit_checkpoint_dir


def _checkpoint_signature(count: int, head: str, at: str, key: bytes) -> str:
    payload = json.dumps({"count": count, "head": head, "at": at}, sort_keys=True)
    return hmac.new(key, b"grants-audit-checkpoint:" + payload.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def read_checkpoints(directory: Path | None = None,
                     key: bytes | None = None) -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints in the directory, and a problem for each forged or unreadable one."""
    key = key or _seal_key()
    folder = _checkpoint_dir(directory)
    found: list[Checkpoint] = []
    problems: list[str] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            count, head, at, signature = (int(data["count"]), str(data["head"]),
                                          str(data["at"]), str(data["signature"]))
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(f"checkpoint {path.name}: unreadable")
            continue
        if not hmac.compare_digest(signature, _checkpoint_signature(count, head, at, key)):
            problems.append(f"checkpoint {path.name}: its signature is wrong (forged or altered)")
            continue
        found.append(Checkpoint(count=count, head=head, at=at, path=path))
    return found, problems


def write_checkpoint(session: Session, directory: Path | None = None,
                     key: bytes | None = None) -> Checkpoint:
    """Verify the chain, then write a signed checkpoint of its length and head to a file.

    Raises ValueError (with the problems) when the chain does not verify: a checkpoint must
    never vouch for a tampered trail.
    """
    key = key or _seal_key()
    folder = _checkpoint_dir(directory)
    result = verify(session, checkpoint_dir=folder, key=key)
    if not result.ok:
        raise ValueError("; ".join(result.problems))
    head = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar() or GENESIS
    moment = now()
    at = moment.isoformat(timespec="seconds")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{result.checked}.json"
    data = {"count": result.checked, "head": head, "at": at,
            "signature": _checkpoint_signature(result.checked, head, at, key)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return Checkpoint(count=result.checked, head=head, at=at, path=path)
