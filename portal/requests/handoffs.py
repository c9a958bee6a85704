"""Handoffs: give a piece of a request to another function without giving the request away.

The owning team keeps the request and its service clock; the handoff has its own owner
(chosen by skill and open handoff load, from any team) and its own due time, counted in
the owning team's business hours. Customers see one consolidated progress line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from .. import notify
from ..domain import handoff_chain
from ..domain.business_hours import add_business_time
from ..domain.routing import Candidate, choose_assignee
from ..extensions import db
from ..models import (
    HANDOFF_CANCELLED,
    HANDOFF_DONE,
    HANDOFF_OPEN,
    Function,
    Handoff,
    Request,
    Skill,
    User,
    listed_staff,
    utcnow,
)
from .clock import team_calendar
from .errors import RequestError
from .services import record_event


def open_handoff_loads() -> dict[int, int]:
    rows = db.session.execute(
        select(Handoff.owner_id, func.count())
        .where(Handoff.status == HANDOFF_OPEN, Handoff.owner_id.is_not(None))
        .group_by(Handoff.owner_id)
    )
    return dict(rows.all())


def candidates(function: Function) -> list[Candidate]:
    """Everyone active with a skill in the function, across teams."""
    loads = open_handoff_loads()
    rows = db.session.execute(
        select(User.id, User.name, Skill.level, User.away)
        .join(Skill, Skill.user_id == User.id)
        .where(Skill.function_id == function.id, User.active.is_(True), listed_staff())
    )
    return [Candidate(uid, name, level, loads.get(uid, 0), away) for uid, name, level, away in rows]


def create(
    actor: User,
    request: Request,
    *,
    function: Function,
    owner: User | None,
    what_is_needed: str,
    due_in_hours: int,
    waits_for: Handoff | None = None,
) -> Handoff:
    """Hand a piece of the request on. `waits_for`: another open handoff of the request
    that must be done first (delivery waits for credit): this one's clock starts then."""
    if not request.is_open:
        raise RequestError("Reopen the request before handing part of it on.")
    if waits_for is not None and waits_for.request_id != request.id:
        raise RequestError("A handoff can only wait for another handoff of the same request.")
    waiting = waits_for is not None and waits_for.is_open
    reason = ""
    if owner is None:
        choice = choose_assignee(candidates(function), function.name)
        if choice is None:
            raise RequestError(
                f"Nobody available has a {function.name} skill: choose an owner by name."
            )
        owner = db.session.get(User, choice.user_id)
        reason = choice.reason
    elif not owner.active or not owner.is_staff or owner.integration:
        raise RequestError("Choose an active staff member as the owner.")
    now = utcnow()
    handoff = Handoff(
        request_id=request.id,
        function_id=function.id,
        owner_id=owner.id,
        created_by_id=actor.id,
        what_is_needed=what_is_needed,
        due_in_hours=due_in_hours,
        waits_for_id=waits_for.id if waiting else None,
        started_at=None if waiting else now,
        due_at=None if waiting else _due(request, now, due_in_hours),
    )
    db.session.add(handoff)
    db.session.flush()
    record_event(
        request,
        actor,
        "handoff",
        public=False,
        body=what_is_needed,
        function=function.name,
        owner=owner.name,
        reason=reason,
        handoff_id=handoff.id,
        after=waits_for.function.name if waiting else None,
    )
    request.last_activity_at = utcnow()
    when = f" once {waits_for.function.name} is done" if waiting else ""
    notify.tell(
        owner.id,
        "handoff",
        f"{actor.name} handed {request.reference} to you for {function.name}{when}: "
        f"{what_is_needed[:120]}",
        request=request,
        actor=actor,
    )
    db.session.flush()
    return handoff


def _due(request: Request, start: datetime, hours: int) -> datetime:
    return add_business_time(team_calendar(request.team), start, timedelta(hours=hours))


def _start_what_waited(actor: User, handoff: Handoff, why: str) -> None:
    """The handoffs waiting for `handoff` start now: their clocks run from here, and their
    owners are told it is their turn."""
    if not handoff.request.is_open:  # a resolved or closed request asks nothing more
        return
    now = utcnow()
    waiting = db.session.scalars(
        select(Handoff).where(
            Handoff.waits_for_id == handoff.id,
            Handoff.status == HANDOFF_OPEN,
            Handoff.started_at.is_(None),
        )
    ).all()
    for follower in waiting:
        follower.started_at = now
        follower.due_at = _due(handoff.request, now, follower.due_in_hours or 8)
        record_event(
            handoff.request,
            actor,
            "handoff_started",
            public=False,
            function=follower.function.name,
            after=handoff.function.name,
            handoff_id=follower.id,
        )
        notify.tell(
            follower.owner_id,
            "handoff",
            f"Your turn on {handoff.request.reference} ({follower.function.name}): "
            f"{handoff.function.name} is {why}. {follower.what_is_needed[:100]}",
            request=handoff.request,
            actor=actor,
        )


