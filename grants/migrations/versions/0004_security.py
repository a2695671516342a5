"""security: server-side sessions, login failures by address, sealed audit events

Revision ID: 0004_security
Revises: 0006_scopes
Create Date: 2026-11-22 11:10:00
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
import sqlmodel
from alembic import op

import grants.db

revision = '0004_security'
down_revision = '0006_scopes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', grants.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', grants.db.UTCDateTime(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_index(op.f('ix_login_failure_ip'), 'login_failure', ['ip'], unique=False)
    # Not batch mode: on SQLite that would rebuild the table and lose its append-only triggers.
    op.add_column('audit_event', sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64),
                                           nullable=False, server_default=''))
    _seal_existing_events()


def _seal_existing_events() -> None:
    """Seal the events written before sealing existed (the chain is verified first)."""
    from grants.settings import get_settings

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, hash FROM audit_event ORDER BY id")).all()
    if not rows:
        return
    key = get_settings().audit_seal_key
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    for row in rows:
        seal = hmac.new(key, b"grants-audit-event:" + row.hash.encode("ascii"),
                        hashlib.sha256).hexdigest()
        bind.execute(sa.text("UPDATE audit_event SET seal = :seal WHERE id = :id"),
                     {"seal": seal, "id": row.id})
    if postgresql:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")
    else:
        op.execute("""
            CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END
        """)


def downgrade() -> None:
    op.drop_column('audit_event', 'seal')
    op.drop_index(op.f('ix_login_failure_ip'), table_name='login_failure')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_session_last_seen_at'))

    op.drop_table('user_session')
