"""How an insights measure is computed in SQL: the rows it aggregates, the aggregate
(count, share, average), and one pass that puts each row in its period and takes every
measure's aggregate per owner and period. The measures themselves are in measures.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import and_, case, func, select, text

from ..domain import insights as rules
from ..domain.insights import Period
from ..extensions import db
from ..models import SurveyScore


def moment(day: date) -> datetime:
    """Periods start and end at midnight UTC."""
    return datetime.combine(day, time(), UTC)


def in_period(column, period: Period):
    return and_(column >= moment(period.start), column < moment(period.end))


def without_jit() -> None:
    """PostgreSQL's JIT compiler spends longer compiling these aggregates than running
    them (a year of a team's requests: 1.1 s with it, 0.24 s without); turn it off for the
    rest of this transaction, once."""
    session = db.session()  # the request's Session itself (the scoped proxy lacks the API)
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.info.get("insights_no_jit") is not session.get_transaction():
        session.execute(text("SET LOCAL jit = off"))
        session.info["insights_no_jit"] = session.get_transaction()


def epoch(column):
    """Seconds since 1970 for a stored UTC timestamp, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


@dataclass(frozen=True)
class Rows:
    """The rows a measure aggregates: a table (with its joins), the timestamp that puts a
    row in a period, and the columns that say whose it is (a team; a member)."""

    select_from: Callable[[], object]  # () -> a FROM clause
    dated: object
    team: object
    member: object | None
    where: Callable[[], list] = lambda: []
    # The service function a row is about (a request's, a handoff's), when it has one.
    function: object | None = None


@dataclass(frozen=True)
class Aggregate:
    """SQL columns for one period's rows (given their filter) and how to read them back."""

    columns: Callable[[object], list]
    value: Callable[[Sequence], float | None]


def _where(*conditions):
    present = [c for c in conditions if c is not None]
    return and_(*present) if present else None


def _count(condition):
    return func.count() if condition is None else func.count().filter(condition)


def count(condition=None) -> Aggregate:
    return Aggregate(lambda f: [_count(_where(f, condition))], lambda row: float(row[0] or 0))


def share(good, eligible=None) -> Aggregate:
    """Percent of the eligible rows that are good (None with no eligible rows)."""

    def columns(f):
        base = _where(f, eligible)
        return [_count(_where(base, good)), _count(base)]

    return Aggregate(columns, lambda row: rules.share(row[0] or 0, row[1] or 0))


def average(expression) -> Aggregate:
    def columns(f):
        aggregate = func.avg(expression)
        return [aggregate if f is None else aggregate.filter(f)]

    return Aggregate(columns, lambda row: float(row[0]) if row[0] is not None else None)


@dataclass(frozen=True)
class Measure:
    key: str
    group: str
    label: str
    unit: str  # "requests", "%", "business hours", "days", "/ 5", "points", "accounts"
    direction: str  # the usual good direction, offered when a coach sets a goal
    help: str
    rows: Rows | None = None
    aggregate: Aggregate | None = None
    # Measures that need more than one aggregate (median, backlog age, quiet accounts).
    custom: Callable | None = None
    per_member: bool = False
    # The survey gap may be narrowed to one dimension.
    by_dimension: bool = False
    decimals: int = 1

    # The one place a measure's value becomes text. `format` is a table cell under a header
    # that names the unit (`header_unit`); `quantity` is the value in a sentence, unit and
    # all. A unit the cell already carries (44%, 25 min) is never printed a second time.

    def format(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.unit == "%":
            return f"{value:.0f}%"
        if self.unit in ("requests", "accounts"):
            return f"{value:.0f}"
        if self.unit == "points":
            return f"{value:+.{self.decimals}f}"
        if self.unit == "business hours":
            return _duration(value)
        return f"{value:.{self.decimals}f}"

    @property
    def carries_unit(self) -> bool:
        return self.unit in ("%", "business hours")

    @property
    def header_unit(self) -> str:
        """The unit beside the measure's name in a table; empty when each cell shows it."""
        if self.unit == "business hours":
            return "in business hours"
        return "" if self.carries_unit else self.unit

    def quantity(self, value: float | None) -> str:
        text = self.format(value)
        if value is None or self.carries_unit:
            return text
        return f"{text} {self.unit}"


def _duration(hours: float) -> str:
    """Business time in plain words: 0.0 hours reads as broken, so a reply within the
    minute says so, and under an hour counts minutes."""
    minutes = hours * 60
    if minutes < 1:
        return "under a minute"
    # A no-break space keeps number and unit together in narrow table cells.
    if minutes < 59.5:
        return f"{minutes:.0f}\u00a0min"
    return f"{hours:.1f}\u00a0h"


@dataclass(frozen=True)
class Scope:
    """Whose figures: one or more teams, split by team or by the team's members."""

    team_ids: tuple[int, ...]
    by_member: bool = False
    dimension_id: int | None = None
    # Only rows about this service function (rows with no function are not narrowed).
    function_id: int | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # team id -> accounts with no word for too long, now (from the inbox's query)
    quiet_counts: dict[int, int] | None = None
    # Results already computed for this page (the goals and the tables share them).
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def within_periods(column, periods: Sequence[Period]):
    return and_(column >= moment(periods[0].start), column < moment(periods[-1].end))


def period_bucket(column, periods: Sequence[Period]):
    """Which of `periods` a row falls in (by `column`), as its index."""
    return case(*((in_period(column, p), index) for index, p in enumerate(periods)), else_=None)


def aggregate_together(measures: list[Measure], scope: Scope, periods: Sequence[Period]):
    """Measures over the same rows in one pass: each row is put in its period once (a
    CASE) and every measure's aggregate is taken per (owner, period). Returns measure key ->
    owner -> one value per period."""
    rows = measures[0].rows
    owner = rows.member if scope.by_member else rows.team
    columns, widths = [], []
    for measure in measures:
        aggregate_columns = measure.aggregate.columns(None)
        columns += aggregate_columns
        widths.append(len(aggregate_columns))
    bucket = period_bucket(rows.dated, periods)
    query = (
        select(owner, bucket, *columns)
        .select_from(rows.select_from())
        .where(rows.team.in_(scope.team_ids), within_periods(rows.dated, periods), *rows.where())
        .group_by(owner, bucket)
    )
    if scope.dimension_id and any(m.by_dimension for m in measures):
        query = query.where(SurveyScore.dimension_id == scope.dimension_id)
    if scope.function_id is not None and rows.function is not None:
        query = query.where(rows.function == scope.function_id)
    results: dict[str, dict[int, list]] = {m.key: {} for m in measures}
    for row in db.session.execute(query):
        offset = 2
        for measure, width in zip(measures, widths, strict=True):
            empty = measure.aggregate.value([None] * width)  # 0 for counts, None otherwise
            values = results[measure.key].setdefault(row[0], [empty] * len(periods))
            if row[1] is not None:
                values[int(row[1])] = measure.aggregate.value(row[offset : offset + width])
            offset += width
    return results


def aggregate_one(measure: Measure, scope: Scope, periods: Sequence[Period]):
    return aggregate_together([measure], scope, periods)[measure.key]
