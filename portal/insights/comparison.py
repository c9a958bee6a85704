"""Teams side by side, so winning practices show and spread: every team's measures for a
period, grouped as inputs, processes, outputs and results, the previous period beside them,
retention a year on, and the satisfaction gap by dimension.

Aggregate figures only: a coach sees other teams' numbers, never their requests, accounts or
people. Every figure is the measure the dashboard shows (measures.py), computed for all teams
at once, one query per set of rows, so the page costs the same for 2 teams or 40.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import access
from ..domain import insights as rules
from ..domain import loyalty
from ..extensions import db
from ..inbox.queries import quiet_counts
from ..models import SurveyScore, Team, User, utcnow
from . import services
from .aggregation import Scope
from .measures import GROUPS, MEASURES, RESULTS, breakdown, prefetch, series
from .reports import account_facts, current_period


@dataclass(frozen=True)
class TeamFigures:
    team: Team
    mine: bool  # the person belongs to the team: its name links to its dashboard
    values: dict[str, list[float | None]]  # measure key -> [previous period, this period]
    leads: frozenset[str]  # the measures on which the team leads this period
    retention: loyalty.Retention
    gaps: dict[int, float]  # dimension id -> gap in the survey period


def columns() -> list[tuple[str, str, list]]:
    """(group key, group name, its measures), in the dashboard's order."""
    return [
        (key, name, [m for m in MEASURES.values() if m.group == key])
        for key, name in GROUPS.items()
    ]


def side_by_side(user: User, kind: str = "month", now: datetime | None = None) -> dict:
    now = now or utcnow()
    mine = set(access.team_ids_of(user))
    teams = sorted(
        db.session.scalars(select(Team)).all(), key=lambda t: (t.id not in mine, t.name.lower())
    )
    team_ids = tuple(t.id for t in teams)
    quiet = quiet_counts(team_ids, current_app.config["QUIET_DAYS"], now)
    scope = Scope(team_ids, now=now, quiet_counts=quiet)
    period = current_period(kind, now)
    periods = [period.previous(), period]
    prefetch(MEASURES, scope, periods)
    values = {key: series(measure, scope, periods) for key, measure in MEASURES.items()}
    survey_period = current_period("quarter", now)
    gaps: dict[int, dict[int, float]] = {}
    for team_id, dimension_id, gap in breakdown(
        MEASURES["survey_gap"], scope, survey_period, SurveyScore.dimension_id, by_team=True
    ):
        if gap is not None:
            gaps.setdefault(team_id, {})[dimension_id] = gap
    leads = {
        key: rules.best_of(
            {t: found.get(t, [None, None])[1] for t in team_ids}, MEASURES[key].direction
        )
        for key, found in values.items()
    }
    facts = account_facts(team_ids)
    rows = [
        TeamFigures(
            team,
            team.id in mine,
            {key: found.get(team.id, [None, None]) for key, found in values.items()},
            frozenset(key for key, owners in leads.items() if team.id in owners),
            loyalty.retention(facts.get(team.id, []), now.date()),
            gaps.get(team.id, {}),
        )
        for team in teams
    ]
    return {
        "period": period,
        "previous": periods[0],
        "columns": columns(),
        "results": RESULTS,
        "rows": rows,
        "dimensions": services.dimensions(),
        "survey_period": survey_period,
    }
