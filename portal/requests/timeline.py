"""A request's timeline as plain rows, for the team (every entry) and for the customer
(public entries only).

Loading 30 ORM entries and their authors cost more than drawing them; these rows carry the
same names as `Entry`'s, so templates read either.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Text, bindparam, cast, event, inspect, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Entry, Request, User
from ..richtext import render_html


class Author(NamedTuple):
    id: int
    name: str
    kind: str

    is_staff = property(User.is_staff.fget)
    is_contact = property(User.is_contact.fget)


class TimelineEntry(NamedTuple):
    """What the pages show of an entry. Its data stays JSON text until read: the drawn
    timeline's key takes the text as it is (hashable, in its keys' order), and a timeline
    served from the cache never parses it."""

    id: int
    author_id: int | None
    kind: str
    public: bool
    body: str
    body_html: str | None
    event: str | None
    data_json: str | None
    created_at: datetime
    author: Author | None

    html = property(Entry.html.fget)

    @property
    def data(self) -> dict:
        return json.loads(self.data_json) if self.data_json else {}


_author = aliased(User)
_TIMELINE = (
    select(
        Entry.id,
        Entry.author_id,
        Entry.kind,
        Entry.public,
        Entry.body,
        Entry.body_html,
        Entry.event,
        cast(Entry.data, Text),
        Entry.created_at,
        _author.name,
        _author.kind,
    )
    .outerjoin(_author, _author.id == Entry.author_id)
    .where(Entry.request_id == bindparam("request_id"))
    .order_by(Entry.created_at, Entry.id)
)


_PUBLIC_TIMELINE = _TIMELINE.where(Entry.public.is_(True))


def _entries(statement, item: Request) -> list[TimelineEntry]:
    # On the session's connection, as Core: no ORM result machinery.
    rows = db.session.connection().execute(statement, {"request_id": item.id})
    return [
        TimelineEntry(*row[:9], Author(row[1], row[9], row[10]) if row[1] is not None else None)
        for row in rows
    ]


def every_entry(item: Request) -> list[TimelineEntry]:
    """The team's timeline: every entry, public and internal, oldest first."""
    return _entries(_TIMELINE, item)


def public_entries(item: Request) -> list[TimelineEntry]:
    """The customer's: public entries only, so internal notes and events never reach them."""
    return _entries(_PUBLIC_TIMELINE, item)


# ---- each entry's body drawn once, when written ---------------------------------------------


def _render_new_body(_mapper, _connection, entry: Entry) -> None:
    entry.body_html = render_html(entry.body)


def _render_changed_body(_mapper, _connection, entry: Entry) -> None:
    if inspect(entry).attrs.body.history.has_changes():
        entry.body_html = render_html(entry.body)


def install() -> None:
    """Called by `create_app`: keep `Entry.body_html` with every ORM write of an entry."""
    for name, hook in (
        ("before_insert", _render_new_body),
        ("before_update", _render_changed_body),
    ):
        if not event.contains(Entry, name, hook):
            event.listen(Entry, name, hook)
