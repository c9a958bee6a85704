"""Follow-ups with customers, and an account's named member

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 11:40:00

Issue 18: a low rating or a survey answer with a negative gap opens a follow-up on the
account, owned by its named member, closed only with what came of it. The named member is a
table of its own (one row per account, naming a membership of its team) rather than a
column of `account`: adding a foreign key there would rebuild `account` on SQLite, which the
rows that name an account refuse.
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_named_member',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_account_named_member_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_account_named_member_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_id'], ['user.id'], name=op.f('fk_account_named_member_named_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_named_member'))
    )
    with op.batch_alter_table('account_named_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_named_member_membership_id'), ['membership_id'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.Column('survey_response_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(closed_at IS NULL) = (outcome IS NULL)', name=op.f('ck_follow_up_closed_with_outcome')),
    sa.CheckConstraint('(rating_id IS NULL) <> (survey_response_id IS NULL)', name=op.f('ck_follow_up_one_source')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_follow_up_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_follow_up_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_follow_up_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_follow_up_rating_id_rating'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_response_id'], ['survey_response.id'], name=op.f('fk_follow_up_survey_response_id_survey_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_follow_up_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_follow_up_rating_id')),
    sa.UniqueConstraint('survey_response_id', name=op.f('uq_follow_up_survey_response_id'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_account', ['account_id', 'closed_at', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_follow_up_team', ['team_id', 'closed_at', 'due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_team')
        batch_op.drop_index(batch_op.f('ix_follow_up_owner_id'))
        batch_op.drop_index('ix_follow_up_account')

    op.drop_table('follow_up')
    with op.batch_alter_table('account_named_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_named_member_membership_id'))

    op.drop_table('account_named_member')
