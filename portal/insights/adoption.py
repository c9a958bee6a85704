"""How an adopting team's related measures moved in the periods before and after it
adopted a procedure (its own, or one copied from the library). The rule (portal/domain/
adoption.py) compares; this module picks the related measures and computes them with the
dashboard's definitions (measures.py), narrowed to the procedure's function.

Related measures: the figures about requests and handoffs count only those about the
procedure's function when it has one (all the team's otherwise); the satisfaction gap is
the team's over every dimension (a survey is about the relationship, not one function).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..domain import adoption as rules
from ..extensions import db
from ..models import Procedure, Rating, ReviewRound, SurveyResponse, utcnow
from ..models.procedure import ADOPTED
from .aggregation import Aggregate, Measure, Scope, count
from .measures import (
    FIRST_RESPONSES,
    GAP_SCORES,
    HANDOFFS_DONE,
    MEASURES,
    REQUESTS_RECEIVED,
    REQUESTS_RESOLVED,
    prefetch,
    series,
)


def _rows_counted(key: str, rows, aggregate=None) -> Measure:
    """How many rows a figure stands on: a count over the measure's own rows."""
    return Measure(f"rows:{key}", "", "", "", "", "", rows, aggregate or count())


_RECEIVED = _rows_counted("received", REQUESTS_RECEIVED)
_FIRST_RESPONSES = _rows_counted("first_responses", FIRST_RESPONSES)
_RESOLVED = _rows_counted("resolved", REQUESTS_RESOLVED)
_RATINGS = _rows_counted("ratings", REQUESTS_RESOLVED, count(Rating.score.is_not(None)))
_HANDOFFS = _rows_counted("handoffs", HANDOFFS_DONE)
_ANSWERS = _rows_counted(
    "answers",
    GAP_SCORES,
    Aggregate(
        lambda f: [func.count(func.distinct(SurveyResponse.id))], lambda row: float(row[0] or 0)
    ),
)

# (measure key, what its figure stands on, the fewest of those a period needs, in words)
RELATED = (
    ("received", _RECEIVED, rules.MIN_ROWS, "requests"),
    ("median_first_response", _FIRST_RESPONSES, rules.MIN_ROWS, "first replies"),
    ("first_response_in_sla", _FIRST_RESPONSES, rules.MIN_ROWS, "first replies"),
    ("handoffs_on_time", _HANDOFFS, rules.MIN_ROWS, "handoffs"),
    ("resolved", _RESOLVED, rules.MIN_ROWS, "requests"),
    ("resolved_in_sla", _RESOLVED, rules.MIN_ROWS, "requests"),
    ("csat", _RATINGS, rules.MIN_ROWS, "ratings"),
    ("survey_gap", _ANSWERS, rules.MIN_ANSWERS, "survey answers"),
)


@dataclass(frozen=True)
class MovedMeasure:
    measure: Measure
    movement: rules.Movement
    basis: str  # what a figure stands on, in words ("ratings")


def adopted_on(procedure: Procedure) -> datetime | None:
    """When the team first adopted the procedure: its first adopting decision (a later
    revision's adoption moves `adopted_at`, not the practice's start)."""
    first = db.session.scalar(
        select(func.min(ReviewRound.decided_at)).where(
            ReviewRound.procedure_id == procedure.id, ReviewRound.status == ADOPTED
        )
    )
    return first or procedure.adopted_at


def measures_moved(
    procedure: Procedure, kind: str = "month", count_: int = 3, now: datetime | None = None
) -> dict:
    now = now or utcnow()
    adopted = adopted_on(procedure)
    window = rules.window(kind, adopted.date(), now.date(), count_)
    periods = window.span
    scope = Scope((procedure.team_id,), function_id=procedure.function_id, now=now)
    bases = list({id(b): b for _, b, _, _ in RELATED}.values())
    prefetch([key for key, *_ in RELATED] + bases, scope, periods)
    before = slice(0, len(window.before))
    after = slice(len(window.before) + 1, None)
    rows = []
    for key, basis, minimum, words in RELATED:
        measure = MEASURES[key]
        values = series(measure, scope, periods).get(procedure.team_id, [None] * len(periods))
        sizes = series(basis, scope, periods).get(procedure.team_id, [0.0] * len(periods))
        points = [rules.Point(v, int(n or 0)) for v, n in zip(values, sizes, strict=True)]
        movement = rules.compare(points[before], points[after], measure.direction, minimum)
        rows.append(MovedMeasure(measure, movement, words))
    return {
        "adopted_at": adopted,
        "window": window,
        "rows": rows,
        "min_rows": rules.MIN_ROWS,
        "min_answers": rules.MIN_ANSWERS,
    }
