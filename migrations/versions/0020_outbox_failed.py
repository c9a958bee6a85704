"""outbox messages that will not be sent are marked failed, for an admin to retry or discard

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 10:00:00

Delivery used to leave a message it could never send (a subject EmailMessage refuses) in the
queue, re-claimed first on every run. `failed_at` marks a message given up on: refused for
good, or out of attempts. The backfill marks the messages that had already used all five
attempts, so they show on the admin's failed-mail page instead of waiting unseen.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


# MAX_ATTEMPTS in portal/mail.py when this was written (a migration keeps its own copy).
MAX_ATTEMPTS = 5

outbox = sa.table(
    'outbox_message',
    sa.column('sent_at', sa.DateTime(timezone=True)),
    sa.column('attempts', sa.Integer()),
    sa.column('last_error', sa.String(500)),
    sa.column('failed_at', sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        # Partial: only failed rows, so delivery's `failed_at IS NULL` keeps to ix_outbox_message_sent_at.
        batch_op.create_index(
            'ix_outbox_message_failed_at',
            ['failed_at'],
            unique=False,
            sqlite_where=sa.text('failed_at IS NOT NULL'),
            postgresql_where=sa.text('failed_at IS NOT NULL'),
        )

    op.execute(
        outbox.update()
        .where(outbox.c.sent_at.is_(None), outbox.c.attempts >= MAX_ATTEMPTS)
        .values(
            failed_at=sa.func.current_timestamp(),
            last_error=sa.func.coalesce(
                outbox.c.last_error, f'Gave up after {MAX_ATTEMPTS} attempts.'
            ),
        )
    )


def downgrade():
    # Without `failed_at`, only a spent attempt count keeps the old delivery away from them.
    op.execute(
        outbox.update()
        .where(
            outbox.c.failed_at.is_not(None),
            outbox.c.sent_at.is_(None),
            outbox.c.attempts < MAX_ATTEMPTS,
        )
        .values(attempts=MAX_ATTEMPTS)
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_failed_at')
        batch_op.drop_column('failed_at')
