"""Notices keep their message ids and parameters, to be shown in the reader's language:
notice.message

Revision ID: 0024_notice_message
Revises: 0023_page_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024_notice_message'
down_revision = '0023_page_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('message')
