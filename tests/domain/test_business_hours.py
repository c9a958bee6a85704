"""Business-hours arithmetic at day, weekend, holiday and daylight-saving boundaries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.domain.business_hours import (
    Calendar,
    NoBusinessHours,
    add_business_time,
    business_time_between,
    office_hours,
    working_intervals,
)

LONDON = office_hours("Europe/London")  # Mon-Fri 09:00-17:00
H = timedelta(hours=1)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_within_one_day():
    # Tuesday 10 Nov 2026, 10:00 London (= UTC in winter)
    assert add_business_time(LONDON, utc(2026, 11, 10, 10), 4 * H) == utc(2026, 11, 10, 14)


def test_rolls_over_the_evening_to_the_next_morning():
    assert add_business_time(LONDON, utc(2026, 11, 10, 15), 4 * H) == utc(2026, 11, 11, 11)


def test_a_request_raised_at_night_starts_counting_at_opening():
    assert add_business_time(LONDON, utc(2026, 11, 10, 22), 1 * H) == utc(2026, 11, 11, 10)


def test_skips_the_weekend():
    friday_4pm = utc(2026, 11, 13, 16)
    assert add_business_time(LONDON, friday_4pm, 2 * H) == utc(2026, 11, 16, 10)


def test_skips_holidays():
    calendar = office_hours("Europe/London", holidays=[date(2026, 12, 25), date(2026, 12, 28)])
    thursday_24th_4pm = utc(2026, 12, 24, 16)
    # Christmas (Fri), the weekend and the bank holiday Monday are all skipped.
    assert add_business_time(calendar, thursday_24th_4pm, 2 * H) == utc(2026, 12, 29, 10)


def test_spring_forward_moves_opening_an_hour_earlier_in_utc():
    # Clocks go forward on Sunday 29 March 2026: Monday 09:00 BST is 08:00 UTC.
    friday_4pm_gmt = utc(2026, 3, 27, 16)
    assert add_business_time(LONDON, friday_4pm_gmt, 2 * H) == utc(2026, 3, 30, 9)


def test_fall_back_moves_opening_an_hour_later_in_utc():
    # Clocks go back on Sunday 25 October 2026: Friday 16:00 BST = 15:00 UTC.
    friday_4pm_bst = utc(2026, 10, 23, 15)
    assert add_business_time(LONDON, friday_4pm_bst, 2 * H) == utc(2026, 10, 26, 10)


def test_always_open_calendar_counts_real_time_across_both_dst_changes():
    always = Calendar("Europe/London", {d: ((time(0), time(0)),) for d in range(7)})
    for start in (utc(2026, 3, 28, 12), utc(2026, 10, 24, 12)):
        assert business_time_between(always, start, start + 48 * H) == 48 * H
        assert add_business_time(always, start, 30 * H) == start + 30 * H


def test_night_shift_on_the_short_night_is_five_hours():
    night = Calendar("Europe/London", {6: ((time(0), time(6)),)})  # Sundays 00:00-06:00
    # 29 March 2026: 00:00 GMT .. 06:00 BST is 5 real hours (01:00-02:00 never happens).
    assert business_time_between(night, utc(2026, 3, 28), utc(2026, 3, 30)) == 5 * H
    # 25 October 2026: 00:00 BST .. 06:00 GMT is 7 real hours.
    assert business_time_between(night, utc(2026, 10, 24), utc(2026, 10, 26)) == 7 * H


def test_hours_opening_inside_the_skipped_hour_start_when_clocks_resume():
    odd = Calendar("Europe/London", {6: ((time(1, 30), time(3)),)})  # Sunday 01:30-03:00
    # On 29 March 01:30 local does not exist; the hours run 02:00 BST (01:00 UTC) to 03:00 BST.
    assert business_time_between(odd, utc(2026, 3, 28), utc(2026, 3, 30)) == 1 * H


def test_other_time_zones_count_in_their_own_local_hours():
    berlin = office_hours("Europe/Berlin")  # 09:00 CET = 08:00 UTC in winter
    assert add_business_time(berlin, utc(2026, 11, 10, 7), 1 * H) == utc(2026, 11, 10, 9)


def test_time_between_counts_only_working_hours():
    friday_3pm, monday_11am = utc(2026, 11, 13, 15), utc(2026, 11, 16, 11)
    assert business_time_between(LONDON, friday_3pm, monday_11am) == 4 * H
    assert business_time_between(LONDON, monday_11am, friday_3pm) == timedelta(0)


def test_paused_time_is_not_counted_and_pushes_the_due_time():
    start = utc(2026, 11, 10, 9)
    waiting_on_customer = [(utc(2026, 11, 10, 10), utc(2026, 11, 10, 12))]
    assert business_time_between(LONDON, start, utc(2026, 11, 10, 13), waiting_on_customer) == (
        2 * H
    )
    assert add_business_time(LONDON, start, 4 * H, waiting_on_customer) == utc(2026, 11, 10, 15)


def test_pause_over_a_night_only_removes_working_time():
    start = utc(2026, 11, 10, 16)
    pause = [(utc(2026, 11, 10, 16, 30), utc(2026, 11, 11, 10))]  # 30 min + 1 h of work
    assert add_business_time(LONDON, start, 2 * H, pause) == utc(2026, 11, 11, 11, 30)


def test_zero_duration_from_outside_hours_is_the_next_opening():
    assert add_business_time(LONDON, utc(2026, 11, 14, 12), timedelta(0)) == utc(2026, 11, 16, 9)


def test_a_calendar_without_hours_is_an_error_not_a_hang():
    with pytest.raises(NoBusinessHours):
        add_business_time(Calendar("UTC", {}), utc(2026, 11, 10), H)
    assert business_time_between(Calendar("UTC", {}), utc(2026, 1, 1), utc(2027, 1, 1)) == (
        timedelta(0)
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        add_business_time(LONDON, datetime(2026, 11, 10, 10), H)


# ---- the index against the plain definition ------------------------------------------------
# Every calendar answers from an index of its working intervals (a Timeline). These walk every
# interval from the day before the start instead, the way the rules read, and the two must
# agree to the microsecond: across both 2026 clock changes, in both hemispheres, with hours
# that open in a skipped hour or span a repeated one, holidays, and overlapping pauses.


def _pieces(begin, end, pauses):
    """[begin, end) with the paused intervals cut out."""
    cursor = begin
    for pause_begin, pause_end in sorted(pauses):
        if pause_end <= cursor or pause_begin >= end:
            continue
        if pause_begin > cursor:
            yield cursor, pause_begin
        cursor = max(cursor, pause_end)
    if cursor < end:
        yield cursor, end


def _walked(calendar, start, end, pauses=()):
    """Business time from `start` to `end`: every working interval, clipped, pauses cut out."""
    total = timedelta(0)
    zone = calendar.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    for begin, finish in working_intervals(calendar, first, end.astimezone(zone).date()):
        begin, finish = max(begin, start), min(finish, end)
        if finish > begin:
            for a, b in _pieces(begin, finish, pauses):
                total += b - a
    return total


def _walked_add(calendar, start, duration, pauses=()):
    """The first instant by which `duration` has been worked since `start`, walking."""
    remaining = duration
    first = start.astimezone(calendar.zone).date() - timedelta(days=1)
    for begin, end in working_intervals(calendar, first, first + timedelta(days=3 * 366)):
        if end <= start:
            continue
        for a, b in _pieces(max(begin, start), end, pauses):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
    raise AssertionError("no answer within three years")


CALENDARS = {
    "london": LONDON,
    "new-york-holiday": office_hours(
        "America/New_York", time(8), time(18), holidays=[date(2026, 11, 26)]
    ),
    "round-the-clock": Calendar("Europe/Berlin", {d: ((time(0), time(0)),) for d in range(7)}),
    "split-monday": Calendar("Australia/Sydney", {0: ((time(7), time(12)), (time(13), time(22)))}),
    # Saturday night into Sunday morning, joined at midnight; both clock changes fall inside.
    "weekend-nights": Calendar(
        "Europe/London", {5: ((time(22), time(0)),), 6: ((time(0), time(6)),)}
    ),
    # Sunday 01:30-03:00: skipped in March (01:00-02:00 never happens), repeated in October.
    "in-the-changing-hour": Calendar("Europe/London", {6: ((time(1, 30), time(3)),)}),
    # Thirteen hours ahead of UTC in January (a day's hours fall on two UTC dates).
    "auckland": office_hours("Pacific/Auckland", time(7), time(19), days=range(6)),
    "berlin-split-days": Calendar(
        "Europe/Berlin",
        {d: ((time(8), time(12)), (time(13), time(18))) for d in range(4)}
        | {4: ((time(8), time(15)),)},
        frozenset({date(2026, 3, 30), date(2026, 12, 25)}),
    ),
}
# Sundays the clocks change in 2026: Europe, the United States, Australia (back in April,
# forward in October), New Zealand.
CHANGES = [
    utc(2026, 3, 29),
    utc(2026, 10, 25),
    utc(2026, 3, 8),
    utc(2026, 11, 1),
    utc(2026, 4, 5),
    utc(2026, 10, 4),
    utc(2026, 9, 27),  # New Zealand forward (back on 5 April, as Australia)
]


def _moment(rng, calendar):
    """Half the time within three days of a clock change, else anywhere in 2026; a third of
    the time exactly when a working interval near there opens or closes."""
    if rng.random() < 0.5:
        moment = rng.choice(CHANGES) + timedelta(minutes=rng.randrange(-3 * 1440, 3 * 1440))
    else:
        moment = utc(2026, 1, 1) + timedelta(minutes=rng.randrange(0, 365 * 1440))
    return _snapped(rng, calendar, moment)


def _snapped(rng, calendar, moment):
    if rng.random() < 2 / 3:
        return moment
    day = moment.astimezone(calendar.zone).date()
    near = [t for pair in working_intervals(calendar, day, day + timedelta(days=7)) for t in pair]
    return rng.choice(near) if near else moment


def _pauses(rng, calendar, start):
    pauses = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        begin = _snapped(rng, calendar, start + timedelta(minutes=rng.randrange(-600, 20_000)))
        end = begin + timedelta(minutes=rng.randrange(0, 6000))
        pauses.append((begin, max(begin, _snapped(rng, calendar, end))))
    return pauses


@pytest.mark.parametrize("calendar", CALENDARS.values(), ids=CALENDARS.keys())
def test_due_times_are_the_walked_ones_at_every_edge(calendar):
    import random

    rng = random.Random(11)
    for _ in range(300):
        start = _moment(rng, calendar)
        minutes = rng.choice((0, 1, 30, 60, 120, 240, 480, 960, 2400, 9600))
        duration = timedelta(minutes=minutes, seconds=rng.choice((0, 0, 0, 17)))
        pauses = _pauses(rng, calendar, start)
        assert add_business_time(calendar, start, duration, pauses) == _walked_add(
            calendar, start, duration, pauses
        ), (start, duration, pauses)


@pytest.mark.parametrize("calendar", CALENDARS.values(), ids=CALENDARS.keys())
def test_time_between_is_the_walked_time_at_every_edge(calendar):
    import random

    rng = random.Random(13)
    for _ in range(300):
        start = _moment(rng, calendar)
        end = start + timedelta(minutes=rng.choice((0, 1, 90, 1440, 10_000, 120 * 1440)))
        end = _snapped(rng, calendar, end + timedelta(minutes=rng.randrange(0, 3000)))
        pauses = _pauses(rng, calendar, start)
        assert business_time_between(calendar, start, end, pauses) == _walked(
            calendar, start, end, pauses
        ), (start, end, pauses)


@pytest.mark.parametrize("calendar", list(CALENDARS.values())[:4], ids=list(CALENDARS)[:4])
def test_long_spans_count_exactly_as_walking_every_interval(calendar):
    """Spans of weeks (a long-breached request) and of years, on a calendar asked before and
    on a fresh one."""
    import random

    rng = random.Random(7)
    base = utc(2026, 1, 1)
    for _ in range(150):
        start = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        assert business_time_between(calendar, start, end) == _walked(calendar, start, end)
    fresh = Calendar(calendar.timezone, calendar.weekly, calendar.holidays)
    start, end = utc(2024, 3, 20, 15, 17), utc(2026, 11, 2, 9, 41)
    assert business_time_between(fresh, start, end) == _walked(calendar, start, end)


def test_answers_do_not_depend_on_what_was_asked_before():
    """The index grows backwards and forwards, and starts afresh for a far question."""
    calendar = office_hours("Europe/London", holidays=[date(2026, 12, 25)])
    start = utc(2026, 12, 24, 16)
    expected = add_business_time(Calendar(*_fields(calendar)), start, 9 * H)
    for asked in (utc(2026, 6, 1), utc(2011, 1, 3), utc(2040, 5, 1), utc(2025, 1, 6)):
        add_business_time(calendar, asked, 100 * H)
        assert add_business_time(calendar, start, 9 * H) == expected
        assert business_time_between(calendar, start, expected) == 9 * H
    assert expected == utc(2026, 12, 28, 17)  # 1 h on Thursday, none at Christmas, 8 on Monday


@pytest.mark.parametrize(
    "timezone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "Asia/Tokyo"]
)
def test_questions_at_the_edges_of_what_the_index_holds(timezone):
    """Round the clock, every instant counts: a question just inside or outside the days a
    calendar has indexed so far (UTC+14 to UTC-11) is answered as walking answers it."""
    import random

    rng = random.Random(5)
    always = {d: ((time(0), time(0)),) for d in range(7)}
    evenings = {d: ((time(18), time(0)),) for d in range(7)}
    for weekly in (always, evenings):
        for _ in range(100):
            calendar = Calendar(timezone, weekly)
            first = utc(2026, 6, 1) + timedelta(minutes=rng.randrange(0, 1440))
            add_business_time(calendar, first, H)  # indexes the few days around `first`
            index = calendar._timeline[0]
            start = datetime.combine(index.first_day, time(0), UTC)
            start += timedelta(minutes=rng.randrange(-1440, 2 * 1440))
            end = datetime.combine(index.last_day, time(0), UTC)
            end += timedelta(minutes=rng.randrange(-1440, 2 * 1440))
            assert business_time_between(calendar, start, end) == _walked(
                Calendar(timezone, weekly), start, end
            ), (start, end)
            # Half an hour into the first local day the index does not hold.
            after = datetime.combine(index.last_day + timedelta(days=1), time(0, 30))
            after = after.replace(tzinfo=calendar.zone).astimezone(UTC)
            assert business_time_between(calendar, end - 3 * H, after) == _walked(
                Calendar(timezone, weekly), end - 3 * H, after
            ), (end, after)
            duration = timedelta(minutes=rng.randrange(0, 4 * 1440))
            assert add_business_time(calendar, start, duration) == _walked_add(
                Calendar(timezone, weekly), start, duration
            ), (start, duration)


def _fields(calendar):
    return calendar.timezone, calendar.weekly, calendar.holidays


def test_questions_moving_forward_rebuild_the_index_rarely():
    """The seed generator asks about two years of requests, oldest first."""
    calendar = office_hours("Europe/Amsterdam")
    built = []
    for day in range(730):
        start = utc(2025, 1, 1, 10) + timedelta(days=day)
        add_business_time(calendar, start, 40 * H)
        if not built or calendar._timeline[0] is not built[-1]:
            built.append(calendar._timeline[0])
    assert len(built) <= 12
