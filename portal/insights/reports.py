"""What the insights pages show, assembled from the measures (never a second definition).

Each function returns plain data for a template and for the CSV export of the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import access, reference
from ..domain import insights as rules
from ..domain import loyalty
from ..domain.insights import Period, period_containing, periods_ending
from ..extensions import db
from ..inbox.queries import quiet_accounts
from ..inbox.queries import quiet_counts as count_quiet
from ..models import (
    Account,
    Goal,
    Membership,
    Rating,
    Request,
    Survey,
    SurveyResponse,
    SurveyScore,
    Team,
    Tier,
    User,
    utcnow,
)
from ..models.request import NEW, OPEN
from ..procedures import stances
from . import internal_checks, services
from .aggregation import Scope, in_period
from .measures import (
    GROUPS,
    MEASURES,
    MEMBER_MEASURES,
    breakdown,
    csat_distribution,
    prefetch,
    series,
)

# How many periods a trend shows: half a year of months, a year of quarters.
TREND_PERIODS = {"month": 6, "quarter": 4}


def current_period(kind: str, now: datetime | None = None) -> Period:
    return period_containing(kind, (now or utcnow()).date())


def quiet_counts(teams: list[Team], now: datetime) -> dict[int, int]:
    """Each team's quiet accounts, counted in one query (none listed: a count names none)."""
    days = current_app.config["QUIET_DAYS"]
    counts = count_quiet([team.id for team in teams], days, now)
    return {team.id: counts.get(team.id, 0) for team in teams}


def team_scope(
    user: User, teams: list[Team], now: datetime, counts: dict[int, int] | None = None, **extra
) -> Scope:
    """`counts`: the teams' quiet-account counts when the caller already has them (the
    query scans every reply of the team, so it runs once a page)."""
    counts = counts if counts is not None else quiet_counts(teams, now)
    return Scope(tuple(t.id for t in teams), now=now, quiet_counts=counts, **extra)


# --- goals --------------------------------------------------------------------------------


@dataclass
class GoalView:
    goal: Goal
    measure: object
    periods: list[Period]
    values: list[float | None]
    current: float | None
    status: str
    trend: str | None
    shown_period: Period  # the current one, or the last one while the current has no data

    @property
    def label(self) -> str:
        if self.goal.dimension is not None:
            return f"{self.measure.label}: {self.goal.dimension.name}"
        return self.measure.label

    @property
    def span_label(self) -> str:
        goal = self.goal
        first = period_containing(goal.period_kind, goal.period_start).label
        last = period_containing(goal.period_kind, goal.period_end - timedelta(days=1)).label
        each = "each month" if goal.period_kind == "month" else "each quarter"
        return f"{each}, {first} to {last}" if first != last else f"in {first}"


def goal_views(user: User, team: Team, now: datetime | None = None, scope: Scope | None = None):
    """The team's goals still running (or ended in the last period), each with its value in
    the current period, the target's status and the trend over the last periods."""
    now = now or utcnow()
    today = now.date()
    goals = db.session.scalars(
        select(Goal)
        .options(joinedload(Goal.dimension))
        .where(Goal.team_id == team.id)
        .order_by(Goal.period_end.desc(), Goal.id)
    ).all()
    scope = scope or team_scope(user, [team], now)
    cache: dict[tuple, dict] = {}
    views = []
    for goal in goals:
        measure = MEASURES.get(goal.measure)
        if measure is None:
            continue
        # The period the goal is watched in now: today's, or its last one if it has ended.
        day = min(today, goal.period_end - timedelta(days=1))
        periods = periods_ending(
            period_containing(goal.period_kind, day), TREND_PERIODS[goal.period_kind]
        )
        key = (goal.measure, goal.period_kind, goal.dimension_id, periods[-1].start)
        if key not in cache:
            narrowed = Scope(
                scope.team_ids,
                dimension_id=goal.dimension_id,
                now=now,
                quiet_counts=scope.quiet_counts,
                memo=scope.memo,
            )
            cache[key] = series(measure, narrowed, periods)
        values = cache[key].get(team.id, [None] * len(periods))
        # Early in a period there may be nothing to measure yet: show the last one's value.
        shown = len(values) - 1
        if values[shown] is None and values[shown - 1] is not None:
            shown -= 1
        current = values[shown]
        views.append(
            GoalView(
                goal,
                measure,
                periods,
                values,
                current,
                rules.goal_status(current, goal.target, goal.direction),
                rules.trend(values[: shown + 1], goal.direction),
                periods[shown],
            )
        )
    return views


