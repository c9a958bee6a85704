"""What the request detail shows the team, and changes made to many requests at once."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select

from .. import access, reference
from ..extensions import db
from ..models import OPEN_STATUSES, Membership, Request, Skill, Team, User, listed_staff
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
    return reference.members(team)


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


LEVEL_WORDS = {1: "learning", 2: "capable", 3: "expert"}


def handoff_owner_groups(function) -> dict[str, list[tuple[int, str]]]:
    """The handoff owner menu: every active staff member under each team they belong to
    (a handoff may go to anyone), the most skilled in `function` first, each labelled
    with their level in it. Read afresh (skills are not stamped): the form is fetched only
    when someone opens it."""
    rows = db.session.execute(
        select(User.id, User.name, Team.name, Skill.level)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Team, Team.id == Membership.team_id)
        .outerjoin(Skill, (Skill.user_id == User.id) & (Skill.function_id == function.id))
        .where(listed_staff(), User.active.is_(True))
        .order_by(Team.name.is_(None), Team.name, Skill.level.desc().nulls_last(), User.name)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for user_id, name, team_name, level in rows:
        skill = f"{LEVEL_WORDS[level]} ({level})" if level else "no skill"
        label = f"{name} · {function.name}: {skill}"
        groups.setdefault(team_name or "In no team", []).append((user_id, label))
    return groups
