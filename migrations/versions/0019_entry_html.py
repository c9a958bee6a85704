"""entries keep their rendered HTML; staff are listed by name from an index

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 15:30:00

The request pages rendered every entry's markdown and sanitised it with nh3 on every view;
`entry.body_html` keeps that result from when the entry is written (portal/richtext.py).
The backfill renders the existing rows in batches by id (bodies that are empty, most
events, in one statement). The staff pickers of every request page listed the 150 staff by
scanning all 20,000 users; `ix_user_kind_active_name` answers them from the index, in
order.
"""
from alembic import op
import sqlalchemy as sa

from portal.richtext import fill_entry_html


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never batch mode: recreating `entry` on SQLite would drop its
# full-text triggers (migration 0014). SQLite drops a column in place since 3.35.


def upgrade():
    op.add_column('entry', sa.Column('body_html', sa.Text(), nullable=True))
    fill_entry_html(op.get_bind())
    op.create_index('ix_user_kind_active_name', 'user', ['kind', 'active', 'name'], unique=False)


def downgrade():
    op.drop_index('ix_user_kind_active_name', table_name='user')
    op.drop_column('entry', 'body_html')
