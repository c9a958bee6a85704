"""Handoffs in order: one may wait for another of the same request

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 05:52:00

Issue 18: delivery waits for credit. A waiting handoff keeps its business hours
(`due_in_hours`) and starts its clock (`started_at`, `due_at`) when the one it waits for is
done. Existing handoffs started when they were made.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waits_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_in_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_handoff_waits_for_id'), ['waits_for_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_handoff_waits_for_id_handoff'), 'handoff', ['waits_for_id'], ['id'], ondelete='SET NULL')

    op.execute("UPDATE handoff SET started_at = created_at")



def downgrade():
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handoff_waits_for_id_handoff'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_handoff_waits_for_id'))
        batch_op.drop_column('started_at')
        batch_op.drop_column('due_in_hours')
        batch_op.drop_column('waits_for_id')

