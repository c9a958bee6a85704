"""The before/after rule for an adopted procedure's measures (portal/domain/adoption.py)."""

from datetime import date

import pytest

from portal.domain import adoption as rules
from portal.domain.adoption import BETTER, NOT_ENOUGH, STEADY, WORSE, Point
from portal.domain.insights import AT_LEAST, AT_MOST


def points(*pairs):
    return [Point(value, rows) for value, rows in pairs]


def test_mean_before_mean_after_and_the_change():
    moved = rules.compare(
        points((4.0, 10), (4.2, 8), (4.4, 12)), points((4.6, 9), (4.8, 5)), AT_LEAST
    )
    assert moved.before.mean == pytest.approx(4.2)
    assert moved.after.mean == pytest.approx(4.7)
    assert moved.change == pytest.approx(0.5)
    assert moved.verdict == BETTER


def test_less_is_better_for_a_measure_kept_at_most():
    moved = rules.compare(points((3.0, 20)), points((2.0, 20)), AT_MOST)
    assert moved.change == pytest.approx(-1.0) and moved.verdict == BETTER
    assert rules.compare(points((2.0, 20)), points((3.0, 20)), AT_MOST).verdict == WORSE
    assert rules.compare(points((2.0, 20)), points((2.0, 30)), AT_MOST).verdict == STEADY


def test_a_period_on_too_few_rows_is_left_out_of_its_side():
    moved = rules.compare(points((1.0, 2), (4.0, 5)), points((5.0, 6), (1.0, 4)), AT_LEAST)
    assert moved.before.counted == (False, True)
    assert moved.after.counted == (True, False)
    assert (moved.before.mean, moved.after.mean) == (4.0, 5.0)


def test_not_enough_data_when_a_side_has_no_period_that_counts():
    few = rules.compare(points((4.0, 4), (4.5, 1)), points((4.8, 30)), AT_LEAST)
    assert few.verdict == NOT_ENOUGH and few.change is None and few.before.mean is None
    none_after = rules.compare(points((4.0, 30)), [], AT_LEAST)
    assert none_after.verdict == NOT_ENOUGH and none_after.after.mean is None
    empty = rules.compare(points((None, 0)), points((None, 0)), AT_LEAST)
    assert empty.verdict == NOT_ENOUGH


def test_the_minimum_is_the_caller_s_for_sparse_rows_like_survey_answers():
    moved = rules.compare(points((-0.5, 2)), points((0.3, 3)), AT_LEAST, rules.MIN_ANSWERS)
    assert moved.verdict == BETTER and moved.change == pytest.approx(0.8)


def test_the_window_leaves_the_adoption_period_out_and_the_future_unasked():
    window = rules.window("month", date(2026, 3, 14), today=date(2026, 5, 2))
    assert [p.label for p in window.before] == ["Dec 2025", "Jan 2026", "Feb 2026"]
    assert window.adopted.label == "Mar 2026"
    assert [p.label for p in window.after] == ["Apr 2026", "May 2026"]
    assert [p.label for p in window.span][3] == "Mar 2026" and len(window.span) == 6
    later = rules.window("month", date(2026, 3, 14), today=date(2026, 12, 1))
    assert [p.label for p in later.after] == ["Apr 2026", "May 2026", "Jun 2026"]
    quarters = rules.window("quarter", date(2026, 3, 14), today=date(2026, 3, 20), count=2)
    assert [p.label for p in quarters.before] == ["Q3 2025", "Q4 2025"] and quarters.after == ()
