"""Small reference tables nearly every workspace page reads (functions, tiers, team calendars,
the staff pickers), kept per process for a short while so a page does not spend a query on
each.

Admin edits call `forget()`, and any flushed change to a person or a team membership does so
by itself: this process drops its copy once the change commits; other worker processes pick
the change up within TTL seconds. Values are plain immutable data, never ORM objects, so no
session is shared between requests. A picker is only what is offered: the services re-check
every owner and assignee when the form is posted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .domain.business_hours import Calendar
from .extensions import db

TTL = 30.0
_lock = threading.Lock()
_cache: dict[object, tuple[float, object]] = {}


@dataclass(frozen=True)
class FunctionRef:
    id: int
    name: str
    customer_label: str
    active: bool


@dataclass(frozen=True)
class TierRef:
    id: int
    name: str
    rank: int


def _cached(key, load):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now + TTL, value)
    return value


def clear() -> None:
    with _lock:
        _cache.clear()


def forget() -> None:
    """Drop the cached copies when the current transaction commits."""
    db.session.info["reference_changed"] = True


@event.listens_for(Session, "after_flush")
def _people_changed(session, _context) -> None:
    """A person's name, kind or activity, or a membership: what `staff()` lists."""
    from .models import Membership, User

    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, User | Membership) for obj in changed):
        forget()


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session) -> None:
    if session.info.pop("reference_changed", False):
        clear()


def functions() -> tuple[FunctionRef, ...]:
    from .models import Function

    def load():
        rows = db.session.execute(
            select(Function.id, Function.name, Function.customer_label, Function.active).order_by(
                Function.name
            )
        )
        return tuple(FunctionRef(*row) for row in rows)

    return _cached("functions", load)


def tiers() -> tuple[TierRef, ...]:
    from .models import Tier

    def load():
        rows = db.session.execute(select(Tier.id, Tier.name, Tier.rank).order_by(Tier.rank))
        return tuple(TierRef(*row) for row in rows)

    return _cached("tiers", load)


def calendar(team) -> Calendar:
    from .requests.clock import team_calendar

    return _cached(("calendar", team.id, team.timezone), lambda: team_calendar(team))


@dataclass(frozen=True)
class CannedRef:
    id: int
    title: str


def canned_replies(team_id: int) -> tuple[CannedRef, ...]:
    from .models import CannedReply

    def load():
        rows = db.session.execute(
            select(CannedReply.id, CannedReply.title)
            .where(CannedReply.team_id == team_id)
            .order_by(CannedReply.title)
        )
        return tuple(CannedRef(*row) for row in rows)

    return _cached(("canned", team_id), load)


class StaffRef(NamedTuple):
    id: int
    name: str
    member: bool  # of the team asked for


def staff(team_id: int) -> tuple[StaffRef, ...]:
    """Every active staff member by name (a handoff may go to anyone), each marked if in this
    team: the owner, assignee and handoff pickers all come from this."""
    from .models import Membership, User

    def load():
        rows = db.session.connection().execute(
            select(User.id, User.name, Membership.id.is_not(None))
            .outerjoin(
                Membership, (Membership.user_id == User.id) & (Membership.team_id == team_id)
            )
            .where(User.kind == "staff", User.active.is_(True))
            .order_by(User.name)
        )
        return tuple(StaffRef(*row) for row in rows)

    return _cached(("staff", team_id), load)
