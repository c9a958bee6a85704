"""full-text search: FTS5 tables on SQLite, GIN expression indexes on PostgreSQL

The models do not describe these (env.py leaves them out of comparisons): they belong to
the database, and portal/requests/search.py is the only code that reads them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:40:00

"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (fts table, content table, indexed columns)
SQLITE = (
    ("request_fts", "request", ("subject", "description")),
    ("entry_fts", "entry", ("body",)),
)


def _sqlite_upgrade():
    for fts, table, columns in SQLITE:
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _sqlite_downgrade():
    for fts, _table, _columns in SQLITE:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        # Built without blocking writes on a large production table; the expressions are
        # the ones portal/requests/search.py queries with, character for character.
        with op.get_context().autocommit_block():
            op.execute(
                "CREATE INDEX CONCURRENTLY ix_request_search ON request USING gin "
                "(to_tsvector('simple', regexp_replace(coalesce(subject, '') || ' ' || "
                "coalesce(description, ''), '[^[\\:alnum\\:]]+', ' ', 'g')))"
            )
            op.execute(
                "CREATE INDEX CONCURRENTLY ix_entry_search ON entry USING gin "
                "(to_tsvector('simple', regexp_replace(coalesce(body, ''), "
                "'[^[\\:alnum\\:]]+', ' ', 'g')))"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_entry_search")
        op.execute("DROP INDEX IF EXISTS ix_request_search")
