"""API tokens, the integration people team tokens act as, and answers kept for retried posts

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 23:10:00

Issue 17: other systems use Onestop through a JSON API with tokens instead of cookies. A
team's token acts as an integration person of its own (`user.integration`), a contact's as
the contact. `idempotent_answer` keeps the first answer to a post sent with an
`Idempotency-Key`, so a retry gets it again instead of acting twice.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('integration', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('can_write', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(team_id IS NULL) <> (account_id IS NULL)', name=op.f('ck_api_token_team_or_account')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_api_token_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_api_token_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_api_token_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_api_token_team_id_created_at', ['team_id', 'created_at'], unique=False)
        batch_op.create_index('ix_api_token_user_id', ['user_id'], unique=False)

    op.create_table('idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_idempotent_answer_token_id_api_token'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_answer')),
    sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotent_answer_token_id_key')),
    )
    with op.batch_alter_table('idempotent_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_answer_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotent_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_answer_created_at'))
    op.drop_table('idempotent_answer')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index('ix_api_token_user_id')
        batch_op.drop_index('ix_api_token_team_id_created_at')
        batch_op.drop_index(batch_op.f('ix_api_token_account_id'))
    op.drop_table('api_token')
    op.drop_column('user', 'integration')
