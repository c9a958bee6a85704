"""Keeping each request's service clock right: due times from its service level, counted
in its team's business hours, with the time spent waiting on the customer left out.

The arithmetic is in portal/domain/business_hours.py; this module only gathers the rows.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import notify
from ..domain import time_words
from ..domain.business_hours import (
    WEEKDAYS,
    Calendar,
    business_time_between,
    office_hours,
)
from ..domain.service_clock import NO_DUE_TIMES, DueTimes, Targets, due_times
from ..domain.time_zones import zone_named
from ..extensions import db
from ..locks import only_one
from ..models import (
    ClockPause,
    Entry,
    Holiday,
    Notification,
    Request,
    ServiceLevel,
    Team,
    User,
    WorkingHours,
    utcnow,
)
from ..models.request import NEW, OPEN, reference_for

DEFAULT_OPENS, DEFAULT_CLOSES = time(9), time(17)


# Built once, run with the team's id (and the tier and urgency): these run for every new
# request, and a statement built per call costs about as much again as running it.
_HOLIDAYS = select(Holiday.day).where(Holiday.team_id == bindparam("team_id"))
_WORKING_HOURS = (
    select(WorkingHours.weekday, WorkingHours.opens, WorkingHours.closes)
    .where(WorkingHours.team_id == bindparam("team_id"))
    .order_by(WorkingHours.opens)
)
_SERVICE_LEVEL = select(ServiceLevel).where(
    ServiceLevel.tier_id == bindparam("tier_id"), ServiceLevel.urgency == bindparam("urgency")
)


def team_calendar(team: Team) -> Calendar:
    """The team's week; a team that has not set hours works Monday to Friday, 09:00-17:00."""
    holidays = frozenset(db.session.scalars(_HOLIDAYS, {"team_id": team.id}))
    rows = db.session.execute(_WORKING_HOURS, {"team_id": team.id}).all()
    if not rows:
        return office_hours(team.timezone, DEFAULT_OPENS, DEFAULT_CLOSES, holidays=holidays)
    weekly: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in rows:
        weekly.setdefault(weekday, []).append((opens, closes))
    return Calendar(team.timezone, {day: tuple(spans) for day, spans in weekly.items()}, holidays)


def service_level_for(request: Request) -> ServiceLevel | None:
    tier_id = request.account.tier_id
    return db.session.scalar(_SERVICE_LEVEL, {"tier_id": tier_id, "urgency": request.urgency})


def _pauses(request: Request, now: datetime) -> list[tuple[datetime, datetime]]:
    rows = db.session.scalars(select(ClockPause).where(ClockPause.request_id == request.id))
    return [(p.started_at, p.ended_at or now) for p in rows]


def is_paused(request: Request) -> bool:
    return (
        db.session.scalar(
            select(ClockPause.id).where(
                ClockPause.request_id == request.id, ClockPause.ended_at.is_(None)
            )
        )
        is not None
    )


def pause(request: Request) -> None:
    if not is_paused(request):
        db.session.add(ClockPause(request_id=request.id, started_at=utcnow()))
        db.session.flush()


def resume(request: Request) -> None:
    now = utcnow()
    for pause_row in db.session.scalars(
        select(ClockPause).where(ClockPause.request_id == request.id, ClockPause.ended_at.is_(None))
    ):
        pause_row.ended_at = now
    db.session.flush()


def recompute(request: Request, now: datetime | None = None) -> None:
    """Set the due times from the service level, the calendar and the pauses so far."""
    now = now or utcnow()
    level = service_level_for(request)
    if level is None:
        _apply(request, None, None, [], False)
        return
    _apply(request, level, team_calendar(request.team), _pauses(request, now), is_paused(request))


def start(request: Request, level: Targets | None, calendar: Calendar) -> None:
    """The clock of a request not yet written: nothing paused, nothing answered yet."""
    _apply(request, level, calendar if level else None, [], False)


