"""Someone with database access cannot rewrite the audit trail unnoticed.

Each tamper case runs on SQLite and PostgreSQL: deleting the newest event or every event after
a checkpoint, rewriting an event and recomputing the chain, appending a forged event with a
correct hash. Seals (HMAC with AUDIT_KEY) and signed checkpoints kept outside the database
catch them all.
"""

import json

import pytest
from sqlalchemy import select, text

from grants import audit
from grants.audit import AuditEvent
from tests import factories


def _events(session, n=3):
    for i in range(n):
        factories.organisation(session, name=f"机构{i}")
    session.commit()


def _as_attacker(session, *statements, params=None):
    """Bypass the append-only triggers the way someone with database access could."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET session_replication_role = replica"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
    for statement in statements:
        session.execute(text(statement), params or {})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET session_replication_role = DEFAULT"))
    session.commit()
    session.expire_all()


@pytest.fixture
def checkpoints(settings):
    return settings.audit_checkpoint_dir


def test_events_are_sealed_and_a_checkpoint_verifies(session, checkpoints):
    _events(session)
    assert all(e.seal for e in session.execute(select(AuditEvent)).scalars())
    checkpoint = audit.write_checkpoint(session)
    assert checkpoint.count == 3
    assert checkpoint.path.parent == checkpoints
    result = audit.verify(session)
    assert result.ok and result.checked == 3 and result.checkpoints == 1
    assert result.warnings == ()


def test_without_a_checkpoint_verify_warns(session):
    _events(session)
    result = audit.verify(session)
    assert result.ok
    assert "no checkpoint" in result.warnings[0]


def test_deleting_the_newest_event_after_a_checkpoint_fails(session, checkpoints):
    _events(session)
    audit.write_checkpoint(session)
    _as_attacker(session, "DELETE FROM audit_event WHERE id = 3")
    result = audit.verify(session)
    assert not result.ok
    assert any("recorded 3 events, but only 2 remain" in p for p in result.problems)


def test_deleting_every_event_after_a_checkpoint_fails(session, checkpoints):
    _events(session)
    audit.write_checkpoint(session)
    _as_attacker(session, "DELETE FROM audit_event")
    result = audit.verify(session)
    assert result.checked == 0
    assert not result.ok
    assert any("events were deleted" in p for p in result.problems)


def _rechain_from(session, first_id, change):
    """Rewrite events from `first_id` on and recompute every hash, as an attacker would."""
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    prev = audit.GENESIS
    statements = []
    for event in events:
        if event.id == first_id:
            change(event)
        if event.id >= first_id:
            event.prev_hash = prev
            event.hash = event_hash = audit.event_hash(event)
            statements.append((event.id, event.after, event.prev_hash, event_hash))
        prev = event.hash
    session.expunge_all()
    for event_id, after, prev_hash, new_hash in statements:
        _as_attacker(session, "UPDATE audit_event SET after = :after, prev_hash = :prev, "
                     "hash = :hash WHERE id = :id",
                     params={"after": after, "prev": prev_hash, "hash": new_hash, "id": event_id})


def test_rewriting_an_event_and_recomputing_the_chain_fails(session, checkpoints):
    _events(session)
    audit.write_checkpoint(session)

    def change(event):
        event.after = json.dumps({"name": "改写"}, ensure_ascii=False)

    _rechain_from(session, 2, change)
    result = audit.verify(session)
    assert not result.ok
    assert any("event 2" in p and "seal" in p for p in result.problems)
    assert any("checkpoint" in p for p in result.problems)
    # The rewrite is caught by the seal alone too, without any checkpoint.
    for path in checkpoints.glob("*.json"):
        path.unlink()
    assert not audit.verify(session).ok


def test_a_forged_appended_event_with_a_correct_hash_fails(session, checkpoints):
    _events(session)
    audit.write_checkpoint(session)
    last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    forged = AuditEvent(at=last.at, actor_id=None, actor_name="system", action="fund.credit",
                        object_type="fund", object_id="1", before=None, after='{"fen": 1}',
                        ip="", prev_hash=last.hash, hash="")
    forged.hash = audit.event_hash(forged)
    forged.seal = audit.event_seal(forged.hash, key=b"a guess at the key")
    session.add(forged)
    session.commit()
    result = audit.verify(session)
    assert not result.ok
    assert any(f"event {forged.id}" in p and "seal" in p for p in result.problems)


def test_a_forged_or_altered_checkpoint_is_reported(session, checkpoints):
    _events(session)
    checkpoint = audit.write_checkpoint(session)
    data = json.loads(checkpoint.path.read_text())
    data["count"] = 1
    checkpoint.path.write_text(json.dumps(data))
    result = audit.verify(session)
    assert not result.ok
    assert any("signature is wrong" in p for p in result.problems)


def test_no_checkpoint_is_written_for_a_broken_chain(session, checkpoints):
    _events(session)
    _as_attacker(session, "UPDATE audit_event SET actor_name = 'mallory' WHERE id = 2")
    with pytest.raises(ValueError, match="event 2"):
        audit.write_checkpoint(session)
    assert not list(checkpoints.glob("*.json")) if checkpoints.exists() else True


def test_the_seal_depends_on_the_audit_key(settings):
    from dataclasses import replace

    from starlette.datastructures import Secret

    derived = settings.audit_seal_key
    keyed = replace(settings, audit_key=Secret("Zt7Wm2Qx9Lp4Rk8Vn3Bh6Yc1Fd5Gs0Ja-Ku_Ee"))
    assert keyed.audit_seal_key != derived
    assert audit.event_seal("ab" * 32, derived) != audit.event_seal("ab" * 32,
                                                                    keyed.audit_seal_key)
