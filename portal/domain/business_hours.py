"""Business hours: counting service time in a team's local working week.

Service levels are counted in business hours, in the team's time zone, skipping weekends,
holidays and any time the clock is paused (waiting on the customer). Every datetime going in
or out is timezone-aware UTC; local time exists only inside these functions, so daylight
saving changes are handled once, here.

A calendar answers from an index of its working intervals over a run of days (`Timeline`):
with the working time before each interval, the business time up to an instant is one
bisection and the instant a given amount is reached is another. So a due time a month out,
a span of two years (a long-breached request) and the seed generator's 200,000 requests
cost a few bisections each, not a walk through every day.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

# Monday .. Sunday, as datetime.weekday() numbers them.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# A calendar with no working time at all would make "add 4 business hours" loop forever.
MAX_DAYS_SEARCHED = 3 * 366
# Days a calendar's index grows to before it starts afresh (about ten years).
_DAYS_KEPT = 4000
_ZERO = timedelta(0)


class NoBusinessHours(ValueError):
    """The calendar has no working time in the searched range."""


@dataclass(frozen=True)
class Calendar:
    """A team's working week. Within one day, the intervals must not overlap."""

    timezone: str
    # weekday number -> working intervals that day, in local wall-clock time.
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)
    # The index of working intervals, built on first use and grown as questions need: at
    # most one, replaced whole (never changed in place), so a reader in another thread
    # always sees a complete one.
    _timeline: list[Timeline] = field(
        default_factory=list, init=False, repr=False, compare=False, hash=False
    )

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _week(self) -> timedelta:
        """About a week's working time (no holidays, no clock changes): where a search for a
        due time starts."""

        def minutes(moment: time) -> int:
            return moment.hour * 60 + moment.minute

        return timedelta(
            minutes=sum(
                max(0, (minutes(closes) or 24 * 60) - minutes(opens))
                for spans in self.weekly.values()
                for opens, closes in spans
            )
        )

    def day_intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals of one local day, as UTC pairs (none on a holiday)."""
        if day in self.holidays:
            return
        zone = self.zone
        for opens, closes in sorted(self.weekly.get(day.weekday(), ())):
            begin = _local_instant(day, opens, zone)
            # 24:00 is written as time(0) closing: the interval runs to the next midnight.
            closing_day = day + timedelta(days=1) if closes == time(0) else day
            end = _local_instant(closing_day, closes, zone)
            if end > begin:
                yield begin, end

    def indexed(self, start: datetime, end: datetime | None = None) -> Timeline | None:
        """The index as it stands, if it surely holds the local day before `start`'s and
        every day to `end`'s; else None."""
        held = self._timeline[0] if self._timeline else None
        if held is None or start < held.safe_from or (end is not None and end >= held.safe_to):
            return None
        return held

    def timeline(self, first_day: date, last_day: date) -> Timeline:
        """An index of the working intervals of at least the local days `first_day` to
        `last_day`. One that does not reach far enough grows by at least its own length on
        the side that fell short, so questions moving through time rebuild it rarely."""
        held = self._timeline[0] if self._timeline else None
        if held is not None:
            if held.first_day <= first_day and last_day <= held.last_day:
                return held
            span = held.last_day - held.first_day + timedelta(days=1)
            grown_first, grown_last = held.first_day, held.last_day
            if first_day < held.first_day:
                grown_first = min(first_day, held.first_day - span)
            if last_day > held.last_day:
                grown_last = max(last_day, held.last_day + span)
            if (grown_last - grown_first).days <= _DAYS_KEPT:
                first_day, last_day = grown_first, grown_last
        built = Timeline(self, first_day, last_day)
        self._timeline[:] = [built]
        return built


