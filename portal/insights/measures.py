"""Every insights measure, defined once, computed by SQL aggregation.

Goals, the team dashboard, teams side by side, a procedure's before and after, per-member
measures, the weekly review and the CSV exports all read these functions: there is no
second definition of a measure anywhere. Each measure is one aggregate over one set of rows
("requests received", "handoffs completed", ...), evaluated for several periods and several
teams (or members) in one query with filtered aggregates, so a page costs the same with 200
or 200,000 requests. The rules (shares, medians, gaps, expectations met) match
portal/domain/insights.py; the tests check they agree on hand-computed data.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, func, literal, or_, select, union_all

from ..domain import insights as rules
from ..domain.insights import AT_LEAST, AT_MOST, Period
from ..extensions import db
from ..models import (
    HANDOFF_CANCELLED,
    HANDOFF_DONE,
    Account,
    Handoff,
    InternalCheck,
    Rating,
    Request,
    SurveyResponse,
    SurveyScore,
)
from .aggregation import (
    Measure,
    Rows,
    Scope,
    aggregate_one,
    aggregate_together,
    average,
    count,
    epoch,
    in_period,
    moment,
    period_bucket,
    share,
    within_periods,
    without_jit,
)

INPUTS, PROCESSES, OUTPUTS, RESULTS = "inputs", "processes", "outputs", "results"
GROUPS = {
    INPUTS: "Inputs",
    PROCESSES: "Processes",
    OUTPUTS: "Outputs",
    RESULTS: "Results",
}


REQUESTS_RECEIVED = Rows(
    lambda: Request,
    Request.created_at,
    Request.team_id,
    Request.assignee_id,
    function=Request.function_id,
)
# Resolved requests with their rating, if any: an outer join (a request has at most one
# rating), so counts of requests stay counts of requests and CSAT is the average of the
# ratings of the period's resolved requests.
REQUESTS_RESOLVED = Rows(
    lambda: Request.__table__.outerjoin(Rating.__table__, Rating.request_id == Request.id),
    Request.resolved_at,
    Request.team_id,
    Request.assignee_id,
    lambda: [Request.merged_into_id.is_(None)],
    function=Request.function_id,
)
FIRST_RESPONSES = Rows(
    lambda: Request,
    Request.first_response_at,
    Request.team_id,
    Request.assignee_id,
    function=Request.function_id,
)
HANDOFFS_DONE = Rows(
    lambda: Handoff.__table__.join(Request.__table__, Request.id == Handoff.request_id),
    Handoff.completed_at,
    Request.team_id,
    Handoff.owner_id,
    lambda: [Handoff.status == HANDOFF_DONE],
    function=Handoff.function_id,
)
CHECKS_BY_MEMBER = Rows(
    lambda: InternalCheck, InternalCheck.created_at, InternalCheck.team_id, InternalCheck.member_id
)
GAP_SCORES = Rows(
    lambda: SurveyScore.__table__.join(
        SurveyResponse.__table__, SurveyResponse.id == SurveyScore.response_id
    ),
    SurveyResponse.created_at,
    SurveyResponse.team_id,
    None,
)


def _median_first_response(measure: Measure, scope: Scope, periods: Sequence[Period]):
    """Median business hours to the first reply, per period: the middle row(s) of each
    (owner, period) partition, found by window functions in one query."""
    key = Request.assignee_id if scope.by_member else Request.team_id
    bucket = period_bucket(Request.first_response_at, periods)
    partition = (key, bucket)
    ranked = (
        select(
            key.label("owner"),
            bucket.label("bucket"),
            Request.first_response_minutes.label("minutes"),
            func.row_number()
            .over(partition_by=partition, order_by=Request.first_response_minutes)
            .label("rank"),
            func.count().over(partition_by=partition).label("size"),
        )
        .where(
            Request.team_id.in_(scope.team_ids),
            within_periods(Request.first_response_at, periods),
            Request.first_response_minutes.is_not(None),
            *([Request.function_id == scope.function_id] if scope.function_id is not None else []),
        )
        .subquery()
    )
    middle = or_(ranked.c.rank == (ranked.c.size + 1) // 2, ranked.c.rank == ranked.c.size // 2 + 1)
    query = (
        select(ranked.c.owner, ranked.c.bucket, func.avg(ranked.c.minutes))
        .where(middle)
        .group_by(ranked.c.owner, ranked.c.bucket)
    )
    result: dict[int, list] = {}
    for owner, index, minutes in db.session.execute(query):
        values = result.setdefault(owner, [None] * len(periods))
        values[int(index)] = float(minutes) / 60.0
    return result


def _backlog_age(measure: Measure, scope: Scope, periods: Sequence[Period]):
    """Average age, in days, of the requests still open when each period ended (or now,
    for the period under way)."""
    owner = Request.assignee_id if scope.by_member else Request.team_id
    ends = [min(moment(p.end), scope.now) for p in periods]
    # The candidates, each found through the (team, resolved) index: still open, or resolved
    # after the first period began.
    common = (
        Request.team_id.in_(scope.team_ids),
        Request.created_at < moment(periods[-1].end),
        Request.merged_into_id.is_(None),
    )
    candidates = union_all(
        select(owner.label("owner"), Request.created_at, Request.resolved_at).where(
            Request.resolved_at.is_(None), *common
        ),
        select(owner.label("owner"), Request.created_at, Request.resolved_at).where(
            Request.resolved_at >= moment(periods[0].start), *common
        ),
    ).subquery()
    created = epoch(candidates.c.created_at)
    columns = []
    for end in ends:
        at = literal(end, Request.created_at.type)
        open_then = and_(
            candidates.c.created_at < at,
            or_(candidates.c.resolved_at.is_(None), candidates.c.resolved_at >= at),
        )
        columns.append(func.avg(created).filter(open_then))
    query = select(candidates.c.owner, *columns).group_by(candidates.c.owner)
    result = {}
    for row in db.session.execute(query):
        result[row[0]] = [
            None if value is None else max(0.0, (end.timestamp() - float(value)) / 86400.0)
            for end, value in zip(ends, row[1:], strict=True)
        ]
    return result


def _quiet_accounts(measure: Measure, scope: Scope, periods: Sequence[Period]):
    """Only known now (the inbox's Quiet accounts query): the period under way gets it."""
    counts = scope.quiet_counts or {}
    today = scope.now.date()
    return {
        team_id: [float(counts[team_id]) if p.contains(today) else None for p in periods]
        for team_id in scope.team_ids
        if team_id in counts
    }


# A resolved request met its expectation when resolved by the customer's "by when" (if
# given) and rated 4 or 5 (if rated); with neither it says nothing (rules.expectation_met).
_rated = Rating.score  # from REQUESTS_RESOLVED's outer join
_on_time = or_(Request.expected_by.is_(None), func.date(Request.resolved_at) <= Request.expected_by)
_liked = or_(_rated.is_(None), _rated >= rules.GOOD_CSAT)
_has_expectation = or_(Request.expected_by.is_not(None), _rated.is_not(None))
_handed_off = exists().where(Handoff.request_id == Request.id, Handoff.status != HANDOFF_CANCELLED)


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "received",
            INPUTS,
            "Requests received",
            "requests",
            AT_MOST,
            "New requests raised in the period.",
            REQUESTS_RECEIVED,
            count(),
        ),
        Measure(
            "chase_share",
            INPUTS,
            "Requests chased",
            "%",
            AT_MOST,
            "Share of the period's new requests the customer had to chase.",
            REQUESTS_RECEIVED,
            share(Request.chase_count > 0),
        ),
        Measure(
            "median_first_response",
            PROCESSES,
            "Median first response",
            "business hours",
            AT_MOST,
            "Middle time to the first reply, in business hours, waiting on the customer left out.",
            custom=_median_first_response,
            per_member=True,
        ),
        Measure(
            "first_response_in_sla",
            PROCESSES,
            "First responses within service level",
            "%",
            AT_LEAST,
            "Share of first replies sent by their service-level due time.",
            FIRST_RESPONSES,
            share(
                Request.first_response_at <= Request.first_response_due_at,
                Request.first_response_due_at.is_not(None),
            ),
            per_member=True,
        ),
        Measure(
            "handoffs_on_time",
            PROCESSES,
            "Handoffs done on time",
            "%",
            AT_LEAST,
            "Share of handoffs completed by their due time.",
            HANDOFFS_DONE,
            share(Handoff.completed_at <= Handoff.due_at, Handoff.due_at.is_not(None)),
            per_member=True,
        ),
        Measure(
            "resolved_without_handoff",
            PROCESSES,
            "Resolved without a handoff",
            "%",
            AT_LEAST,
            "Share of resolved requests the team settled on its own.",
            REQUESTS_RESOLVED,
            share(~_handed_off),
        ),
        Measure(
            "checks_passed",
            PROCESSES,
            "Internal checks passed",
            "%",
            AT_LEAST,
            "Share of the coach's internal checks where every point passed.",
            CHECKS_BY_MEMBER,
            share(InternalCheck.passed.is_(True)),
            per_member=True,
        ),
        Measure(
            "resolved",
            OUTPUTS,
            "Requests resolved",
            "requests",
            AT_LEAST,
            "Requests resolved in the period.",
            REQUESTS_RESOLVED,
            count(),
            per_member=True,
        ),
        Measure(
            "resolved_in_sla",
            OUTPUTS,
            "Resolved within service level",
            "%",
            AT_LEAST,
            "Share of resolved requests resolved by their service-level due time.",
            REQUESTS_RESOLVED,
            share(
                Request.resolved_at <= Request.resolution_due_at,
                Request.resolution_due_at.is_not(None),
            ),
        ),
        Measure(
            "backlog_age",
            OUTPUTS,
            "Backlog age",
            "days",
            AT_MOST,
            "Average age of the requests still open at the end of the period.",
            custom=_backlog_age,
        ),
        Measure(
            "csat",
            RESULTS,
            "CSAT average",
            "/ 5",
            AT_LEAST,
            "Average rating (1-5) given in the period.",
            REQUESTS_RESOLVED,
            average(Rating.score),
            per_member=True,
            decimals=2,
        ),
        Measure(
            "survey_gap",
            RESULTS,
            "Satisfaction gap",
            "points",
            AT_LEAST,
            "Perception minus expectation (1-7 scale) in the period's survey answers; "
            "below zero, service falls short.",
            GAP_SCORES,
            average(SurveyScore.perception - SurveyScore.expectation),
            by_dimension=True,
            decimals=2,
        ),
        Measure(
            "expectations_met",
            RESULTS,
            "Expectations met",
            "%",
            AT_LEAST,
            "Share of resolved requests done by the customer's 'by when' and rated 4 or 5 "
            "(requests with neither are not counted).",
            REQUESTS_RESOLVED,
            share(and_(_on_time, _liked), _has_expectation),
        ),
        Measure(
            "quiet_accounts",
            RESULTS,
            "Quiet accounts",
            "accounts",
            AT_MOST,
            "Accounts with no word from the team for too long (as in the inbox).",
            custom=_quiet_accounts,
            decimals=0,
        ),
    )
}

