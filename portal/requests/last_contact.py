"""Each account's `last_contact_at`: when the team last wrote to it (a public staff reply).

Quiet accounts, the dashboards and the weekly review ask "when did we last write to this
customer?" for every account of a team; answering from the entries meant aggregating a
year of replies on each page. The value is kept on the account instead: every public reply
written through the ORM moves it forward (whatever wrote it: a service, the demo, a test),
and `refresh` recomputes it from the entries after bulk inserts that bypass the ORM.
"""

from __future__ import annotations

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..models import STAFF, Account, Entry, Request, User, utcnow


def refresh(session: Session, account_ids=None) -> None:
    """Recompute from the entries (after bulk inserts), for some accounts or all: one grouped
    pass over the replies, not a subquery per account (which PostgreSQL planned as a scan
    per account on freshly loaded tables)."""
    last = (
        select(Request.account_id, func.max(Entry.created_at).label("written"))
        .join(Entry, Entry.request_id == Request.id)
        .join(User, User.id == Entry.author_id)
        .where(Entry.kind == "reply", Entry.public.is_(True), User.kind == STAFF)
        .group_by(Request.account_id)
    )
    clear = update(Account).values(last_contact_at=None)
    if account_ids is not None:
        last = last.where(Request.account_id.in_(account_ids))
        clear = clear.where(Account.id.in_(account_ids))
    last = last.subquery()
    session.execute(clear)
    session.execute(
        update(Account)
        .where(Account.id == last.c.account_id)
        .values(last_contact_at=last.c.written)
    )


def _move_forward(session: Session, _context) -> None:
    for entry in session.new:
        if not isinstance(entry, Entry) or entry.kind != "reply" or not entry.public:
            continue
        if entry.author_id is None:
            continue
        written = entry.created_at or utcnow()
        account_id = select(Request.account_id).where(Request.id == entry.request_id)
        by_staff = select(User.id).where(User.id == entry.author_id, User.kind == STAFF)
        session.connection().execute(
            update(Account)
            .where(
                Account.id == account_id.scalar_subquery(),
                by_staff.exists(),
                (Account.last_contact_at.is_(None)) | (Account.last_contact_at < written),
            )
            .values(last_contact_at=written)
        )


def install() -> None:
    """Called by `create_app`: the flush hook that moves accounts' last contact forward."""
    for name, hook in (("after_flush", _move_forward),):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
