"""What the staff account page shows besides its contacts: the account's requests, its CSAT,
its latest survey's satisfaction gap, and who of its contacts is in the reference group.

Every list is narrowed to this account, and requests also by the one visibility rule
(`access.requests_visible_to`); the figures are the insights measures themselves, narrowed
to the account (`breakdown`, `csat_distribution`): no second definition of a measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, select
from sqlalchemy.orm import joinedload

from .. import access
from ..domain.insights import Period
from ..extensions import db
from ..insights import services as insights
from ..insights.aggregation import Scope
from ..insights.measures import MEASURES, breakdown, csat_distribution
from ..models import (
    OPEN_STATUSES,
    Account,
    ReferenceMembership,
    Request,
    Survey,
    SurveyResponse,
    SurveyScore,
    User,
)

REQUESTS_SHOWN = 10
CSAT_DAYS = 90


def account_requests(user: User, account: Account, limit: int = REQUESTS_SHOWN):
    """The account's latest requests this person may see, open ones first."""
    still_open = case((Request.status.in_(OPEN_STATUSES), 0), else_=1)
    return list(
        db.session.scalars(
            access.requests_visible_to(user)
            .options(joinedload(Request.assignee), joinedload(Request.requester))
            .where(Request.account_id == account.id, Request.merged_into_id.is_(None))
            .order_by(still_open, Request.last_activity_at.desc(), Request.id.desc())
            .limit(limit)
        )
    )


def _days(now: datetime, days: int) -> Period:
    """The last `days` days up to the end of today (UTC), as a period the measures read."""
    today = now.date()
    return Period("days", today - timedelta(days=days - 1), today + timedelta(days=1))


@dataclass(frozen=True)
class Csat:
    average: float | None
    ratings: int
    days: int

    @property
    def text(self) -> str:
        return MEASURES["csat"].format(self.average)


def account_csat(account: Account, now: datetime, days: int = CSAT_DAYS) -> Csat:
    """The `csat` measure over the account's requests the team resolved in the last days."""
    scope, period = Scope((account.team_id,), now=now), _days(now, days)
    mine = Request.account_id == account.id
    values = dict(breakdown(MEASURES["csat"], scope, period, Request.account_id, mine))
    ratings = sum(csat_distribution(scope, period, mine).values())
    return Csat(values.get(account.id), ratings, days)


@dataclass(frozen=True)
class SurveyGap:
    survey: Survey
    answers: int
    dimensions: list[tuple[str, float]]  # (dimension, gap), in the survey's order

    def text(self, value: float) -> str:
        return MEASURES["survey_gap"].format(value)


def latest_gap(account: Account, now: datetime) -> SurveyGap | None:
    """The `survey_gap` measure, per dimension, over the answers to the account's latest
    answered survey from its team; None when no survey of it has an answer."""
    answered = exists().where(SurveyResponse.survey_id == Survey.id)
    survey = db.session.scalar(
        select(Survey)
        .where(Survey.account_id == account.id, Survey.team_id == account.team_id, answered)
        .order_by(Survey.sent_at.desc(), Survey.id.desc())
        .limit(1)
    )
    if survey is None:
        return None
    # From the day it was sent to today: every answer it can have.
    period = Period("survey", survey.sent_at.date(), now.date() + timedelta(days=1))
    values = dict(
        breakdown(
            MEASURES["survey_gap"],
            Scope((survey.team_id,), now=now),
            period,
            SurveyScore.dimension_id,
            SurveyResponse.survey_id == survey.id,
        )
    )
    answers = db.session.scalar(
        select(db.func.count()).where(SurveyResponse.survey_id == survey.id)
    )
    names = [
        (d.name, values[d.id]) for d in insights.dimensions(active_only=False) if d.id in values
    ]
    return SurveyGap(survey, answers or 0, names)


def reference_members(account: Account) -> set[int]:
    """Ids of the account's people now in its team's reference group."""
    return set(
        db.session.scalars(
            select(ReferenceMembership.user_id).where(
                ReferenceMembership.team_id == account.team_id,
                ReferenceMembership.account_id == account.id,
                ReferenceMembership.left_at.is_(None),
            )
        )
    )