def _apply(
    request: Request,
    level: ServiceLevel | Targets | None,
    calendar: Calendar | None,
    pauses: list[tuple[datetime, datetime]],
    paused: bool,
) -> None:
    """The clock of one request, from what `start`, `recompute` or `recompute_open` gathered."""
    targets = None if level is None else (level.first_response_minutes, level.resolution_minutes)
    (
        request.first_response_due_at,
        request.resolution_due_at,
        request.next_due_at,
        request.next_at_risk_at,
    ) = due_times_for(
        calendar,
        targets,
        created_at=request.created_at,
        status=request.status,
        first_response_at=request.first_response_at,
        pauses=pauses,
        paused=paused,
    )


def due_times_for(
    calendar: Calendar | None,
    targets: tuple[int, int] | None,
    *,
    created_at: datetime,
    status: str,
    first_response_at: datetime | None,
    pauses: list[tuple[datetime, datetime]],
    paused: bool,
) -> DueTimes:
    """A request's clock fields from its own (`targets`: its service level's first-response
    and resolution minutes, None without one). The clock runs while the request is new or
    open and not paused. Also what the seed generator writes on the rows it makes."""
    if targets is None or calendar is None:
        return NO_DUE_TIMES
    return due_times(
        calendar,
        created_at,
        *targets,
        answered=first_response_at is not None,
        running=status in (NEW, OPEN) and not paused,
        pauses=pauses,
    )


def describe_minutes(minutes: int) -> str:
    """Business time in plain words: '30 business minutes', '4 business hours',
    '2 business days' (a business day being 8 hours)."""
    if minutes % 480 == 0 and minutes >= 480:
        days = minutes // 480
        return f"{days} business day{'s' if days > 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} business hour{'s' if hours > 1 else ''}"
    if minutes > 60:
        return f"{minutes // 60} h {minutes % 60} min of business time"
    return f"{minutes} business minutes"


def describe_week(calendar: Calendar) -> list[str]:
    """'Monday to Friday, 09:00 to 17:00' style lines for customers."""
    groups: list[tuple[list[int], tuple]] = []
    for day in range(7):
        spans = calendar.weekly.get(day, ())
        if not spans:
            continue
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    lines = []
    for days, spans in groups:
        name = (
            WEEKDAYS[days[0]] if len(days) == 1 else f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
        )
        hours = ", ".join(
            f"{a.strftime('%H:%M')} to {'24:00' if b == time(0) else b.strftime('%H:%M')}"
            for a, b in spans
        )
        lines.append(f"{name}, {hours}")
    return lines


def business_minutes_since_raised(request: Request, moment: datetime) -> int:
    """Business minutes from raising `request` to `moment`, time waiting on the customer
    left out: how long the customer really waited for the team."""
    pauses = _pauses(request, moment)
    return business_minutes(team_calendar(request.team), request.created_at, moment, pauses)


def business_minutes(
    calendar: Calendar, start: datetime, end: datetime, pauses: list[tuple[datetime, datetime]]
) -> int:
    """Whole business minutes from `start` to `end`, paused time left out."""
    return int(business_time_between(calendar, start, end, pauses).total_seconds() // 60)


def record_breaches(now: datetime | None = None) -> int:
    """Write a 'breach' event (internal) the first time a request passes a target.

    Run by `flask --app portal tick`; idempotent, so running it often is harmless. One
    query however many requests are overdue (each with the breach events it already has),
    so a tick stays cheap when a busy team has thousands, and the two always agree. Ticks
    started on several servers at once take turns (`only_one`): the one that finds another
    at work records nothing, and the next tick sees what that one committed.
    """
    if not only_one("tick: service-level breaches"):
        return 0
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Request.id,
            Request.first_response_at,
            Request.next_due_at,
            Request.assignee_id,
            Request.team_id,
            Request.subject,
            Entry.data,
        )
        .outerjoin(Entry, (Entry.request_id == Request.id) & (Entry.event == "breach"))
        .where(
            Request.next_due_at.is_not(None),
            Request.next_due_at < now,
            Request.status.in_((NEW, OPEN)),
        )
        .order_by(Request.id)
    ).all()
    overdue: dict[int, tuple] = {}
    recorded_before: dict[int, set[str]] = {}
    for request_id, *facts, data in rows:
        overdue[request_id] = tuple(facts)
        if data is not None:
            recorded_before.setdefault(request_id, set()).add(data.get("target"))
    recorded = 0
    for request_id, facts in overdue.items():
        first_response_at, next_due_at, assignee_id, team_id, subject = facts
        target = "first response" if first_response_at is None else "resolution"
        if target in recorded_before.get(request_id, ()):
            continue
        text = f"{reference_for(request_id)} “{subject}” missed its {target} target."
        notify.tell(assignee_id, "clock", text)
        notify.tell_coaches(team_id, "coach_breach", text)
        db.session.add(
            Entry(
                request_id=request_id,
                kind="event",
                public=False,
                event="breach",
                body=f"The {target} target was missed.",
                data={"target": target, "due_at": next_due_at.isoformat()},
            )
        )
        recorded += 1
    db.session.flush()
    return recorded


