"""fund entries: maker-checker status and one-time form keys

Revision ID: 0005_inputs
Revises: 0007_judging (re-chain at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import grants.db

revision = '0005_inputs'
down_revision = '0007_judging'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fund_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      server_default='approved', nullable=False))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', grants.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_fund_entry_status'), ['status'], unique=False)
        batch_op.create_unique_constraint('uq_fund_entry_form_key', ['form_key'])
        batch_op.create_foreign_key('fk_fund_entry_decided_by_id_user_account', 'user_account',
                                    ['decided_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('fund_entry', schema=None) as batch_op:
        batch_op.drop_constraint('fk_fund_entry_decided_by_id_user_account', type_='foreignkey')
        batch_op.drop_constraint('uq_fund_entry_form_key', type_='unique')
        batch_op.drop_index(batch_op.f('ix_fund_entry_status'))
        batch_op.drop_column('form_key')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('status')
