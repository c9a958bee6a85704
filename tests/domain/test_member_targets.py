"""A member's targets, directly: the period they are for and the team goals they roll up to."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain import member_targets as rules
from portal.domain.insights import AT_LEAST, AT_MOST, InsightError, period_containing

TODAY = date(2026, 12, 4)


def test_the_period_holding_the_day():
    period = rules.target_period("month", date(2026, 12, 20), TODAY)
    assert (period.start, period.end) == (date(2026, 12, 1), date(2027, 1, 1))
    quarter = rules.target_period("quarter", date(2027, 2, 1), TODAY)
    assert (quarter.start, quarter.end) == (date(2027, 1, 1), date(2027, 4, 1))


def test_the_current_period_is_allowed_a_finished_one_is_not():
    assert rules.target_period("month", date(2026, 12, 1), TODAY).label == "Dec 2026"
    with pytest.raises(InsightError, match="Nov 2026 is over") as error:
        rules.target_period("month", date(2026, 11, 1), TODAY)
    assert error.value.field == "month"
    # November is over, but the quarter holding it is not.
    assert rules.target_period("quarter", date(2026, 11, 1), TODAY).label == "Q4 2026"


def test_a_month_is_needed():
    with pytest.raises(InsightError, match="Give the month"):
        rules.target_period("month", None, TODAY)


def test_a_blank_direction_takes_the_measures_usual_one():
    assert rules.direction_for("", AT_MOST) == AT_MOST
    assert rules.direction_for(AT_LEAST, AT_MOST) == AT_LEAST
    with pytest.raises(InsightError):
        rules.direction_for("sideways", AT_MOST)


def test_a_target_rolls_up_to_the_team_goals_on_its_measure_running_then():
    goals = [
        rules.GoalSpan(1, "csat", date(2026, 1, 1), date(2027, 1, 1)),  # all of 2026
        rules.GoalSpan(2, "csat", date(2027, 1, 1), date(2027, 4, 1)),  # Q1 2027
        rules.GoalSpan(3, "resolved", date(2026, 1, 1), date(2028, 1, 1)),  # another measure
    ]
    december = period_containing("month", date(2026, 12, 1))
    assert rules.rolls_up_to("csat", december, goals) == [1]
    february = period_containing("month", date(2027, 2, 1))
    assert rules.rolls_up_to("csat", february, goals) == [2]
    assert rules.rolls_up_to("csat", period_containing("month", date(2027, 5, 1)), goals) == []
    assert rules.rolls_up_to("resolved", december, goals) == [3]
