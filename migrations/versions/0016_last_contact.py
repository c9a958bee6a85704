"""accounts remember when the team last wrote to them (Quiet accounts without aggregation)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 13:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True))
    # The team's last public reply to each account so far.
    op.execute(
        "UPDATE account SET last_contact_at = ("
        " SELECT max(entry.created_at) FROM entry"
        " JOIN request ON request.id = entry.request_id"
        " JOIN \"user\" ON \"user\".id = entry.author_id"
        " WHERE request.account_id = account.id AND entry.kind = 'reply'"
        " AND entry.public = TRUE AND \"user\".kind = 'staff')"
    )


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('last_contact_at')
