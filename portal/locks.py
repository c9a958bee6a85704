"""One at a time for periodic work that every app server may start (`flask tick` on each).

Row locks cover work that changes the rows it picks (a review round closed, a reminder
stamped): `SELECT … FOR UPDATE SKIP LOCKED` hands each row to one transaction. Work that
only adds rows beside the ones it reads (a breach event per overdue request, a survey per due
account) has no row to lock, so it takes a named lock for its transaction instead.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from .extensions import db


def _key(name: str) -> int:
    """A stable signed 64-bit number for `name` (PostgreSQL's advisory lock keys are bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def only_one(name: str) -> bool:
    """Take the lock `name` until the current transaction ends. False, at once, when another
    transaction holds it: that one is doing this work now, so the caller skips it.

    PostgreSQL: a transaction-level advisory lock, tried without waiting. Once the holder
    commits, the next taker's reads (each statement sees what was committed before it) find
    the holder's rows. SQLite lets one writer in at a time: BEGIN IMMEDIATE takes the write
    lock now, waiting out the busy timeout, so what the caller reads next is already final.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return bool(connection.scalar(select(func.pg_try_advisory_xact_lock(_key(name)))))
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
    return True
