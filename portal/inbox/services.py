"""What the request detail shows the team, and changes made to many requests at once."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from .. import access
from ..extensions import db
from ..models import OPEN_STATUSES, Entry, Request, Team, User
from ..requests import services as requests


# The request page's statements are built once, their values bound when they run (as
# access.get_request's are): building them, and the visibility union in particular, cost
# about as much as running them.
class Author(NamedTuple):
    id: int
    name: str
    kind: str

    is_staff = property(User.is_staff.fget)
    is_contact = property(User.is_contact.fget)


class TimelineEntry(NamedTuple):
    """What the staff pages show of an entry, read as plain rows: loading 30 ORM entries
    and their authors cost more than drawing them. Same names as `Entry`'s."""

    id: int
    author_id: int | None
    kind: str
    public: bool
    body: str
    body_html: str | None
    event: str | None
    data: dict
    created_at: datetime
    author: Author | None

    html = property(Entry.html.fget)


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
        Entry.data,
        Entry.created_at,
        _author.name,
        _author.kind,
    )
    .outerjoin(_author, _author.id == Entry.author_id)
    .where(Entry.request_id == bindparam("request_id"))
    .order_by(Entry.created_at, Entry.id)
)


def timeline(item: Request) -> list[TimelineEntry]:
    """Every entry, public and internal, oldest first."""
    rows = db.session.execute(_TIMELINE, {"request_id": item.id})
    return [
        TimelineEntry(*row[:9], Author(row[1], row[9], row[10]) if row[1] is not None else None)
        for row in rows
    ]


@cache
def _other_open_query(kind: str, limit: int):
    return (
        access.prepared_requests_visible_to(kind, Request.id, Request.subject)
        .where(
            Request.account_id == bindparam("account_id"),
            Request.id != bindparam("request_id"),
            Request.status.in_(OPEN_STATUSES),
        )
        .order_by(Request.next_due_at.is_(None), Request.next_due_at, Request.id)
        .limit(limit)
    )


class OtherRequest(NamedTuple):
    id: int
    subject: str

    reference = property(Request.reference.fget)


def other_open_requests(user: User, item: Request, limit: int = 10) -> list[OtherRequest]:
    params = {
        "account_id": item.account_id,
        "request_id": item.id,
        **access.viewer_params(user),
    }
    rows = db.session.execute(_other_open_query(access.viewer_kind(user), limit), params)
    return [OtherRequest(*row) for row in rows]


def bulk_change(
    actor: User, team: Team, ids: list[int], *, assignee_id: int | None, status: str | None
) -> int:
    """Apply one owner and/or status to the selected requests the actor may see."""
    if assignee_id is None and status is None:
        raise requests.RequestError("Choose an owner or a status to apply.")
    items = db.session.scalars(
        access.requests_visible_to(actor).where(Request.team_id == team.id, Request.id.in_(ids))
    ).all()
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    for item in items:
        if assignee is not None:
            requests.assign(actor, item, assignee)
        if status is not None:
            requests.change_status(actor, item, status)
    return len(items)
