"""Internal checks: a coach's review of a sample of the team's resolved requests against
what matters most to customers. The sample is drawn once a week; each check is recorded
once and feeds the member's measures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..domain import insights as rules
from ..domain.insights import InsightError, period_containing
from ..extensions import db
from ..models import (
    InternalCheck,
    InternalCheckPoint,
    Request,
    SurveyScore,
    Team,
    User,
    utcnow,
)
from ..models.request import CLOSED, RESOLVED
from . import services
from .aggregation import Scope
from .measures import MEASURES, breakdown

CHECKLIST = {
    "answered_question": "Answered the actual question",
    "correct": "Correct and complete",
    "kept_informed": "Kept the customer informed",
    "tone": "Tone: friendly, plain, respectful",
}


@dataclass(frozen=True)
class Point:
    """A point asked besides CHECKLIST: a dimension the team's customers rate worst."""

    dimension_id: int
    name: str
    label: str
    gap: float

    @property
    def field(self) -> str:
        return f"dimension_{self.dimension_id}"


def worst_rated_points(team: Team, now: datetime | None = None) -> list[Point]:
    """The checklist's extra points for the team: the survey dimensions its customers rate
    worst this quarter (rules.worst_dimensions), from the dashboard's gap by dimension."""
    now = now or utcnow()
    quarter = period_containing("quarter", now.date())
    gaps = dict(
        breakdown(
            MEASURES["survey_gap"], Scope((team.id,), now=now), quarter, SurveyScore.dimension_id
        )
    )
    if not gaps:
        return []  # no answers this quarter: nothing more to ask (and no dimensions to read)
    found = [
        rules.DimensionGap(d.id, d.name, gaps.get(d.id))
        for d in services.dimensions(active_only=False)
    ]
    return [
        Point(d.dimension_id, d.name, rules.worst_dimension_label(d), d.gap)
        for d in rules.worst_dimensions(found)
    ]


@dataclass(frozen=True)
class SampleWeek:
    """The week a sample of internal checks belongs to, from Monday (UTC), and the days
    its requests were resolved on."""

    start: date
    days: int = 30

    @property
    def resolved_from(self) -> date:
        return self.start - timedelta(days=self.days)

    @property
    def resolved_until(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def next_start(self) -> date:
        return self.start + timedelta(days=7)


def sample_week(now: datetime | None = None, days: int = 30) -> SampleWeek:
    today = (now or utcnow()).date()
    return SampleWeek(today - timedelta(days=today.weekday()), days)


def check_sample(team: Team, size: int = 5, days: int = 30, now: datetime | None = None):
    """This week's sample of the team's resolved requests, drawn once per week: the same
    requests on every load, so a coach can come back to it. It is drawn from the requests
    resolved in the `days` before the week began, which do not change during the week, in
    an order seeded by the team and the week; requests checked since drop out of the list
    without another taking their place. Requests reopened since are not offered."""
    week = sample_week(now, days)
    start = datetime.combine(week.start, datetime.min.time(), UTC)
    candidates = db.session.scalars(
        select(Request.id).where(
            Request.team_id == team.id,
            Request.merged_into_id.is_(None),
            Request.resolved_at >= start - timedelta(days=days),
            Request.resolved_at < start,
        )
    ).all()
    chosen = sorted(candidates, key=lambda id_: _draw(team.id, week.start, id_))[:size]
    checked = select(InternalCheck.request_id).where(InternalCheck.request_id.in_(chosen))
    return db.session.scalars(
        select(Request)
        .options(joinedload(Request.assignee))
        .where(
            Request.id.in_(chosen),
            Request.status.in_((RESOLVED, CLOSED)),
            Request.id.not_in(checked),
        )
        .order_by(Request.resolved_at.desc(), Request.id)
    ).all()


def _draw(team_id: int, week: date, request_id: int) -> bytes:
    """A request's place in the team's draw for the week: stable, and unrelated to the
    order requests were raised or resolved in."""
    return hashlib.sha256(f"{team_id}:{week.isoformat()}:{request_id}".encode()).digest()


def record_check(
    actor: User,
    team: Team,
    request: Request,
    marks: dict[str, bool],
    note: str,
    points: list[Point] | None = None,
):
    """`marks`: each CHECKLIST key, and each point's field, to whether it passed."""
    if request.team_id != team.id:
        raise InsightError("That request is not in this team's inbox.")
    if request.status not in (RESOLVED, CLOSED):
        raise InsightError("Only a resolved request can be checked.")
    exists = db.session.scalar(
        select(InternalCheck.id).where(InternalCheck.request_id == request.id)
    )
    if exists is not None:
        raise InsightError(f"{request.reference} has already been checked.")
    values = {key: bool(marks.get(key)) for key in CHECKLIST}
    asked_points = [
        InternalCheckPoint(
            dimension_id=p.dimension_id, label=p.label, gap=p.gap, passed=bool(marks.get(p.field))
        )
        for p in points or []
    ]
    check = InternalCheck(
        request_id=request.id,
        team_id=team.id,
        member_id=request.assignee_id,
        reviewer_id=actor.id,
        passed=all(values.values()) and all(p.passed for p in asked_points),
        note=note.strip()[:2000],
        points=asked_points,
        **values,
    )
    db.session.add(check)
    db.session.flush()
    audit.record(actor, "check.recorded", check, request=request.id, passed=check.passed)
    return check


def recent_checks(team: Team, member_id: int | None = None, limit: int = 20):
    query = (
        select(InternalCheck)
        .options(
            joinedload(InternalCheck.request),
            joinedload(InternalCheck.member),
            joinedload(InternalCheck.reviewer),
            selectinload(InternalCheck.points),
        )
        .where(InternalCheck.team_id == team.id)
        .order_by(InternalCheck.created_at.desc(), InternalCheck.id.desc())
        .limit(limit)
    )
    if member_id is not None:
        query = query.where(InternalCheck.member_id == member_id)
    return db.session.scalars(query).all()
