"""Internal checks keep the survey-dimension points they asked

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 12:05:00

Issue 18: a team's internal check adds, to the fixed checklist, the survey dimensions its
customers rated worst that quarter; each check keeps which of those points it asked, as
worded then, and whether they passed. Checks recorded before have none.
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('internal_check_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('gap', sa.Double(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['internal_check.id'], name=op.f('fk_internal_check_point_check_id_internal_check'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dimension_id'], ['service_dimension.id'], name=op.f('fk_internal_check_point_dimension_id_service_dimension'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_check_point'))
    )
    with op.batch_alter_table('internal_check_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_check_point_check_id'), ['check_id'], unique=False)


def downgrade():
    with op.batch_alter_table('internal_check_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_check_point_check_id'))

    op.drop_table('internal_check_point')
