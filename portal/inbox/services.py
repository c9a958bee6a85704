"""What the request detail shows the team, and changes made to many requests at once."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam

from .. import access, reference
from ..extensions import db
from ..models import OPEN_STATUSES, Request, Team, User
from ..requests import services as requests
from ..requests.errors import RequestError


# The request page's statements are built once, their values bound when they run (as
# access.get_request's are): building them, and the visibility union in particular, cost
# about as much as running them.
@cache
def _other_open_query(kind: str, limit: int):
    return (
        access.prepared_requests_visible_to(kind, Request.id, Request.subject)
        .where(
            Request.team_id == bindparam("team_id"),
            Request.account_id == bindparam("account_id"),
            Request.id != bindparam("request_id"),
            Request.status.in_(OPEN_STATUSES),
        )
        .order_by(Request.next_due_at.is_(None), Request.next_due_at, Request.id)
        .limit(limit)
    )


def team_members(team) -> list[reference.StaffRef]:
    """The team's members, as the owner pickers offer them (reference data)."""
    return [person for person in reference.staff(team) if person.member]


class OtherRequest(NamedTuple):
    id: int
    subject: str

    reference = property(Request.reference.fget)


def other_open_requests(user: User, item: Request, limit: int = 10) -> list[OtherRequest]:
    """The account's other open requests in the request's team that `user` may see, most
    urgent first: the team's own, as its workspace links to them (and as the team's
    activity stamp covers them)."""
    params = {
        "team_id": item.team_id,
        "account_id": item.account_id,
        "request_id": item.id,
        **access.viewer_params(user),
    }
    # On the session's connection, as Core: no ORM result machinery.
    query = _other_open_query(access.viewer_kind(user), limit)
    rows = db.session.connection().execute(query, params)
    return [OtherRequest(*row) for row in rows]


def bulk_change(
    actor: User, team: Team, ids: list[int], *, assignee_id: int | None, status: str | None
) -> int:
    """Apply one owner and/or status to the selected requests the actor may see."""
    if assignee_id is None and status is None:
        raise RequestError("Choose an owner or a status to apply.")
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
