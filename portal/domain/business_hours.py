"""Business hours: counting service time in a team's local working week.

Service levels are counted in business hours, in the team's time zone, skipping weekends,
holidays and any time the clock is paused (waiting on the customer). Every datetime going in
or out is timezone-aware UTC; local time exists only inside these functions, so daylight
saving changes are handled once, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Monday .. Sunday, as datetime.weekday() numbers them.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# A calendar with no working time at all would make "add 4 business hours" loop forever.
MAX_DAYS_SEARCHED = 3 * 366
# Days of intervals a calendar remembers before starting afresh (about ten years).
_DAYS_KEPT = 4000


class NoBusinessHours(ValueError):
    """The calendar has no working time in the searched range."""


@dataclass(frozen=True)
class Calendar:
    timezone: str
    # weekday number -> working intervals that day, in local wall-clock time.
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)
    # Each local day's working intervals in UTC, worked out once per calendar: an inbox of
    # long-breached requests walks the same weeks for every row.
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _totals: dict[date, timedelta] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of one local day, as UTC pairs (none on a holiday)."""
        return _remembered(self._days, day, lambda: tuple(self._work_out(day)))

    def day_total(self, day: date) -> timedelta:
        """All the working time of one local day."""
        return _remembered(
            self._totals,
            day,
            lambda: sum((end - begin for begin, end in self.day_intervals(day)), timedelta(0)),
        )

    def _work_out(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if day in self.holidays:
            return
        zone = self.zone
        for opens, closes in self.weekly.get(day.weekday(), ()):
            begin = _local_instant(day, opens, zone)
            # 24:00 is written as time(0) closing: the interval runs to the next midnight.
            closing_day = day + timedelta(days=1) if closes == time(0) else day
            end = _local_instant(closing_day, closes, zone)
            if end > begin:
                yield begin, end


def _remembered(memo: dict, day: date, work_out):
    """`memo[day]`, worked out on first use; a full memo starts afresh."""
    known = memo.get(day)
    if known is None:
        known = work_out()
        if len(memo) >= _DAYS_KEPT:
            memo.clear()
        memo[day] = known
    return known


def office_hours(timezone: str, start=time(9), end=time(17), days=range(5), holidays=()):
    """The common case: the same hours every working day."""
    return Calendar(
        timezone=timezone,
        weekly={day: ((start, end),) for day in days},
        holidays=frozenset(holidays),
    )


def _require_utc(moment: datetime) -> datetime:
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


def _intervals_from(calendar: Calendar, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    # Start a day early: an interval that began yesterday (local) may still be open.
    first_day = moment.astimezone(calendar.zone).date() - timedelta(days=1)
    last_day = first_day + timedelta(days=MAX_DAYS_SEARCHED)
    for begin, end in working_intervals(calendar, first_day, last_day):
        if end > moment:
            yield max(begin, moment), end
    raise NoBusinessHours(f"no working time within {MAX_DAYS_SEARCHED} days")


def add_business_time(
    calendar: Calendar,
    start: datetime,
    duration: timedelta,
    paused: Iterable[tuple[datetime, datetime]] = (),
) -> datetime:
    """The instant when `duration` of business time has passed since `start`, not counting
    working time inside the `paused` intervals (each closed: a pause still running is
    passed as ending 'now' and the due time recomputed when it ends)."""
    start = _require_utc(start)
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    pauses = sorted((_require_utc(a), _require_utc(b)) for a, b in paused)
    remaining = duration
    if remaining == timedelta(0):
        return _next_working_instant(calendar, start, pauses)
    for begin, end in _intervals_from(calendar, start):
        for piece_begin, piece_end in _subtract(begin, end, pauses):
            available = piece_end - piece_begin
            if available >= remaining:
                return piece_begin + remaining
            remaining -= available
    raise AssertionError("unreachable: _intervals_from returns or raises")


def _next_working_instant(calendar, start, pauses) -> datetime:
    for begin, end in _intervals_from(calendar, start):
        for piece_begin, _ in _subtract(begin, end, pauses):
            return piece_begin
    raise AssertionError("unreachable: _intervals_from returns or raises")


def business_time_between(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    paused: Iterable[tuple[datetime, datetime]] = (),
) -> timedelta:
    """Working time from `start` to `end`, minus working time inside `paused`."""
    start, end = _require_utc(start), _require_utc(end)
    if end <= start:
        return timedelta(0)
    pauses = sorted((_require_utc(a), _require_utc(b)) for a, b in paused)
    total = timedelta(0)
    zone = calendar.zone
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date()
    # A day's intervals start on that local day and end by the next midnight, so the days
    # after the start's and before the end's lie wholly inside: with no pauses to cut out,
    # their totals stand for them (a long-breached request no longer walks every interval).
    whole = (first_day + timedelta(days=2), last_day - timedelta(days=1)) if not pauses else None
    if whole and whole[0] <= whole[1]:
        edges = [(first_day, first_day + timedelta(days=1)), (last_day, last_day)]
        day = whole[0]
        while day <= whole[1]:
            total += calendar.day_total(day)
            day += timedelta(days=1)
    else:
        edges = [(first_day, last_day)]
    for edge_start, edge_end in edges:
        for begin, finish in working_intervals(calendar, edge_start, edge_end):
            begin, finish = max(begin, start), min(finish, end)
            if finish <= begin:
                continue
            for piece_begin, piece_end in _subtract(begin, finish, pauses):
                total += piece_end - piece_begin
    return total


def _subtract(begin: datetime, end: datetime, pauses) -> Iterator[tuple[datetime, datetime]]:
    """[begin, end) with the paused intervals cut out."""
    cursor = begin
    for pause_begin, pause_end in pauses:
        if pause_end <= cursor or pause_begin >= end:
            continue
        if pause_begin > cursor:
            yield cursor, pause_begin
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end
