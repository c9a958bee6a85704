"""version stamps for the caches: team.settings_version and a one-row site_version

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:30:00

Every cache keys on versions the database keeps (portal/caching.py), so two app servers
never disagree: a team's settings (members, accounts, calendar, canned replies) and the
site's (functions, tiers, service levels, people) each move with every change to them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings_version', sa.Integer(), server_default='0', nullable=False))
    site_version = op.create_table('site_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_site_version_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_version'))
    )
    op.bulk_insert(site_version, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('site_version')
    # In place (SQLite 3.35+ drops a column itself): a batch rebuild of `team` would drop a
    # table other rows point at.
    op.drop_column('team', 'settings_version')
