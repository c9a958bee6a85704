"""How the app uses its database connections: transactions that hold what they should."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage


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
