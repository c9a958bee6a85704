"""mail that reached a team, how each request came in, and bounces

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 12:43:00

Issue 14, mail in: every message that reaches a team's address is kept whole in
inbound_mail with what became of it (unique by its dedup key, so a message delivered twice
is stored once). A request records its channel (the portal, mail, a call or a visit); an
outgoing mail and a person's address record a bounce. Columns are added in place, not in a
batch: a batch rebuild of `request` or `user` would drop tables other rows point at (0022).
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=450), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('envelope_recipients', sa.Text(), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.String(length=400), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IN ('raised', 'replied', 'unrecognised', 'held', 'automatic', 'bounce', 'discarded')", name=op.f('ck_inbound_mail_outcome')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_inbound_mail_entry_id_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_inbound_mail_handled_by_id_user')),
    sa.ForeignKeyConstraint(['person_id'], ['user.id'], name=op.f('fk_inbound_mail_person_id_user')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_inbound_mail_request_id_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_inbound_mail_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mail')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_inbound_mail_dedup_key'))
    )
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_mail_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_inbound_mail_sender_received', ['sender', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_mail_team_id'), ['team_id'], unique=False)
        batch_op.create_index('ix_inbound_mail_team_outcome', ['team_id', 'outcome', 'received_at'], unique=False)

    op.add_column('outbox_message', sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('outbox_message', sa.Column('bounce_reason', sa.String(length=300), nullable=True))
    op.add_column('request', sa.Column('channel', sa.String(length=10), server_default='web', nullable=False))
    op.add_column('user', sa.Column('mail_bounced_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('mail_bounce_reason', sa.String(length=300), nullable=True))



def downgrade():
    # ALTER TABLE ... DROP COLUMN, in place on SQLite 3.35+ too.
    op.drop_column('user', 'mail_bounce_reason')
    op.drop_column('user', 'mail_bounced_at')
    op.drop_column('request', 'channel')
    op.drop_column('outbox_message', 'bounce_reason')
    op.drop_column('outbox_message', 'bounced_at')

    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mail_team_outcome')
        batch_op.drop_index(batch_op.f('ix_inbound_mail_team_id'))
        batch_op.drop_index('ix_inbound_mail_sender_received')
        batch_op.drop_index(batch_op.f('ix_inbound_mail_request_id'))

    op.drop_table('inbound_mail')
