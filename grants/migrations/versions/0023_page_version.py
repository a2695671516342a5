"""The versions of the data, one per table, raised by every committed write: page_version

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
    op.create_table(
        'page_version',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('page_version')
