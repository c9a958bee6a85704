"""The migrations build, from an empty database, exactly the schema the models describe.

Runs on a fresh SQLite file, and on a fresh PostgreSQL database (created and dropped here)
when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import caching, create_app
from portal.extensions import db
from portal.models import utcnow
from portal.requests.search import include_object, is_search_object
from tests.conftest import TEST_CONFIG, _postgres_database


def _databases():
    yield pytest.param("sqlite", id="sqlite")
    if os.environ.get("TEST_DATABASE_URL"):
        yield pytest.param("postgresql", id="postgresql")


@pytest.fixture
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url, drop = _postgres_database(
        os.environ["TEST_DATABASE_URL"], f"onestop_migrations_{uuid.uuid4().hex[:10]}"
    )
    try:
        yield url
    finally:
        drop()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_object": include_object,
            },
        )
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    names = sa.inspect(db.engine).get_table_names()
    return {name for name in names if not is_search_object(name, "table")}


@pytest.mark.parametrize("empty_database", list(_databases()), indirect=True)
def test_migrations_build_the_models_schema_and_undo_cleanly(empty_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        try:
            assert _tables() == set()

            upgrade()
            assert _tables() == set(db.metadata.tables) | {"alembic_version"}
            assert _differences() == []

            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}

            upgrade()
            assert _differences() == []
        finally:
            db.session.remove()
            db.engine.dispose()


def test_every_model_table_has_a_migration():
    """A cheap guard that runs without a database: each table is created by some migration."""
    from pathlib import Path

    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    source = "\n".join(p.read_text() for p in versions.glob("*.py"))
    missing = [
        name
        for name in db.metadata.tables
        if f"'{name}'" not in source and f'"{name}"' not in source
    ]
    assert missing == []


@pytest.mark.parametrize("empty_database", list(_databases()), indirect=True)
def test_entry_html_is_backfilled_and_undone_without_losing_search(empty_database):
    """0019 renders the entries already there; going back leaves the entry table's
    full-text triggers in place (a batch-mode rebuild on SQLite would drop them)."""
    from portal.richtext import render_html

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    bodies = ["**bold** and <script>alert(1)</script>", "", "[x](javascript:alert(2)) plain"]
    with app.app_context(), app.test_request_context():
        try:
            upgrade(revision="0018")
            # Rows as the tables were at 0018: today's models have later columns.
            team = _insert_as_it_was("team", name="Team", timezone="UTC")
            tier = _insert_as_it_was("tier", name="Tier", rank=1)
            contact = _insert_as_it_was("user", email="c@example.com", name="C", kind="contact")
            account = _insert_as_it_was("account", name="A", team_id=team, tier_id=tier)
            item = _insert_as_it_was(
                "request",
                account_id=account,
                requester_id=contact,
                team_id=team,
                urgency="normal",
                status="new",
                idempotency_key="k",
                version=1,
            )
            entry = db.metadata.tables["entry"]
            rows = [{"request_id": item, "kind": "reply", "body": b} for b in bodies]
            db.session.execute(entry.insert(), [{**r, "public": True, "data": {}} for r in rows])
            db.session.flush()
            # The cache stamps (0022) are not there yet to be moved.
            db.session.info.pop(caching._SITE, None)
            db.session.info.pop(caching._TEAMS, None)
            db.session.commit()
            triggers = _entry_triggers()

            upgrade()
            stored = db.session.execute(sa.select(entry.c.body, entry.c.body_html)).all()
            assert sorted(stored) == sorted((b, render_html(b)) for b in bodies)
            db.session.commit()

            downgrade(revision="0018")
            assert _entry_triggers() == triggers
            upgrade()
            assert _differences() == []
        finally:
            db.session.remove()
            db.engine.dispose()


def _insert_as_it_was(table_name: str, **values) -> int:
    """Insert a row into the table as the database has it now (an older revision), filling
    each required column not given with an empty value of its type; returns the new id."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=db.session.connection())
    empty = {int: 0, str: "", bool: False, dict: {}}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        values[column.name] = utcnow() if kind.__name__ == "datetime" else empty[kind]
    return db.session.execute(table.insert().values(values).returning(table.c.id)).scalar_one()


