"""each person's time zone, and an account's default for its contacts

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 19:10:00

Issue 16: every time is shown in the reader's zone. `user.timezone` is the person's choice
(null until their first sign-in offers one); `account.timezone` is the zone its contacts
start with (null: the owning team's). Existing people start where they work: staff in
their first team's zone, contacts in their account's team's, so nobody who signed in
before sees a different clock without having chosen one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not in a batch: a batch rebuild of `user` or `account` would drop tables
    # other rows point at (0022, 0024).
    op.add_column('user', sa.Column('timezone', sa.String(length=64), nullable=True))
    op.add_column('account', sa.Column('timezone', sa.String(length=64), nullable=True))
    op.execute(
        """
        UPDATE "user" SET timezone = (
            SELECT team.timezone FROM membership JOIN team ON team.id = membership.team_id
            WHERE membership.user_id = "user".id ORDER BY membership.team_id LIMIT 1
        )
        WHERE kind = 'staff' AND last_login_at IS NOT NULL
        """
    )
    op.execute(
        """
        UPDATE "user" SET timezone = (
            SELECT team.timezone FROM contact
            JOIN account ON account.id = contact.account_id
            JOIN team ON team.id = account.team_id
            WHERE contact.user_id = "user".id ORDER BY contact.account_id LIMIT 1
        )
        WHERE kind = 'contact' AND last_login_at IS NOT NULL
        """
    )


def downgrade():
    op.drop_column('account', 'timezone')
    op.drop_column('user', 'timezone')
