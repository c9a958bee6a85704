"""a team's mail address, and threading headers kept on each outbox message

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 09:00:00

Issue 14's first step, outgoing mail that threads: a team may have an address (stored
lowercased, so a plain unique index is unique whatever the case), and each queued message
keeps the request it is about and the Message-ID, In-Reply-To, References, Reply-To and
Auto-Submitted it goes out with, so a retry sends the same ones and a later reply or bounce
can be matched to it. Every new column is nullable: rows queued before this still send.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not in a batch: a batch rebuild of `team` would drop a table other rows
    # point at (see 0022). A unique index, unlike a unique constraint, SQLite adds in place.
    op.add_column('team', sa.Column('mail_address', sa.String(length=254), nullable=True))
    op.create_index(op.f('ix_team_mail_address'), 'team', ['mail_address'], unique=True)

    # A batch: SQLite adds a foreign key only by rebuilding the table. Nothing points at
    # outbox_message; its partial index on failed_at is checked for after the rebuild by
    # tests/test_migrations.py.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('in_reply_to', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('thread_references', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('auto_submitted', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_request_id_request'),
            'request',
            ['request_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_outbox_message_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_message_id'), ['message_id'], unique=True)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_message_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_request_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_request_id_request'), type_='foreignkey')
        batch_op.drop_column('auto_submitted')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('thread_references')
        batch_op.drop_column('in_reply_to')
        batch_op.drop_column('message_id')
        batch_op.drop_column('request_id')

    op.drop_index(op.f('ix_team_mail_address'), table_name='team')
    op.drop_column('team', 'mail_address')