def _entry_triggers() -> set[str]:
    if db.engine.dialect.name != "sqlite":
        return set()
    with db.engine.connect() as connection:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entry'"
        return set(connection.scalars(sa.text(query)))


@pytest.mark.parametrize("empty_database", list(_databases()), indirect=True)
def test_outbox_messages_out_of_attempts_are_marked_failed_and_kept_back_when_undone(
    empty_database,
):
    """0020 marks the messages that had already used every attempt as failed (so the admin
    sees them); going back gives a failed message a spent count, which the old delivery
    skipped, so undoing the migration does not send them again."""
    from portal.models import utcnow

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        try:
            upgrade(revision="0019")
            outbox = sa.Table("outbox_message", sa.MetaData(), autoload_with=db.engine)
            now = utcnow()
            rows = [
                {"recipient": "spent@example.com", "attempts": 5, "last_error": "timed out"},
                {"recipient": "silent@example.com", "attempts": 6, "last_error": None},
                {"recipient": "waiting@example.com", "attempts": 2, "last_error": "busy"},
                {"recipient": "sent@example.com", "attempts": 5, "sent_at": now},
            ]
            base = {
                "subject": "s",
                "body": "b",
                "created_at": now,
                "sent_at": None,
                "last_error": None,
            }
            with db.engine.begin() as connection:
                connection.execute(outbox.insert(), [{**base, **row} for row in rows])

            upgrade(revision="0020")
            outbox = sa.Table("outbox_message", sa.MetaData(), autoload_with=db.engine)
            query = sa.select(
                outbox.c.recipient, outbox.c.failed_at.is_not(None), outbox.c.last_error
            ).order_by(outbox.c.id)
            with db.engine.connect() as connection:
                assert [tuple(row) for row in connection.execute(query)] == [
                    ("spent@example.com", True, "timed out"),
                    ("silent@example.com", True, "Gave up after 5 attempts."),
                    ("waiting@example.com", False, "busy"),
                    ("sent@example.com", False, None),
                ]
                connection.execute(
                    outbox.update()
                    .where(outbox.c.recipient == "waiting@example.com")
                    .values(failed_at=now, attempts=1)
                )
                connection.commit()

            downgrade(revision="0019")
            outbox = sa.Table("outbox_message", sa.MetaData(), autoload_with=db.engine)
            query = sa.select(outbox.c.recipient, outbox.c.attempts).order_by(outbox.c.id)
            with db.engine.connect() as connection:
                assert [tuple(row) for row in connection.execute(query)] == [
                    ("spent@example.com", 5),
                    ("silent@example.com", 6),
                    ("waiting@example.com", 5),
                    ("sent@example.com", 5),
                ]
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("empty_database", list(_databases()), indirect=True)
def test_threading_columns_keep_queued_mail_and_the_failed_index(empty_database):
    """0023 rebuilds outbox_message on SQLite (to add a foreign key): the queued rows stay,
    with every new column empty, and the partial index on failed_at stays partial (a
    rebuild that lost its WHERE would let it stand in for the index on sent_at)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        try:
            upgrade(revision="0022")
            row = {"recipient": "queued@example.com", "subject": "s", "body": "b"}
            with db.engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO outbox_message (recipient, subject, body, created_at, "
                        "attempts) VALUES (:recipient, :subject, :body, :now, 0)"
                    ),
                    {**row, "now": utcnow()},
                )

            upgrade(revision="0023")
            query = sa.text(
                "SELECT recipient, request_id, message_id, thread_references, auto_submitted "
                "FROM outbox_message"
            )
            with db.engine.connect() as connection:
                stored = connection.execute(query)
                assert [tuple(r) for r in stored] == [
                    ("queued@example.com", None, None, None, None)
                ]
            if db.engine.dialect.name == "sqlite":
                with db.engine.connect() as connection:
                    index = connection.scalar(
                        sa.text(
                            "SELECT sql FROM sqlite_master "
                            "WHERE name = 'ix_outbox_message_failed_at'"
                        )
                    )
                assert "WHERE failed_at IS NOT NULL" in index

            downgrade(revision="0022")
            with db.engine.connect() as connection:
                count = connection.scalar(sa.text("SELECT count(*) FROM outbox_message"))
            assert count == 1
        finally:
            db.session.remove()
            db.engine.dispose()
