"""The rules behind the insights: satisfaction gaps, medians, shares, expectations met,
goal periods, goal status and trends. Pure functions, no Flask, tested on small data sets.

The SQL in portal/insights/measures.py computes the same things over many rows; its tests
check it agrees with these functions on hand-computed data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

AT_LEAST = "at_least"
AT_MOST = "at_most"
ON_TRACK = "on track"
OFF_TRACK = "off track"
NO_DATA = "no data"
IMPROVING = "improving"
WORSENING = "worsening"
STEADY = "steady"

SCORE_MIN, SCORE_MAX = 1, 7
# A CSAT of 4 or 5 out of 5 counts as a good outcome.
GOOD_CSAT = 4
# Below this CSAT a rating is "low" and its comment goes to the weekly review.
LOW_CSAT = 2


class InsightError(ValueError):
    """Input the rules refuse; the message is for the person who gave it, and `field`
    names the input it is about (when there is one)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- satisfaction -------------------------------------------------------------------------


def check_score(value: object, what: str = "a score") -> int:
    """A survey score: a whole number from 1 to 7."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InsightError(f"Choose {what} from 1 to 7.") from None
    if not SCORE_MIN <= number <= SCORE_MAX or str(value).strip() != str(number):
        raise InsightError(f"Choose {what} from 1 to 7.")
    return number


def gap(expectation: int, perception: int) -> int:
    """Satisfaction = perceived quality - expected quality; negative is a shortfall."""
    return perception - expectation


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def mean_gap(scores: Iterable[tuple[int, int]]) -> float | None:
    """The average gap over (expectation, perception) pairs."""
    return mean(gap(e, p) for e, p in scores)


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def share(part: int, whole: int) -> float | None:
    """A percentage, or None when there is nothing to divide by."""
    return 100.0 * part / whole if whole else None


def expectation_met(expected_by: date | None, resolved_on: date | None, csat: int | None):
    """Did a resolved request meet what the customer expected when they raised it?

    Resolved on or before their "by when" (when they gave one), and rated 4 or 5 (when they
    rated it). A request with neither a "by when" nor a rating tells us nothing: None.
    """
    if resolved_on is None or (expected_by is None and csat is None):
        return None
    on_time = expected_by is None or resolved_on <= expected_by
    liked = csat is None or csat >= GOOD_CSAT
    return on_time and liked


@dataclass(frozen=True)
class DimensionGap:
    dimension_id: int
    name: str
    gap: float | None  # None: no answers on it in the period


# How many of the worst-rated dimensions an internal check asks about.
WORST_ASKED = 2


def worst_dimensions(gaps: Sequence[DimensionGap], count: int = WORST_ASKED) -> list[DimensionGap]:
    """The dimensions customers rate worst: the most negative gaps first, at most `count`.
    Only shortfalls (a gap below zero) count, so a quarter with no answers, or none below
    zero, asks nothing more; a tie keeps the order given (the survey's)."""
    short = [g for g in gaps if g.gap is not None and g.gap < 0]
    return sorted(short, key=lambda g: g.gap)[:count]  # sorted is stable: ties keep order


def worst_dimension_label(dimension: DimensionGap) -> str:
    """The checklist point for a worst-rated dimension, in the coach's words."""
    gap = f"{dimension.gap:.1f}".replace("-", "\u2212")
    return f"{dimension.name}: customers rate it worst this quarter (gap {gap})"


# --- periods ------------------------------------------------------------------------------

MONTHS_IN = {"month": 1, "quarter": 3}
# Goals and targets are for the years ahead; a far date would also run past `date`'s range.
LAST_YEAR = 2100


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # "month" or "quarter"
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.start.strftime("%b %Y")

    @property
    def short_label(self) -> str:
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.strftime('%y')}"
        return self.start.strftime("%b %y")

    def previous(self) -> Period:
        return period_containing(self.kind, add_months(self.start, -MONTHS_IN[self.kind]))

    def next(self) -> Period:
        return period_containing(self.kind, self.end)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def period_containing(kind: str, day: date) -> Period:
    if kind not in MONTHS_IN:
        raise InsightError("Choose monthly or quarterly periods.", "period_kind")
    months = MONTHS_IN[kind]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return Period(kind, start, add_months(start, months))


def periods_ending(last: Period, count: int) -> list[Period]:
    """`count` consecutive periods, oldest first, the last being `last`."""
    periods = [last]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return periods


def goal_span(kind: str, first: date | None, last: date | None) -> tuple[date, date]:
    """The goal runs over whole periods, from the one holding `first` to the one holding
    `last`: returns (start, exclusive end). An end before the start is refused."""
    if first is None or last is None:
        raise InsightError("Give the first and the last month of the goal.", "last")
    if last < first:
        raise InsightError("The goal's period ends before it starts: choose a later end.", "last")
    if last.year >= LAST_YEAR:
        raise InsightError(f"Choose months before {LAST_YEAR}.", "last")
    return period_containing(kind, first).start, period_containing(kind, last).end


def check_target(value: float | None) -> float:
    if value is None:
        raise InsightError("Give the goal a target.", "target")
    try:
        number = float(value)
    except (TypeError, ValueError, ArithmeticError):  # "sNaN" is a Decimal, not a float
        raise InsightError("Give the target as a number.", "target") from None
    if not math.isfinite(number) or abs(number) > 1_000_000:
        raise InsightError("Give a target between -1,000,000 and 1,000,000.", "target")
    return number


# --- goals and trends ---------------------------------------------------------------------


def goal_status(value: float | None, target: float, direction: str) -> str:
    if value is None:
        return NO_DATA
    if direction == AT_LEAST:
        return ON_TRACK if value >= target else OFF_TRACK
    if direction == AT_MOST:
        return ON_TRACK if value <= target else OFF_TRACK
    raise InsightError("A goal is 'at least' or 'at most' its target.")


def trend(values: Sequence[float | None], direction: str, tolerance: float = 1e-9) -> str | None:
    """Comparing the latest value with the one before it (skipping periods with no data):
    better, worse or the same, where better depends on the goal's direction."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    change = known[-1] - known[-2]
    if abs(change) <= tolerance:
        return STEADY
    rising_is_good = direction == AT_LEAST
    return IMPROVING if (change > 0) == rising_is_good else WORSENING


def best_of(values: dict[int, float | None], direction: str) -> set[int]:
    """Which owners (teams) lead on a measure: the highest value where more is better, the
    lowest where less is. Ties all lead; with fewer than two values known nobody does (a
    lone figure leads nothing)."""
    known = {owner: v for owner, v in values.items() if v is not None}
    if len(known) < 2:
        return set()
    top = max(known.values()) if direction == AT_LEAST else min(known.values())
    if all(abs(v - top) <= 1e-9 for v in known.values()):
        return set()  # everyone equal: no one stands out
    return {owner for owner, v in known.items() if abs(v - top) <= 1e-9}


# --- exports ------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula: text starting = + - @ (or a tab
    or carriage return) gets a leading apostrophe. Numbers are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
