"""An account's relationship: key people, meetings and agreed plans

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 11:36:57

Issue 18: the customer's key people and their roles, the team's meeting notes and the plans
agreed with the customer, kept with the account.
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_account_meeting_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_account_meeting_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_meeting'))
    )
    with op.batch_alter_table('account_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_account_meeting_account_held', ['account_id', 'held_on'], unique=False)

    op.create_table('key_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_key_person_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_key_person_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_person'))
    )
    with op.batch_alter_table('key_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_person_account_id'), ['account_id'], unique=False)

    op.create_table('agreed_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done', 'dropped')", name=op.f('ck_agreed_plan_status')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_agreed_plan_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_agreed_plan_created_by_id_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['account_meeting.id'], name=op.f('fk_agreed_plan_meeting_id_account_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_agreed_plan_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_plan'))
    )
    with op.batch_alter_table('agreed_plan', schema=None) as batch_op:
        batch_op.create_index('ix_agreed_plan_account_status', ['account_id', 'status', 'due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('agreed_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_agreed_plan_account_status')

    op.drop_table('agreed_plan')
    with op.batch_alter_table('key_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_person_account_id'))

    op.drop_table('key_person')
    with op.batch_alter_table('account_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_account_meeting_account_held')

    op.drop_table('account_meeting')
