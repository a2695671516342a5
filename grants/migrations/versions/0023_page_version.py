"""The version of the data, raised by every committed write (grants.pagecache): page_version

Revision ID: 0023_page_version
Revises: 0022_region_retired
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023_page_version'
down_revision = '0022_region_retired'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'page_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'n': 0}])


def downgrade() -> None:
    op.drop_table('page_version')