def complete(actor: User, handoff: Handoff, outcome: str) -> None:
    if not handoff.is_open:
        raise RequestError("This handoff is already closed.")
    if handoff.is_waiting:
        raise RequestError(
            f"This handoff waits for {handoff.waits_for.function.name}: mark that one done "
            "first, or cancel it."
        )
    handoff.status = HANDOFF_DONE
    handoff.outcome = outcome
    handoff.completed_at = utcnow()
    record_event(
        handoff.request,
        actor,
        "handoff_done",
        public=False,
        body=outcome,
        function=handoff.function.name,
        on_time=handoff.on_time,
        handoff_id=handoff.id,
    )
    handoff.request.last_activity_at = utcnow()
    _tell_asker(actor, handoff, "completed")
    _start_what_waited(actor, handoff, "done")
    db.session.flush()


def _tell_asker(actor: User, handoff: Handoff, what: str) -> None:
    """The request's owner (else whoever handed it on) hears the piece is back."""
    request = handoff.request
    notify.tell(
        request.assignee_id or handoff.created_by_id,
        "handoff",
        f"{actor.name} {what} the {handoff.function.name} handoff on {request.reference}.",
        request=request,
        actor=actor,
    )


def cancel(actor: User, handoff: Handoff) -> None:
    if not handoff.is_open:
        raise RequestError("This handoff is already closed.")
    handoff.status = HANDOFF_CANCELLED
    handoff.completed_at = utcnow()
    record_event(
        handoff.request,
        actor,
        "handoff_cancelled",
        public=False,
        function=handoff.function.name,
        handoff_id=handoff.id,
    )
    notify.tell(
        handoff.owner_id,
        "handoff",
        f"{actor.name} cancelled the {handoff.function.name} handoff on "
        f"{handoff.request.reference}: nothing more is needed from you.",
        request=handoff.request,
        actor=actor,
    )
    _start_what_waited(actor, handoff, "no longer needed")
    db.session.flush()


class Named(NamedTuple):
    id: int
    name: str


class HandoffRow(NamedTuple):
    """What the request pages show of a handoff, read as a plain row: the ORM's loading
    (with the function and owner joined) cost more than the query, on every view of
    every request page, mostly for none. Same names, and `Handoff`'s own properties."""

    id: int
    request_id: int
    status: str
    what_is_needed: str
    due_at: datetime | None
    outcome: str
    completed_at: datetime | None
    waits_for_id: int | None
    started_at: datetime | None
    function: Named
    owner: Named | None

    is_open = property(Handoff.is_open.fget)
    is_waiting = property(Handoff.is_waiting.fget)
    on_time = property(Handoff.on_time.fget)


_owner = aliased(User)
# Built once, the request a bound value: every view of a request page loads these.
_FOR_REQUEST = (
    select(
        Handoff.id,
        Handoff.request_id,
        Handoff.status,
        Handoff.what_is_needed,
        Handoff.due_at,
        Handoff.outcome,
        Handoff.completed_at,
        Handoff.waits_for_id,
        Handoff.started_at,
        Function.id,
        Function.name,
        Handoff.owner_id,
        _owner.name,
    )
    .join(Function, Function.id == Handoff.function_id)
    .outerjoin(_owner, _owner.id == Handoff.owner_id)
    .where(Handoff.request_id == bindparam("request_id"))
    .order_by(Handoff.id)
)


def for_request(request: Request) -> list[HandoffRow]:
    # On the session's connection, as Core: no ORM result machinery.
    rows = db.session.connection().execute(_FOR_REQUEST, {"request_id": request.id})
    return [
        HandoffRow(*row[:9], Named(row[9], row[10]), Named(row[11], row[12]) if row[11] else None)
        for row in rows
    ]


def progress_line(handoffs: list[HandoffRow]) -> str:
    """One line for the customer, in order: 'Credit: done → Delivery: in progress'."""
    return handoff_chain.progress(
        [
            handoff_chain.Piece(h.id, h.function.name, h.status, h.waits_for_id, not h.is_waiting)
            for h in handoffs
        ]
    )


def owned_by(user: User, *, open_only: bool = True) -> list[Handoff]:
    query = select(Handoff).where(Handoff.owner_id == user.id)
    if open_only:
        query = query.where(Handoff.status == HANDOFF_OPEN)
    return list(db.session.scalars(query.order_by(Handoff.due_at.is_(None), Handoff.due_at)))
