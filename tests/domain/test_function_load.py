"""Load by function, directly: arrivals and finishes per day in the team's days, open ones
counted, the median time from start to done, and clump days found only where there are."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.domain.function_load import Piece, clump_days, load_by_function

DAYS = [date(2026, 11, 30) + timedelta(days=n) for n in range(5)]


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, 30, hour, tzinfo=UTC) + timedelta(days=day)


def test_arrivals_finishes_open_and_waits_per_function():
    pieces = [
        Piece("Credit", _at(0), _at(0, 14)),  # 4 hours
        Piece("Credit", _at(1), _at(3, 10)),  # 48 hours
        Piece("Credit", _at(2), None),
        Piece("Delivery", _at(1), _at(1, 12), started=_at(1, 11)),  # waited: 1 hour from start
        Piece("Delivery", _at(-5), _at(4)),  # arrived before the window, finished in it
        Piece("Unknown", _at(1), None),  # not a function shown
    ]
    credit, delivery = load_by_function(pieces, DAYS, ["Credit", "Delivery"], lambda m: m.date())
    assert (credit.arrived, credit.finished, credit.open_now) == (
        [1, 1, 1, 0, 0],
        [1, 0, 0, 1, 0],
        1,
    )
    assert credit.median_hours == 26
    assert delivery.arrived == [0, 1, 0, 0, 0] and delivery.finished == [0, 1, 0, 0, 1]
    assert delivery.median_hours == (1 + 9 * 24) / 2


def test_the_team_s_days_decide_which_day_a_moment_is():
    late = Piece("Credit", datetime(2026, 11, 30, 23, 30, tzinfo=UTC), None)
    [credit] = load_by_function([late], DAYS, ["Credit"], lambda m: (m + timedelta(hours=2)).date())
    assert credit.arrived == [0, 1, 0, 0, 0]  # already 1 December where the team is


def test_clumps_are_days_that_finish_far_more_than_usual():
    assert clump_days([1, 0, 1, 6, 1]) == [3]
    assert clump_days([2, 2, 2, 2]) == []  # steady work is no clump
    assert clump_days([0, 0, 5, 0]) == []  # one busy day alone says nothing yet
    assert clump_days([0, 0, 0]) == []


def test_a_waiting_handoff_arrives_when_it_can_start():
    pieces = [
        Piece("Delivery", _at(0), None, started=None, waiting=True),
        Piece("Delivery", _at(0), _at(3, 12), started=_at(3, 9)),  # waited 3 days for credit
    ]
    [delivery] = load_by_function(pieces, DAYS, ["Delivery"], lambda m: m.date())
    assert delivery.waiting == 1 and delivery.open_now == 0
    assert delivery.arrived == [0, 0, 0, 1, 0] and delivery.median_hours == 3
