"""How the app uses its database connections: engine options, the hooks on each connection,
and how a request's transaction ends."""

from __future__ import annotations

import select

from flask import Flask
from sqlalchemy import event, exc, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from .extensions import db

# In a session's info while its transaction has written (or may have): see `_end_reading`.
_WROTE = "onestop.wrote"


def configure(app: Flask) -> None:
    """Called by `create_app` before the engine exists: engine options and connection hooks."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        # A writer waits for the lock instead of failing at once under concurrent posts.
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    for target, name, hook in (
        (Engine, "connect", _sqlite_pragmas),
        (Engine, "savepoint", _sqlite_savepoint),
        (Pool, "checkout", _drop_connections_the_server_closed),
        (Session, "after_flush", _flushed),
        (Session, "do_orm_execute", _executed),
        (Session, "after_transaction_end", _ended),
    ):
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)
    if not uri.startswith("sqlite"):
        app.teardown_request(_end_reading)


def _flushed(session, _context) -> None:
    session.info[_WROTE] = True


def _executed(state) -> None:
    if not state.is_select:  # an INSERT, UPDATE or DELETE run through the session
        state.session.info[_WROTE] = True


def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def end_reading(session: Session) -> None:
    """End a transaction that only read with COMMIT, not the ROLLBACK that closing the
    session sends. psycopg forgets every prepared statement of a connection when it rolls
    back, so with ROLLBACK after each page no statement was ever prepared, and PostgreSQL
    planned each one again: a page's statements cost 1.5-2 ms each, their planning ten times
    their running. COMMIT of a transaction that wrote nothing changes nothing.

    A transaction that wrote and was not committed is left to the rollback: a view that
    refused a form after its service flushed relies on it."""
    if not session.in_transaction() or session.info.get(_WROTE):
        return
    if session.new or session.dirty or session.deleted:
        return
    try:
        session.commit()
    except exc.SQLAlchemyError:  # a connection lost now: the closing rollback cleans up
        session.rollback()


def _end_reading(error) -> None:
    if error is None:
        end_reading(db.session())


def _sqlite_pragmas(dbapi_connection, _record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _drop_connections_the_server_closed(dbapi_connection, _record, _proxy):
    """A pooled PostgreSQL connection the server has ended (a restart, `pg_terminate_backend`,
    an idle timeout) is replaced before the request uses it, without a round trip.

    An idle connection has nothing to read: every answer was read with its statement, and we
    never LISTEN. So anything waiting on its socket is the server's goodbye (its FATAL
    message, then end of file). Raising DisconnectionError here is SQLAlchemy's documented
    way for a checkout check to refuse a connection: the pool discards it and connects
    afresh. `pool_pre_ping` asked the server instead, a round trip on every checkout.

    A connection that dies while a request is using it still fails that request (a 500, its
    transaction rolled back); SQLAlchemy then invalidates the pool's older connections, and
    this check replaces them one by one as they are checked out.
    """
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("the connection is closed")
    try:
        waiting = select.poll()
        waiting.register(dbapi_connection.fileno(), select.POLLIN)
        closed_by_server = bool(waiting.poll(0))
    except Exception:  # no socket left to ask (psycopg, the OS or select may say so)
        closed_by_server = True
    if closed_by_server:
        raise exc.DisconnectionError("the server closed the connection")


def _sqlite_savepoint(conn, _name):
    """Python's sqlite3 (before 3.12's `autocommit=False`) opens a transaction only before
    INSERT, UPDATE and DELETE. A SAVEPOINT sent outside one starts a transaction of its own,
    and its RELEASE commits it: a `begin_nested()` that is the request's first write would
    commit its rows at once, apart from everything written after it (a request without its
    events and its outbox mail). BEGIN IMMEDIATE opens the real transaction first, taking
    the write lock under the busy timeout, as the INSERT that follows would anyway.

    Only here, not for every transaction (SQLAlchemy's "emit BEGIN yourself" recipe): reads
    then stay outside transactions, so a write never has to upgrade a read snapshot, which
    SQLite refuses at once ("database is locked") when another writer committed meanwhile.
    """
    raw = conn.connection.dbapi_connection
    if type(raw).__module__ == "sqlite3" and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def update_while(item, condition, **values) -> bool:
    """Write `values` to `item`'s row in one statement, and only while `condition` still
    holds there: of two people closing the same thing at once, the second learns it (False)
    and the first one's words stand. `item` is read again either way."""
    model = type(item)
    written = db.session.execute(
        update(model)
        .where(model.id == item.id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(item)
    return written.rowcount == 1
