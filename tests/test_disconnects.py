"""PostgreSQL connections the server ended are replaced at checkout, with no ping per request.

Runs on PostgreSQL only (TEST_DATABASE_URL): SQLite has no server to end a connection. The
same behaviour under live app servers is tests/cluster/test_database_restart.py.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from portal.extensions import db


def test_no_ping_on_checkout_and_a_recycle_age(app):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "pool_pre_ping" not in options
    assert options["pool_recycle"] > 0
    assert options["pool_use_lifo"] is True  # prepared statements stay on the hot connection


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    return db.engine


def _backend_pid() -> int:
    return db.session.scalar(sa.text("SELECT pg_backend_pid()"))


def _terminate(engine, pid: int) -> None:
    """End `pid` from a connection of its own (not the pool's) and wait until it is gone."""
    admin = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
        deadline = time.monotonic() + 10
        while other.scalar(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ):
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
            other.rollback()
    admin.dispose()


def test_a_connection_the_server_ended_is_replaced_before_use(postgresql):
    first = _backend_pid()
    db.session.commit()  # back to the pool
    _terminate(postgresql, first)

    # The next statement runs on a fresh connection instead of failing.
    second = _backend_pid()
    assert second != first
    db.session.commit()


def test_without_the_check_the_first_statement_would_fail(postgresql):
    """The check is what saves the request: the same steps on an engine without it fail."""
    from portal.database import _drop_connections_the_server_closed as check

    bare = sa.create_engine(postgresql.url)
    sa.event.remove(sa.pool.Pool, "checkout", check)
    try:
        with bare.connect() as conn:
            pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        _terminate(postgresql, pid)
        with pytest.raises(sa.exc.OperationalError) as failed, bare.connect() as conn:
            conn.scalar(sa.text("SELECT 1"))
        assert failed.value.connection_invalidated
        with bare.connect() as conn:  # SQLAlchemy has invalidated the pool by then
            assert conn.scalar(sa.text("SELECT 1")) == 1
    finally:
        sa.event.listen(sa.pool.Pool, "checkout", check)
        bare.dispose()