class Timeline:
    """A calendar's working intervals over local days `first_day` to `last_day`, in order
    as UTC pairs, each with the working time before it (from the first interval)."""

    __slots__ = (
        "before",
        "begins",
        "ends",
        "first_day",
        "last_day",
        "safe_from",
        "safe_to",
        "through",
    )

    def __init__(self, calendar: Calendar, first_day: date, last_day: date):
        self.first_day, self.last_day = first_day, last_day
        # From `safe_from` until before `safe_to`, an instant's local date lies in
        # first_day + 1 .. last_day whatever the zone (UTC-12 to UTC+14, with any change).
        self.safe_from = datetime.combine(first_day + timedelta(days=1), time(12), UTC)
        self.safe_to = datetime.combine(last_day, time(10), UTC)
        # A day's intervals start on that local day and end by the next midnight, so they
        # come out of the days in order.
        intervals = list(working_intervals(calendar, first_day, last_day))
        self.begins = [begin for begin, _ in intervals]
        self.ends = [end for _, end in intervals]
        self.before: list[timedelta] = []
        self.through: list[timedelta] = []
        total = _ZERO
        for begin, end in intervals:
            self.before.append(total)
            total += end - begin
            self.through.append(total)

    def worked(self, moment: datetime) -> timedelta:
        """The working time from the first interval up to `moment` (the whole of it for a
        moment after the last)."""
        i = bisect_right(self.begins, moment) - 1
        if i < 0:
            return _ZERO
        return self.before[i] + (min(moment, self.ends[i]) - self.begins[i])

    def reached(self, worked: timedelta) -> datetime | None:
        """The first instant at which `worked` (more than none) has been worked; None when
        that lies past the last interval."""
        j = bisect_left(self.through, worked)
        if j == len(self.begins):
            return None
        return self.begins[j] + (worked - self.before[j])

    def next_working(self, moment: datetime) -> datetime | None:
        """`moment` if it is working time, else the next opening; None past the last."""
        i = bisect_right(self.begins, moment) - 1
        if i >= 0 and moment < self.ends[i]:
            return moment
        return self.begins[i + 1] if i + 1 < len(self.begins) else None

    def add(self, start: datetime, duration: timedelta, pauses) -> datetime | None:
        """`add_business_time` within this index (None when the answer lies past it);
        `pauses` merged, in order, none ending by `start` or starting before it."""
        if duration == _ZERO:
            moment = self.next_working(start)
            for pause_begin, pause_end in pauses:
                if moment is None or moment < pause_begin:
                    break
                if moment < pause_end:
                    moment = self.next_working(pause_end)
            return moment
        target = self.worked(start) + duration
        for pause_begin, pause_end in pauses:
            up_to_pause = self.worked(pause_begin)
            if up_to_pause >= target:
                break
            # Reached after the pause: the working time inside it does not count.
            target += self.worked(pause_end) - up_to_pause
        return self.reached(target)


def office_hours(timezone: str, start=time(9), end=time(17), days=range(5), holidays=()):
    """The common case: the same hours every working day."""
    return Calendar(
        timezone=timezone,
        weekly={day: ((start, end),) for day in days},
        holidays=frozenset(holidays),
    )


def _require_utc(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return moment.astimezone(UTC)


def _local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant a wall-clock time happens. A time repeated by a DST change maps to its
    first occurrence; a time skipped by one maps to the moment the clocks jump."""
    wall = datetime.combine(day, clock)
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early
    # Skipped: the jump lies between the two readings of the wall time; find it to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = early
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def working_intervals(
    calendar: Calendar, start_day: date, end_day: date
) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals as UTC pairs, day by day from `start_day` to `end_day` (local)."""
    day = start_day
    one_day = timedelta(days=1)
    while day <= end_day:
        yield from calendar.day_intervals(day)
        day += one_day


def _merged(paused, start: datetime, end: datetime | None = None) -> list:
    """The pauses as UTC pairs in order, overlapping ones joined, clipped to start..end."""
    merged: list[list[datetime]] = []
    for pause_begin, pause_end in sorted((_require_utc(a), _require_utc(b)) for a, b in paused):
        pause_begin = max(pause_begin, start)
        if end is not None:
            pause_end = min(pause_end, end)
        if pause_end <= pause_begin:
            continue
        if merged and pause_begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], pause_end)
        else:
            merged.append([pause_begin, pause_end])
    return merged


def add_business_time(
    calendar: Calendar,
    start: datetime,
    duration: timedelta,
    paused: Iterable[tuple[datetime, datetime]] = (),
) -> datetime:
    """The instant when `duration` of business time has passed since `start`, not counting
    working time inside the `paused` intervals (each closed: a pause still running is
    passed as ending 'now' and the due time recomputed when it ends). No duration: the
    first working instant from `start` on."""
    start = _require_utc(start)
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    pauses = _merged(paused, start) if paused else ()
    held = calendar.indexed(start)
    found = held.add(start, duration, pauses) if held else None
    if found is not None:
        return found
    # From the day before: an interval that began yesterday (local) may still be open.
    first_day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    week = calendar._week
    # Index the days an ordinary week would need, and two more; four times as many each
    # time the answer lies further (holidays, pauses).
    days = 2 + math.ceil(7 * (duration / week)) if week else MAX_DAYS_SEARCHED
    while True:
        days = min(days, MAX_DAYS_SEARCHED)
        found = calendar.timeline(first_day, first_day + timedelta(days=days)).add(
            start, duration, pauses
        )
        if found is not None:
            return found
        if days >= MAX_DAYS_SEARCHED:
            raise NoBusinessHours(f"no working time within {MAX_DAYS_SEARCHED} days")
        days *= 4


def business_time_between(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    paused: Iterable[tuple[datetime, datetime]] = (),
) -> timedelta:
    """Working time from `start` to `end`, minus working time inside `paused`."""
    start, end = _require_utc(start), _require_utc(end)
    if end <= start:
        return _ZERO
    zone = calendar.zone
    timeline = calendar.indexed(start, end) or calendar.timeline(
        start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    )
    total = timeline.worked(end) - timeline.worked(start)
    for pause_begin, pause_end in _merged(paused, start, end) if paused else ():
        total -= timeline.worked(pause_end) - timeline.worked(pause_begin)
    return total
