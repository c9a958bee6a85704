"""Small reference tables nearly every workspace page reads (functions, tiers, team calendars,
service levels, canned replies, the staff pickers), kept in the REFERENCE region of
portal/caching.py so a page does not spend a query on each.

Each is keyed by the database-kept stamps of what it is read from (the site's for functions,
tiers and people; the team's for its calendar, members and canned replies), moved in the
same transaction as any change to them, so a change shows on the next page on every server.
Values are plain immutable data, never ORM objects, so no session is shared between
requests. A picker is only what is offered: the services re-check every owner and assignee
when the form is posted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import select

from . import caching
from .caching import REFERENCE
from .domain.business_hours import Calendar
from .domain.service_clock import Targets
from .domain.tier_rule import TierThresholds
from .extensions import db


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


def functions() -> tuple[FunctionRef, ...]:
    from .models import Function

    def load():
        rows = db.session.execute(
            select(Function.id, Function.name, Function.customer_label, Function.active).order_by(
                Function.name
            )
        )
        return tuple(FunctionRef(*row) for row in rows)

    return REFERENCE.get(load, what="functions", stamp=caching.site())


def tiers() -> tuple[TierRef, ...]:
    from .models import Tier

    def load():
        rows = db.session.execute(select(Tier.id, Tier.name, Tier.rank).order_by(Tier.rank))
        return tuple(TierRef(*row) for row in rows)

    return REFERENCE.get(load, what="tiers", stamp=caching.site())


def tier_rule() -> tuple[TierThresholds, ...]:
    """Each tier's conditions (portal/domain/tier_rule.py), most important first."""
    from .models import Tier

    def load():
        rows = db.session.execute(
            select(
                Tier.id,
                Tier.name,
                Tier.rank,
                Tier.min_gross_margin,
                Tier.min_years,
                Tier.min_revenue,
            ).order_by(Tier.rank)
        )
        return tuple(TierThresholds(*row) for row in rows)

    return REFERENCE.get(load, what="tier rule", stamp=caching.site())


def calendar(team) -> Calendar:
    from .requests.clock import team_calendar

    return REFERENCE.get(
        lambda: team_calendar(team), what="calendar", stamp=caching.team_stamp(team)
    )


def service_levels() -> Mapping[tuple[int, str], Targets]:
    """Every service level's targets by (tier id, urgency): what starts a new request's clock.
    A read-only mapping: it is shared by every request of this app."""
    from .models import ServiceLevel

    def load():
        rows = db.session.execute(
            select(
                ServiceLevel.tier_id,
                ServiceLevel.urgency,
                ServiceLevel.first_response_minutes,
                ServiceLevel.resolution_minutes,
            )
        )
        return MappingProxyType(
            {(tier, urgency): Targets(*targets) for tier, urgency, *targets in rows}
        )

    return REFERENCE.get(load, what="service levels", stamp=caching.site())


@dataclass(frozen=True)
class CannedRef:
    id: int
    title: str


def canned_replies(team) -> tuple[CannedRef, ...]:
    from .models import CannedReply

    def load():
        rows = db.session.execute(
            select(CannedReply.id, CannedReply.title)
            .where(CannedReply.team_id == team.id)
            .order_by(CannedReply.title)
        )
        return tuple(CannedRef(*row) for row in rows)

    return REFERENCE.get(load, what="canned", stamp=caching.team_stamp(team))


class StaffRef(NamedTuple):
    id: int
    name: str
    member: bool  # of the team asked for


def staff(team) -> tuple[StaffRef, ...]:
    """Every active staff member by name (a handoff may go to anyone), each marked if in this
    team: the owner, assignee and handoff pickers all come from this."""
    from .models import Membership, User, listed_staff

    team_id = team.id

    def load():
        rows = db.session.connection().execute(
            select(User.id, User.name, Membership.id.is_not(None))
            .outerjoin(
                Membership, (Membership.user_id == User.id) & (Membership.team_id == team_id)
            )
            .where(listed_staff(), User.active.is_(True))
            .order_by(User.name)
        )
        return tuple(StaffRef(*row) for row in rows)

    stamp = (caching.site(), caching.team_stamp(team))
    return REFERENCE.get(load, what="staff", stamp=stamp)


def members(team) -> list[StaffRef]:
    """The team's active members as every picker offers them: never an integration."""
    return [person for person in staff(team) if person.member]


def is_active_member(person, team_id: int) -> bool:
    """Whether `person` is an active member of the team: whom the owner pickers offer
    (`members`), checked again when a form comes back."""
    from .models import Membership

    if person is None or not person.active:
        return False
    found = select(Membership.id).where(
        Membership.team_id == team_id, Membership.user_id == person.id
    )
    return db.session.scalar(found) is not None