MEMBER_MEASURES = tuple(key for key, m in MEASURES.items() if m.per_member)


def series(measure: Measure, scope: Scope, periods: Sequence[Period]) -> dict[int, list]:
    """owner id (team, or member with `scope.by_member`) -> one value per period; owners
    with no rows at all are missing."""
    if scope.by_member and not measure.per_member:
        raise ValueError(f"{measure.key} is not measured per member")
    key = _memo_key(measure, scope, periods)
    if key not in scope.memo:
        without_jit()
        compute = measure.custom or aggregate_one
        scope.memo[key] = compute(measure, scope, periods)
    return scope.memo[key]


def _memo_key(measure: Measure, scope: Scope, periods: Sequence[Period]) -> tuple:
    return (
        measure.key,
        scope.team_ids,
        scope.by_member,
        scope.dimension_id,
        scope.function_id,
        tuple(periods),
    )


def prefetch(keys, scope: Scope, periods: Sequence[Period]) -> None:
    """Compute, one query per set of rows, the measures among `keys` (keys of MEASURES,
    or Measure objects) a page is about to show, so `series` finds them computed (received
    and chases together; every measure of resolved requests together...)."""
    groups: dict[int, list[Measure]] = {}
    for key in keys:
        measure = key if isinstance(key, Measure) else MEASURES[key]
        if measure.custom or (scope.by_member and not measure.per_member):
            continue
        if _memo_key(measure, scope, periods) not in scope.memo:
            groups.setdefault(id(measure.rows), []).append(measure)
    if groups:
        without_jit()
    for measures in groups.values():
        by_key = {m.key: m for m in measures}
        for key, result in aggregate_together(measures, scope, periods).items():
            scope.memo[_memo_key(by_key[key], scope, periods)] = result