# --- the team dashboard -------------------------------------------------------------------


@dataclass
class MeasureRow:
    measure: object
    values: list[float | None]


def measure_table(scope: Scope, owner: int, periods: list[Period], keys=None) -> list[MeasureRow]:
    keys = keys or list(MEASURES)
    prefetch(keys, scope, periods)
    rows = []
    for key in keys:
        measure = MEASURES[key]
        values = series(measure, scope, periods).get(owner, [None] * len(periods))
        rows.append(MeasureRow(measure, values))
    return rows


def grouped(rows: list[MeasureRow]):
    return [(name, [r for r in rows if r.measure.group == key]) for key, name in GROUPS.items()]


def sla_by_tier(scope: Scope, period: Period):
    values = dict(breakdown(MEASURES["resolved_in_sla"], scope, period, Account.tier_id))
    return [(tier.name, values.get(tier.id)) for tier in reference.tiers()]


def volumes_by_function(scope: Scope, period: Period):
    values = dict(breakdown(MEASURES["received"], scope, period, Request.function_id))
    rows = [(f.name, values.get(f.id, 0.0)) for f in reference.functions()]
    if values.get(None):
        rows.append(("Not classified", values[None]))
    return rows


def gap_by_dimension(scope: Scope, period: Period):
    values = dict(breakdown(MEASURES["survey_gap"], scope, period, SurveyScore.dimension_id))
    return [
        (d.name, values.get(d.id))
        for d in services.dimensions(active_only=False)
        if d.active or d.id in values
    ]


def survey_results(team_id: int, day: date | None = None, now: datetime | None = None) -> dict:
    """A team's relationship surveys for the quarter holding `day` (today by default): how
    many answered, and the gap per dimension, as the dashboard draws it."""
    now = now or utcnow()
    period = period_containing("quarter", day or now.date())
    responses = db.session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.team_id == team_id, in_period(SurveyResponse.created_at, period))
    )
    gaps = gap_by_dimension(Scope((team_id,), now=now, quiet_counts={}), period)
    return {"period": period, "responses": responses, "gaps": gaps}


def account_facts(team_ids) -> dict[int, list[loyalty.AccountFacts]]:
    """Team id -> the facts loyalty is measured on, one row per account: one query for
    any number of teams."""
    facts: dict[int, list[loyalty.AccountFacts]] = {}
    rows = db.session.execute(
        select(
            Account.team_id,
            Tier.name,
            Tier.rank,
            Account.active,
            Account.yearly_revenue,
            Account.customer_since,
        )
        .join(Tier, Tier.id == Account.tier_id)
        .where(Account.team_id.in_(team_ids))
    )
    for team_id, *row in rows:
        facts.setdefault(team_id, []).append(loyalty.AccountFacts(*row))
    return facts


def loyalty_of(team: Team, period: Period, now: datetime) -> dict:
    """Retention a year on, revenue by tier, and each tier's gap now and a quarter before
    (by the tier the account has now)."""
    facts = account_facts([team.id]).get(team.id, [])
    shares = loyalty.revenue_by_tier(facts)
    return {
        "retention": loyalty.retention(facts, now.date()),
        "shares": shares,
        "gaps": loyalty.gap_moves(
            [s.tier for s in shares],
            _gap_by_tier(team.id, period.previous()),
            _gap_by_tier(team.id, period),
        ),
        "previous": period.previous(),
    }


def _gap_by_tier(team_id: int, period: Period) -> dict[str, float]:
    rows = db.session.execute(
        select(Tier.name, func.avg(SurveyScore.perception - SurveyScore.expectation))
        .select_from(SurveyScore)
        .join(SurveyResponse, SurveyResponse.id == SurveyScore.response_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Account, Account.id == Survey.account_id)
        .join(Tier, Tier.id == Account.tier_id)
        .where(SurveyResponse.team_id == team_id, in_period(SurveyResponse.created_at, period))
        .group_by(Tier.name)
    )
    return {name: float(gap) for name, gap in rows}


