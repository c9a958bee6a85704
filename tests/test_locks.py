"""Periodic work takes turns: while one transaction holds a step's lock, another skips it.

The real thing, two `flask tick` processes at once, is tests/cluster/test_tick.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import locks
from portal.extensions import db
from portal.models import Entry, utcnow
from portal.requests import clock
from tests import factories


@pytest.fixture
def other_transaction(app):
    """A second connection of its own, as another server's tick would have."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite lets one writer in at a time anyway")
    engine = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def test_the_lock_is_one_transactions_at_a_time(other_transaction):
    key = locks._key("tick: service-level breaches")
    assert other_transaction.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(key)))
    assert not locks.only_one("tick: service-level breaches")
    assert locks.only_one("tick: something else")
    db.session.rollback()
    other_transaction.rollback()  # the other tick commits: its lock goes with its transaction
    assert locks.only_one("tick: service-level breaches")
    db.session.rollback()


def test_breaches_are_left_to_the_tick_already_recording_them(world, other_transaction):
    late = utcnow() - timedelta(minutes=5)
    factories.make_request(world.account_a, world.contact_a, status="open", next_due_at=late)
    db.session.commit()
    key = locks._key("tick: service-level breaches")
    other_transaction.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(key)))
    assert clock.record_breaches() == 0
    db.session.rollback()
    other_transaction.rollback()
    assert clock.record_breaches() == 1
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Entry.id)).where(Entry.event == "breach"))


def test_on_sqlite_the_write_lock_is_taken_first(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert locks.only_one("tick: service-level breaches")
    assert db.session.connection().connection.dbapi_connection.in_transaction
    db.session.rollback()
