"""Regions can be retired (kept for the records that name them): region.retired

Revision ID: 0022_region_retired
Revises: 0021_org_name_sort
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022_region_retired'
down_revision = '0021_org_name_sort'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_column('retired')