def dashboard(user: User, team: Team, kind: str = "month", now: datetime | None = None):
    now = now or utcnow()
    scope = team_scope(user, [team], now)
    period = current_period(kind, now)
    periods = periods_ending(period, TREND_PERIODS[kind])
    survey_period = current_period("quarter", now)  # surveys are sparse: a quarter's answers
    table = grouped(measure_table(scope, team.id, periods))  # first: the goals reuse it
    return {
        "period": period,
        "periods": periods,
        "goals": goal_views(user, team, now, scope),
        "table": table,
        "sla_by_tier": sla_by_tier(scope, period),
        "gap_by_dimension": gap_by_dimension(scope, survey_period),
        "survey_period": survey_period,
        "csat": csat_distribution(scope, period),
        "volumes": volumes_by_function(scope, period),
        "loyalty": loyalty_of(team, survey_period, now),
    }


# --- per member ---------------------------------------------------------------------------


def members(team: Team) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id == team.id)
            .order_by(User.name)
        )
    )


def member_table(team: Team, kind: str = "month", now: datetime | None = None):
    """Every member's measures for the current period: one query per measure."""
    now = now or utcnow()
    period = current_period(kind, now)
    scope = Scope((team.id,), by_member=True, now=now)
    people = members(team)
    columns = [MEASURES[key] for key in MEMBER_MEASURES]
    prefetch(MEMBER_MEASURES, scope, [period])
    values = {key: series(MEASURES[key], scope, [period]) for key in MEMBER_MEASURES}
    rows = [
        (person, [values[key].get(person.id, [None])[0] for key in MEMBER_MEASURES])
        for person in people
    ]
    return {"period": period, "columns": columns, "rows": rows}


def member_detail(team: Team, member: User, kind: str = "month", now: datetime | None = None):
    now = now or utcnow()
    period = current_period(kind, now)
    periods = periods_ending(period, TREND_PERIODS[kind])
    scope = Scope((team.id,), by_member=True, now=now)
    return {
        "period": period,
        "periods": periods,
        "rows": measure_table(scope, member.id, periods, MEMBER_MEASURES),
        "checks": internal_checks.recent_checks(team, member.id),
    }


# --- the weekly team review ---------------------------------------------------------------

REVIEW_DAYS = 7
COMMENTS_SHOWN = 50  # the rest are on each round's page


def weekly_review(user: User, team: Team, now: datetime | None = None):
    now = now or utcnow()
    since = now - timedelta(days=REVIEW_DAYS)
    needing_attention = db.session.scalars(
        access.requests_visible_to(user)
        .options(joinedload(Request.account).joinedload(Account.tier), joinedload(Request.assignee))
        .where(
            Request.team_id == team.id,
            Request.status.in_((NEW, OPEN)),
            Request.next_at_risk_at <= now,
        )
        .order_by(Request.next_due_at, Request.id)
        .limit(100)
    ).all()
    low_ratings = db.session.execute(
        select(Rating, Request)
        .join(Request, Request.id == Rating.request_id)
        .options(joinedload(Rating.contact))
        .where(
            Request.team_id == team.id,
            Rating.updated_at >= since,
            Rating.score <= rules.LOW_CSAT,
        )
        .order_by(Rating.score, Rating.updated_at.desc())
        .limit(50)
    ).all()
    quiet = quiet_accounts(user, team, current_app.config["QUIET_DAYS"], now)
    scope = team_scope(user, [team], now, counts={team.id: len(quiet)})
    survey_period = current_period("quarter", now)
    gaps = [
        (name, value)
        for name, value in gap_by_dimension(scope, survey_period)
        if value is not None and value < 0
    ]
    goals = [g for g in goal_views(user, team, now, scope) if g.status == rules.OFF_TRACK]
    return {
        "since": since,
        "now": now,
        "attention": needing_attention,
        "quiet": quiet,
        "low_ratings": low_ratings,
        "gaps": sorted(gaps, key=lambda row: row[1]),
        "survey_period": survey_period,
        "goals_off_track": goals,
        "quiet_days": current_app.config["QUIET_DAYS"],
        "unanswered_comments": stances.unanswered_comments(team, limit=COMMENTS_SHOWN),
        "comments_shown": COMMENTS_SHOWN,
    }
