"""The audit trail is append-only and hash-chained; verify finds changed and deleted rows."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from grants import audit
from grants.audit import AuditEvent
from tests import factories


def _three_events(session):
    factories.organisation(session, name="甲")
    factories.organisation(session, name="乙")
    factories.organisation(session, name="丙")
    session.commit()


def _as_attacker(session, statement):
    """Bypass the append-only triggers the way someone with database access could."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SET session_replication_role = replica"))
    else:
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))
    session.execute(text(statement))
    session.commit()


def test_an_untouched_chain_verifies(session):
    _three_events(session)
    result = audit.verify(session)
    assert result.ok
    assert result.checked == 3


def test_each_event_links_to_the_one_before(session):
    _three_events(session)
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


def test_the_database_refuses_to_update_or_delete_audit_rows(session):
    _three_events(session)
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_event SET actor_name = 'x'"))
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_event"))
    session.rollback()


def test_verify_finds_a_changed_row(session):
    _three_events(session)
    _as_attacker(session, "UPDATE audit_event SET after = '{}' WHERE id = 2")
    result = audit.verify(session)
    assert not result.ok
    assert any("event 2" in p and "changed" in p for p in result.problems)


def test_verify_finds_a_deleted_row(session):
    _three_events(session)
    _as_attacker(session, "DELETE FROM audit_event WHERE id = 2")
    result = audit.verify(session)
    assert not result.ok
    assert any("event 3" in p and "chain broken" in p for p in result.problems)


def test_a_state_change_records_before_and_after(session):
    org = factories.organisation(session, name="荔林关爱中心")
    from grants.organisations import services

    services.update(session, audit.Actor(None, "tester"), org,
                    {**{k: getattr(org, k) for k in services.EDITABLE}, "staff_count": 9},
                    as_organiser=True)
    session.commit()
    event = session.execute(select(AuditEvent).filter_by(action="organisation.update")).scalar_one()
    assert '"staff_count": 3' in event.before
    assert '"staff_count": 9' in event.after
    assert event.actor_name == "tester"
