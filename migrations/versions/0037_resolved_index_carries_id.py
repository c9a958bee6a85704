"""The insights index of resolved requests carries their id on PostgreSQL

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-04 15:00:00

Issue 15: every measure of resolved requests joins each request to its rating and asks
whether it was handed off, by its id. ix_request_team_resolved held everything else those
measures read but not the id, so PostgreSQL read each of a team's requests from the table:
at 1,000,000 requests the dashboard's one query of resolved requests took 208 ms. With the
id included it is read from the index alone. SQLite's indexes always hold the row id, so
nothing changes there.
"""
from alembic import op


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

COLUMNS = (
    "team_id, resolved_at, merged_into_id, created_at, resolution_due_at, expected_by, "
    "assignee_id, account_id"
)


def _rebuild(include: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Built beside the old one, without blocking writes on a large production table, and
    # swapped in: the measures are never left without an index.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_request_team_resolved_new")
        op.execute(
            f"CREATE INDEX CONCURRENTLY ix_request_team_resolved_new ON request ({COLUMNS})"
            f"{include}"
        )
        # IF EXISTS: a run stopped after this drop, before the rename, can be run again.
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_request_team_resolved")
        op.execute("ALTER INDEX ix_request_team_resolved_new RENAME TO ix_request_team_resolved")


def upgrade():
    _rebuild(" INCLUDE (id)")


def downgrade():
    _rebuild("")
