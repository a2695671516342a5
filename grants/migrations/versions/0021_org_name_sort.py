"""Organisations sorted by pinyin: organisation.name_sort, filled for existing rows

Revision ID: 0021_org_name_sort
Revises: 0020_vote_award
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0021_org_name_sort'
down_revision = '0020_vote_award'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_sort', sqlmodel.sql.sqltypes.AutoString(length=400),
                                      nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_organisation_name_sort'), ['name_sort'], unique=False)
    from pypinyin import lazy_pinyin

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name FROM organisation")).all()
    for org_id, name in rows:
        key = " ".join(lazy_pinyin(name or "")).lower()[:400]
        connection.execute(sa.text("UPDATE organisation SET name_sort = :k WHERE id = :i"),
                           {"k": key, "i": org_id})


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_name_sort'))
        batch_op.drop_column('name_sort')
