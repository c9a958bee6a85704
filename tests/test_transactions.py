"""How the app uses its database connections: transactions that hold what they should."""

import pytest
from sqlalchemy import func, select, text, update

from portal.database import end_reading
from portal.extensions import db
from portal.models import OutboxMessage, Team


def test_a_savepoint_that_opens_the_transaction_rolls_back_with_it(app, world):
    """On SQLite a SAVEPOINT sent outside a transaction starts one of its own, and its
    RELEASE commits it: a `begin_nested()` as the first write used to commit on the spot."""
    db.session.commit()  # nothing open: the savepoint is the transaction's first write
    with db.session.begin_nested():
        db.session.add(OutboxMessage(recipient="x@example.com", subject="s", body="b"))
    with db.engine.connect() as other:  # another connection sees nothing uncommitted
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# ---- how a request's transaction ends (portal/database.end_reading) -------------------------


def test_a_transaction_that_only_read_ends_with_commit_and_keeps_prepared_statements(app, world):
    """psycopg forgets a connection's prepared statements at each ROLLBACK: ended that way,
    no statement of a page was ever prepared and PostgreSQL planned each one afresh."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    db.session.commit()
    query = select(Team.name).where(Team.id == world.team_x.id)
    for _ in range(3):  # three "pages", each running the statement twice and ending
        for _ in range(2):
            assert db.session.scalar(query) == world.team_x.name
        end_reading(db.session())
        assert not db.session().in_transaction()
    prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared >= 1
    db.session.rollback()


def test_an_unsaved_write_is_never_committed_by_the_end_of_a_request(app, world):
    db.session.commit()
    db.session.add(OutboxMessage(recipient="x@example.com", subject="s", body="b"))
    db.session.flush()  # a service flushed; the view then refused the form without commit
    end_reading(db.session())
    db.session.rollback()  # what closing the session does
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_core_write_through_the_session_is_never_committed_either(app, world):
    db.session.commit()
    db.session.execute(update(Team).where(Team.id == world.team_x.id).values(name="Changed"))
    end_reading(db.session())
    db.session.rollback()
    assert db.session.scalar(select(Team.name).where(Team.id == world.team_x.id)) != "Changed"


def test_pending_objects_are_never_committed_by_the_end_of_a_request(app, world):
    db.session.commit()
    db.session.add(OutboxMessage(recipient="y@example.com", subject="s", body="b"))
    end_reading(db.session())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
