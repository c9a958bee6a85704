"""The rules of a member's own targets: the period a target is for, and the team goals it
rolls up to. Pure; portal/insights/targets.py reads the rows and the measures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .insights import AT_LEAST, AT_MOST, InsightError, Period, period_containing


@dataclass(frozen=True)
class GoalSpan:
    """What of a team goal decides whether a target rolls up to it."""

    goal_id: int
    measure: str
    start: date
    end: date  # exclusive


def target_period(kind: str, day: date | None, today: date) -> Period:
    """The month or quarter holding `day`; one already over is refused (a target is set for
    the period under way or one to come, for the member's next review)."""
    if day is None:
        raise InsightError("Give the month.", "month")
    if day.year > today.year + 5:
        raise InsightError("Choose a month within the next five years.", "month")
    period = period_containing(kind, day)
    if period.end <= today:
        raise InsightError(
            f"{period.label} is over: choose the current {kind} or a later one.", "month"
        )
    return period


def direction_for(chosen: str | None, usual: str) -> str:
    """The coach's direction, or the measure's usual one when they left it to the measure."""
    direction = chosen or usual
    if direction not in (AT_LEAST, AT_MOST):
        raise InsightError("Choose 'at least' or 'at most'.", "direction")
    return direction


def rolls_up_to(measure: str, period: Period, goals: Iterable[GoalSpan]) -> list[int]:
    """The team goals on the same measure that run through the target's period: what the
    member's target contributes to."""
    return [
        g.goal_id
        for g in goals
        if g.measure == measure and g.start <= period.start and period.start < g.end
    ]
