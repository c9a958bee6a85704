"""The service clock: when a request's targets fall due, and how much of a service-level
target is left, in words for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from .business_hours import Calendar, add_business_time

ON_TRACK = "on track"
AT_RISK = "at risk"
BREACHED = "breached"
PAUSED = "paused"
MET = "met"

# Under a quarter of the target left counts as at risk.
AT_RISK_SHARE = 0.25


class Targets(NamedTuple):
    """A service level's targets, in business minutes."""

    first_response_minutes: int
    resolution_minutes: int


class DueTimes(NamedTuple):
    """A request's service-clock fields, as stored on it."""

    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    # The running target's due time and when it turns at risk; None while no clock runs.
    next_due_at: datetime | None
    next_at_risk_at: datetime | None


NO_DUE_TIMES = DueTimes(None, None, None, None)


def due_times(
    calendar: Calendar,
    created_at: datetime,
    first_response_minutes: int,
    resolution_minutes: int,
    *,
    answered: bool,
    running: bool,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> DueTimes:
    """Each target counted in business time from the request's creation, working time inside
    `pauses` left out. The running target is the first response until `answered`, then the
    resolution; it has a due time only while the clock is `running`."""
    first = add_business_time(
        calendar, created_at, timedelta(minutes=first_response_minutes), pauses
    )
    resolution = add_business_time(
        calendar, created_at, timedelta(minutes=resolution_minutes), pauses
    )
    if not running:
        return DueTimes(first, resolution, None, None)
    target = resolution_minutes if answered else first_response_minutes
    at_risk = add_business_time(
        calendar, created_at, timedelta(minutes=target * (1 - AT_RISK_SHARE)), pauses
    )
    return DueTimes(first, resolution, resolution if answered else first, at_risk)


@dataclass(frozen=True)
class ClockReading:
    state: str
    remaining: timedelta  # business time left; negative once breached


def read_clock(
    *, target: timedelta, elapsed: timedelta, paused: bool = False, done: bool = False
) -> ClockReading:
    """`elapsed` is business time used so far (pauses already taken out)."""
    remaining = target - elapsed
    if done:
        return ClockReading(MET if remaining >= timedelta(0) else BREACHED, remaining)
    if remaining < timedelta(0):
        return ClockReading(BREACHED, remaining)
    if paused:
        return ClockReading(PAUSED, remaining)
    if target > timedelta(0) and remaining < target * AT_RISK_SHARE:
        return ClockReading(AT_RISK, remaining)
    return ClockReading(ON_TRACK, remaining)


def describe_remaining(remaining: timedelta) -> str:
    """'3 h 20 min left', '45 min over': business time, as a person reads it."""
    minutes = int(abs(remaining).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{hours} h" if hours else f"{minutes} min"
    return f"{text} over" if remaining < timedelta(0) else f"{text} left"


def fair_queue_key(next_due_at: datetime | None, created_at: datetime, request_id: int):
    """The inbox order: the earliest service-level due time first, then the oldest, then id.

    Nothing else counts: not how often the customer chased, not who asked loudest. Tier and
    urgency act only through the due time their service level gave the request. Requests with
    no running clock (no target, or paused) go after every request whose clock runs.
    """
    return (next_due_at is None, next_due_at or created_at, created_at, request_id)
