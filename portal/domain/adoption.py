"""How a team's measures moved around the adoption of a procedure: the periods before
against the periods after. Plain functions of plain figures, so the page and the tests read
the same rule.

Each period's figure comes with how many rows it stands on (requests, ratings, handoffs or
survey answers). A period with fewer than the minimum is too little to go on and is left
out; each side's figure is the plain average of the periods that count; with none on a
side there is not enough data to say anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .insights import AT_LEAST, Period, period_containing

# The fewest rows a period's figure may stand on (requests, ratings, handoffs) to count.
MIN_ROWS = 5
# Survey answers are far fewer than requests: two answers make a period's gap count.
MIN_ANSWERS = 2

BETTER = "better"
WORSE = "worse"
STEADY = "steady"
NOT_ENOUGH = "not enough data"


@dataclass(frozen=True)
class Point:
    value: float | None
    rows: int  # how many requests (ratings, handoffs, answers) the value stands on


@dataclass(frozen=True)
class Side:
    points: tuple[Point, ...]
    counted: tuple[bool, ...]  # which points had enough rows to count
    mean: float | None  # the average of the counted points; None with none


@dataclass(frozen=True)
class Movement:
    before: Side
    after: Side
    change: float | None  # after minus before
    verdict: str  # BETTER, WORSE, STEADY or NOT_ENOUGH


def counts(point: Point, minimum: int = MIN_ROWS) -> bool:
    return point.value is not None and point.rows >= minimum


def side(points: Sequence[Point], minimum: int = MIN_ROWS) -> Side:
    counted = tuple(counts(p, minimum) for p in points)
    values = [p.value for p, ok in zip(points, counted, strict=True) if ok]
    return Side(tuple(points), counted, sum(values) / len(values) if values else None)


def compare(
    before: Sequence[Point],
    after: Sequence[Point],
    direction: str,
    minimum: int = MIN_ROWS,
    tolerance: float = 1e-9,
) -> Movement:
    """Before against after. `direction` is the measure's good direction (more is better
    for AT_LEAST): it turns the change into better or worse."""
    first, then = side(before, minimum), side(after, minimum)
    if first.mean is None or then.mean is None:
        return Movement(first, then, None, NOT_ENOUGH)
    change = then.mean - first.mean
    if abs(change) <= tolerance:
        verdict = STEADY
    else:
        verdict = BETTER if (change > 0) == (direction == AT_LEAST) else WORSE
    return Movement(first, then, change, verdict)


@dataclass(frozen=True)
class Window:
    """The periods around an adoption: `before` and `after` it, the adoption's own period
    left out (the change was under way then). `after` holds only periods begun by today."""

    adopted: Period
    before: tuple[Period, ...]
    after: tuple[Period, ...]

    @property
    def span(self) -> list[Period]:
        """Every period from the first before to the last after, the adoption's included:
        contiguous, as the measures are computed."""
        return [*self.before, self.adopted, *self.after]


def window(kind: str, adopted_on: date, today: date, count: int = 3) -> Window:
    adopted = period_containing(kind, adopted_on)
    before = [adopted.previous()]
    while len(before) < count:
        before.insert(0, before[0].previous())
    after = []
    following = adopted.next()
    while len(after) < count and following.start <= today:
        after.append(following)
        following = following.next()
    return Window(adopted, tuple(before), tuple(after))
