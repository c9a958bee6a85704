"""Corrective actions: what the team decides to do about an item of its weekly review, with
an owner and a due date; open ones stay on the review until closed with what came of them,
and the next review shows those outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, reference
from ..database import update_while
from ..domain.insights import InsightError
from ..extensions import db
from ..models import CorrectiveAction, Team, User, utcnow
from ..reader_zone import team_today

OPEN, DONE = "open", "done"


OTHER = "other"


def about_choices(review: dict) -> list[tuple[str, str]]:
    """The review's items as (stable key, words): the words move with the clock (at risk,
    then breached), the key does not, so a form sent a minute later still finds its item."""
    now = review["now"]
    choices = [
        (
            f"request:{i.id}",
            f"{i.reference} {'breached' if _breached(i, now) else 'at risk'}: {i.subject}",
        )
        for i in review["attention"]
    ]
    choices += [
        (f"rating:{r.id}", f"{r.score} of 5 on {i.reference} from {r.contact.name}")
        for r, i in review["low_ratings"]
    ]
    choices += [(f"gap:{name}", f"Gap {gap:+.2f} on {name}") for name, gap in review["gaps"]]
    choices += [
        (f"goal:{g.goal.id}", f"Goal off track: {g.label}") for g in review["goals_off_track"]
    ]
    return [(key, words[:200]) for key, words in choices] + [
        (OTHER, "Something else raised at the review")
    ]


def _breached(item, now) -> bool:
    return item.next_due_at is not None and item.next_due_at <= now


def create(
    actor: User, team: Team, *, about: str, title: str, owner: User | None, due_on: date
) -> CorrectiveAction:
    if not reference.is_active_member(owner, team.id):
        raise InsightError("Choose an active member of the team as the owner.", "owner")
    if due_on < team_today(team):
        raise InsightError("Choose a due date from today on.", "due_on")
    action = CorrectiveAction(
        team_id=team.id,
        about=about,
        title=title,
        owner_id=owner.id,
        due_on=due_on,
        created_by_id=actor.id,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "action.created", action, team_id=team.id, owner_id=owner.id)
    return action


def close(actor: User, action: CorrectiveAction, outcome: str) -> None:
    if action.status != OPEN:
        raise InsightError("This action is already closed.", "outcome")
    if not outcome.strip():
        raise InsightError("Say what came of it: the next review reads it.", "outcome")
    # Only while still open: of two people closing it at once, the first one's outcome stands.
    written = {"status": DONE, "outcome": outcome.strip(), "closed_at": utcnow()}
    if not update_while(action, CorrectiveAction.status == OPEN, **written):
        raise InsightError("This action is already closed.", "outcome")
    audit.record(actor, "action.closed", action)


def for_review(team: Team, since: datetime) -> dict:
    """Open actions (overdue first) and those closed since the last review, with outcomes."""
    actions = db.session.scalars(
        select(CorrectiveAction)
        .where(
            CorrectiveAction.team_id == team.id,
            (CorrectiveAction.status == OPEN) | (CorrectiveAction.closed_at >= since),
        )
        .options(joinedload(CorrectiveAction.owner))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
    ).all()
    return {
        "open_actions": [a for a in actions if a.status == OPEN],
        "closed_actions": [a for a in actions if a.status == DONE],
        "today": team_today(team),
    }
