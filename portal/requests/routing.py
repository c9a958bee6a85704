"""Who a new request goes to: the team's members with their skill in its function and their
open load, read in one query and handed to the routing rule (domain/routing.py)."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from ..domain.routing import Candidate, choose_assignee
from ..extensions import db
from ..models import Function, Membership, Request, Skill, Team, User, listed_staff
from ..models.request import NEW, OPEN

CLOCK_RUNNING = (NEW, OPEN)


# Each active member of a team with their level in a function and their open load (requests
# assigned to them in the team whose service clock is running, counted from the (team,
# status, assignee) index): one query. Built once: a statement built per call spends as
# long again as the query itself on assembling and keying it.
_OPEN_LOAD = (
    select(func.count())
    .where(
        Request.team_id == bindparam("team_id"),
        Request.status.in_(CLOCK_RUNNING),
        Request.assignee_id == User.id,
    )
    .correlate(User)
    .scalar_subquery()
)
_CANDIDATES = (
    select(User.id, User.name, Skill.level, _OPEN_LOAD, User.away)
    .join(Membership, Membership.user_id == User.id)
    .outerjoin(Skill, (Skill.user_id == User.id) & (Skill.function_id == bindparam("function_id")))
    .where(Membership.team_id == bindparam("team_id"), User.active.is_(True), listed_staff())
)


def routing_choice(team: Team, function: Function | None):
    """Who a new request goes to: by skill and load when it names a function and the team
    routes automatically; otherwise nobody, and it waits in Unassigned for a claim."""
    if function is None or not team.automatic_routing:
        return None
    rows = db.session.execute(_CANDIDATES, {"team_id": team.id, "function_id": function.id})
    candidates = [
        Candidate(user_id, name, level or 0, load, away)
        for user_id, name, level, load, away in rows
    ]
    return choose_assignee(candidates, function.name)
