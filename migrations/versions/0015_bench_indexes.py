"""bench indexes: the inbox's view counts read one covering index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:40:00.000000

At 200,000 requests the inbox's one counting query (every view's count plus the poll's
fingerprint over the team's requests) visited each of a team's 20,000 rows in the table;
with every column it reads in this index it scans the index alone (about 75 ms to 15 ms on
SQLite; `id` is listed for PostgreSQL, whose indexes do not carry it implicitly).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_request_team_view_counts',
        'request',
        ['team_id', 'status', 'assignee_id', 'next_at_risk_at', 'resolved_at',
         'last_activity_at', 'version', 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_request_team_view_counts', table_name='request')
