"""staff turn the workspace's keyboard shortcuts on (off by default)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not batch mode: an expression default makes Alembic's SQLite batch
    # rebuild the table, and dropping the old "user" table checks every foreign key to it
    # (minutes at 20,000 people and a million entries).
    op.add_column(
        'user',
        sa.Column('keyboard_shortcuts', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('keyboard_shortcuts')
