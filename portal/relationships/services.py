"""Writes and reads of an account's relationship: each write checked, audited and flushed;
the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from .. import audit, reference
from ..database import update_while
from ..extensions import db
from ..models import (
    Account,
    AccountMeeting,
    AgreedPlan,
    KeyPerson,
    User,
    utcnow,
)
from ..models.relationship import PLAN_DONE, PLAN_DROPPED, PLAN_OPEN
from ..reader_zone import team_today

# How far back a meeting may be recorded, and how far ahead a plan may fall due.
OLDEST_MEETING_DAYS = 366 * 5
LATEST_DUE_DAYS = 366 * 3


class RelationshipError(ValueError):
    """A write refused, with the form field the message belongs to."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class PlanClosed(RelationshipError):
    """Closed meanwhile, by a teammate or a second click."""


def add_person(actor: User, account: Account, **values) -> KeyPerson:
    person = KeyPerson(account_id=account.id, created_by_id=actor.id, **values)
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "key_person.added", person, account_id=account.id, role=person.role)
    return person


def remove_person(actor: User, person: KeyPerson) -> None:
    audit.record(
        actor, "key_person.removed", person, account_id=person.account_id, name=person.name
    )
    db.session.delete(person)
    db.session.flush()


def record_meeting(
    actor: User, account: Account, *, held_on: date, title: str, attendees: str, notes: str
) -> AccountMeeting:
    today = team_today(account.team)
    if held_on > today:
        raise RelationshipError("A meeting is recorded once it has been held.", "held_on")
    if (today - held_on).days > OLDEST_MEETING_DAYS:
        raise RelationshipError("Choose a date in the last five years.", "held_on")
    meeting = AccountMeeting(
        account_id=account.id,
        held_on=held_on,
        title=title,
        attendees=attendees,
        notes=notes,
        created_by_id=actor.id,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.recorded", meeting, account_id=account.id)
    return meeting


def agree_plan(
    actor: User,
    account: Account,
    *,
    what: str,
    owner: User | None,
    due_on: date,
    meeting: AccountMeeting | None = None,
) -> AgreedPlan:
    """A plan agreed with the customer, owned by an active member of the account's team."""
    if not reference.is_active_member(owner, account.team_id):
        raise RelationshipError("Choose an active member of the team as the owner.", "owner")
    today = team_today(account.team)
    if due_on < today:
        raise RelationshipError("Choose a due date from today on.", "due_on")
    if (due_on - today).days > LATEST_DUE_DAYS:
        raise RelationshipError("Choose a due date within three years.", "due_on")
    if meeting is not None and meeting.account_id != account.id:
        raise RelationshipError("Choose one of this account's meetings.", "meeting")
    plan = AgreedPlan(
        account_id=account.id,
        meeting_id=meeting.id if meeting else None,
        what=what,
        owner_id=owner.id,
        due_on=due_on,
        created_by_id=actor.id,
    )
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "plan.agreed", plan, account_id=account.id, owner_id=owner.id)
    return plan


def close_plan(actor: User, plan: AgreedPlan, *, status: str, outcome: str) -> None:
    """Done or dropped, never without saying what came of it: the customer will ask."""
    if plan.status != PLAN_OPEN:
        raise PlanClosed("This plan is already closed.", "outcome")
    if status not in (PLAN_DONE, PLAN_DROPPED):
        raise RelationshipError("Choose done or dropped.", "status")
    if not outcome.strip():
        raise RelationshipError("Say what came of it, or why it was dropped.", "outcome")
    # Only while still open: of two teammates closing it at once, the first one's stands.
    if not update_while(
        plan,
        AgreedPlan.status == PLAN_OPEN,
        status=status,
        outcome=outcome.strip(),
        closed_at=utcnow(),
    ):
        raise PlanClosed("This plan is already closed.", "outcome")
    audit.record(actor, "plan.closed", plan, account_id=plan.account_id, status=status)


def relationship_of(account: Account) -> dict:
    """What the page shows: key people by name, meetings newest first, plans open first
    (soonest due first), then the closed ones, latest first."""
    people = db.session.scalars(
        select(KeyPerson).where(KeyPerson.account_id == account.id).order_by(KeyPerson.name)
    ).all()
    meetings = meetings_of(account)
    plans = db.session.scalars(
        select(AgreedPlan)
        .where(AgreedPlan.account_id == account.id)
        .options(joinedload(AgreedPlan.owner), joinedload(AgreedPlan.meeting))
        .order_by(
            case((AgreedPlan.status == PLAN_OPEN, 0), else_=1),
            AgreedPlan.due_on,
            AgreedPlan.id.desc(),
        )
    ).all()
    return {
        "people": people,
        "meetings": meetings,
        "open_plans": [p for p in plans if p.status == PLAN_OPEN],
        "closed_plans": sorted(
            (p for p in plans if p.status != PLAN_OPEN), key=lambda p: p.closed_at, reverse=True
        ),
        "today": team_today(account.team),
    }


def meetings_of(account: Account) -> list[AccountMeeting]:
    return list(
        db.session.scalars(
            select(AccountMeeting)
            .where(AccountMeeting.account_id == account.id)
            .options(joinedload(AccountMeeting.created_by))
            .order_by(AccountMeeting.held_on.desc(), AccountMeeting.id.desc())
        )
    )
