"""Account economics, the tier rule's thresholds, and every tier change kept

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 05:12:09

Issue 18: an account carries its yearly revenue, gross margin, order volume, customer-since
and renewal dates; each tier says what an account needs to be suggested it (margin, years
as a customer, revenue); `tier_change` keeps each change with the suggestion and the reason.
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tier_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('from_tier_id', sa.Integer(), nullable=True),
    sa.Column('to_tier_id', sa.Integer(), nullable=True),
    sa.Column('suggested_tier_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_tier_change_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_tier_change_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_tier_id'], ['tier.id'], name=op.f('fk_tier_change_from_tier_id_tier'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggested_tier_id'], ['tier.id'], name=op.f('fk_tier_change_suggested_tier_id_tier'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_tier_id'], ['tier.id'], name=op.f('fk_tier_change_to_tier_id_tier'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_change'))
    )
    with op.batch_alter_table('tier_change', schema=None) as batch_op:
        batch_op.create_index('ix_tier_change_account_id_id', ['account_id', 'id'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('yearly_revenue', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('gross_margin', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('order_volume', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('customer_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('renewal_on', sa.Date(), nullable=True))

    with op.batch_alter_table('tier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_gross_margin', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('min_years', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('min_revenue', sa.BigInteger(), nullable=True))



def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch would copy `tier` and drop the
    # original, which the service levels' foreign keys refuse once tiers exist.
    with op.batch_alter_table('tier_change', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_change_account_id_id')
    op.drop_table('tier_change')
    for column in ('min_revenue', 'min_years', 'min_gross_margin'):
        op.drop_column('tier', column)
    for column in ('renewal_on', 'customer_since', 'order_volume', 'gross_margin', 'yearly_revenue'):
        op.drop_column('account', column)