def value(measure: Measure, scope: Scope, period: Period, owner: int) -> float | None:
    return series(measure, scope, [period]).get(owner, [None])[0]


# --- breakdowns for the dashboard: the same rows and aggregates, grouped ------------------


def breakdown(
    measure: Measure, scope: Scope, period: Period, group_by, *where, by_team: bool = False
) -> list[tuple]:
    """(group value, measure value) for the scope's teams together and one period, grouped
    by `group_by` (a column reachable from the measure's rows, e.g. Request.function_id);
    `where` narrows the rows further (one account's requests, one survey's answers).
    `by_team` splits it by team too, in the same query: (team id, group value, value)."""
    without_jit()
    rows = measure.rows
    keys = (rows.team, group_by) if by_team else (group_by,)
    columns = measure.aggregate.columns(in_period(rows.dated, period))
    query = select(*keys, *columns).select_from(rows.select_from())
    if group_by.table is Account.__table__:
        query = query.join(Account, Account.id == Request.account_id)
    query = query.where(
        rows.team.in_(scope.team_ids), in_period(rows.dated, period), *rows.where(), *where
    ).group_by(*keys)
    width = len(keys)
    return [
        (*row[:width], measure.aggregate.value(row[width:])) for row in db.session.execute(query)
    ]


def csat_distribution(scope: Scope, period: Period, *where) -> dict[int, int]:
    """How many ratings of each score (1-5) the period's resolved requests got: the rows
    the `csat` measure averages (`where` narrows them, as in `breakdown`)."""
    rows = MEASURES["csat"].rows
    query = (
        select(Rating.score, func.count())
        .select_from(rows.select_from())
        .where(
            rows.team.in_(scope.team_ids),
            in_period(rows.dated, period),
            Rating.score.is_not(None),
            *rows.where(),
            *where,
        )
        .group_by(Rating.score)
    )
    found = dict(db.session.execute(query).all())
    return {score: found.get(score, 0) for score in range(1, 6)}
