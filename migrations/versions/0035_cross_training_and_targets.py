"""Cross-training plans and members' own targets

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-04 11:30:00

Issue 18, people and practices: a team's learning entries (a member learning a function up
to a target level by a date) and a member's targets on per-member measures for a period,
which roll up to the team's goals.
"""
from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('function_id', sa.Integer(), nullable=False),
    sa.Column('target_level', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('target_level BETWEEN 1 AND 3', name=op.f('ck_learning_entry_target_level')),
    sa.CheckConstraint("status IN ('learning', 'reached', 'dropped')", name=op.f('ck_learning_entry_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_learning_entry_created_by_id_user')),
    sa.ForeignKeyConstraint(['function_id'], ['function.id'], name=op.f('fk_learning_entry_function_id_function'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['user.id'], name=op.f('fk_learning_entry_member_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_learning_entry_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_entry'))
    )
    with op.batch_alter_table('learning_entry', schema=None) as batch_op:
        batch_op.create_index('ix_learning_entry_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index('ix_learning_entry_member_function', ['member_id', 'function_id'], unique=False)

    op.create_table('member_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('target', sa.Double(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('at_least', 'at_most')", name=op.f('ck_member_target_direction')),
    sa.CheckConstraint("period_kind IN ('month', 'quarter')", name=op.f('ck_member_target_period_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_member_target_created_by_id_user')),
    sa.ForeignKeyConstraint(['member_id'], ['user.id'], name=op.f('fk_member_target_member_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_member_target_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_target')),
    sa.UniqueConstraint('team_id', 'member_id', 'measure', 'period_kind', 'period_start', name='uq_member_target_period')
    )
    with op.batch_alter_table('member_target', schema=None) as batch_op:
        batch_op.create_index('ix_member_target_member', ['member_id', 'team_id'], unique=False)


def downgrade():
    with op.batch_alter_table('member_target', schema=None) as batch_op:
        batch_op.drop_index('ix_member_target_member')

    op.drop_table('member_target')
    with op.batch_alter_table('learning_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_learning_entry_member_function')
        batch_op.drop_index('ix_learning_entry_team_status')

    op.drop_table('learning_entry')
