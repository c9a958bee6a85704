"""A partial index of open requests by account and requester

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 18:10:00

Issue 15: My requests (and its poll) chose a contact's open requests by reading every
request of their account and then dropping the resolved ones. At 1,000,000 requests the
bench's contact sees 199 requests of their account, 8 of them open: the list's query took
2.7 ms, and 0.3 ms once it reads only the open ones. This index holds open requests
only, so it stays as small as the work in hand, however long the history grows.
"""

import sqlalchemy as sa
from alembic import op


revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

NAME = "ix_request_account_open"
# Written out, not imported from the models: a migration keeps meaning what it meant.
OPEN = "status IN ('new', 'open', 'waiting_on_customer')"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Without blocking writes on a large production table. A build stopped part way
        # leaves an invalid index behind: dropped first, so the migration can run again.
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
            op.execute(
                f"CREATE INDEX CONCURRENTLY {NAME} ON request (account_id, requester_id) "
                f"WHERE {OPEN}"
            )
        return
    op.create_index(NAME, "request", ["account_id", "requester_id"], sqlite_where=sa.text(OPEN))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        return
    op.drop_index(NAME, table_name="request")