def recompute_open(*conditions, now: datetime | None = None) -> int:
    """Recompute the clocks of open requests matching `conditions` (after a service level
    or a calendar changed). Returns how many were updated.

    A handful of queries however many requests match (levels, calendars and pauses are
    loaded once), so saving a team's hours stays quick with tens of thousands open."""
    now = now or utcnow()
    matching = (Request.status.in_((NEW, OPEN, "waiting_on_customer")), *conditions)
    items = db.session.scalars(
        select(Request).where(*matching).options(joinedload(Request.account))
    ).all()
    if not items:
        return 0
    levels = {
        (level.tier_id, level.urgency): level for level in db.session.scalars(select(ServiceLevel))
    }
    calendars = {
        team.id: team_calendar(team)
        for team in db.session.scalars(
            select(Team).where(Team.id.in_({item.team_id for item in items}))
        )
    }
    pauses: dict[int, list[tuple[datetime, datetime]]] = {}
    paused: set[int] = set()
    for row in db.session.scalars(
        select(ClockPause).where(ClockPause.request_id.in_(select(Request.id).where(*matching)))
    ):
        pauses.setdefault(row.request_id, []).append((row.started_at, row.ended_at or now))
        if row.ended_at is None:
            paused.add(row.request_id)
    for item in items:
        _apply(
            item,
            levels.get((item.account.tier_id, item.urgency)),
            calendars.get(item.team_id),
            pauses.get(item.id, []),
            item.id in paused,
        )
    db.session.flush()
    return len(items)


def tell_at_risk(now: datetime | None = None) -> int:
    """Tell each owner once per target that their request is at risk (under a quarter of
    its time left). Run by `tick`, one at a time like `record_breaches`; the notification's
    dedup key (request and target time) makes it once, whichever tick sees it first."""
    if not only_one("tick: at-risk notices"):
        return 0
    now = now or utcnow()
    rows = db.session.execute(
        select(Request.id, Request.assignee_id, Request.subject, Request.next_due_at, User.timezone)
        .join(User, User.id == Request.assignee_id)
        .where(
            Request.next_at_risk_at <= now,
            Request.next_due_at > now,
            Request.status.in_((NEW, OPEN)),
            Request.assignee_id.is_not(None),
        )
    ).all()
    keys = {row.id: f"risk:{row.id}:{row.next_due_at.isoformat()}" for row in rows}
    told = (
        set(
            db.session.scalars(
                select(Notification.dedup).where(Notification.dedup.in_(list(keys.values())))
            )
        )
        if keys
        else set()
    )
    sent = 0
    for row in rows:
        if keys[row.id] in told:
            continue
        text = (
            f"{reference_for(row.id)} “{row.subject}” is at risk: due "
            f"{time_words.exact(row.next_due_at, zone_named(row.timezone))}."
        )
        sent += notify.tell(row.assignee_id, "clock", text, dedup=keys[row.id])
    db.session.flush()
    return sent
