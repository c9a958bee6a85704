"""Business-hours arithmetic at day, weekend, holiday and daylight-saving boundaries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.domain.business_hours import (
    Calendar,
    NoBusinessHours,
    add_business_time,
    business_time_between,
    office_hours,
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


def _walked(calendar, start, end, pauses=()):
    """The plain definition: every working interval from the day before `start`, clipped."""
    from portal.domain.business_hours import _subtract, working_intervals

    total = timedelta(0)
    zone = calendar.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    for begin, finish in working_intervals(calendar, first, end.astimezone(zone).date()):
        begin, finish = max(begin, start), min(finish, end)
        if finish > begin:
            for a, b in _subtract(begin, finish, sorted(pauses)):
                total += b - a
    return total


@pytest.mark.parametrize(
    "calendar",
    [
        LONDON,
        office_hours("America/New_York", time(8), time(18), holidays=[date(2026, 11, 26)]),
        Calendar("Europe/Berlin", {d: ((time(0), time(0)),) for d in range(7)}),  # 24/7
        Calendar("Australia/Sydney", {0: ((time(7), time(12)), (time(13), time(22)))}),
    ],
    ids=["london", "new-york-holiday", "round-the-clock", "split-monday"],
)
def test_long_spans_count_whole_days_exactly_as_walking_every_interval(calendar):
    """Spans of weeks (a long-breached request) take days' totals instead of walking each
    interval; across both 2026 DST changes and holidays the result is the same."""
    import random

    rng = random.Random(7)
    base = utc(2026, 1, 1)
    for _ in range(150):
        start = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        assert business_time_between(calendar, start, end) == _walked(calendar, start, end)
    fresh = Calendar(calendar.timezone, calendar.weekly, calendar.holidays)  # empty memo
    start, end = utc(2026, 3, 20, 15, 17), utc(2026, 11, 2, 9, 41)
    assert business_time_between(fresh, start, end) == _walked(calendar, start, end)
