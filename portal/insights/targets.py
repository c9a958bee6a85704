"""Members' own targets: a coach sets one for a member on a per-member measure for a month or
a quarter; the member page shows the member's figure against it, the team goal on the same
measure it rolls up to, and the team's figure. Only that member and the team's coaches (and
admins) open a member page (views.member), so only they see the targets.

The figures come from portal/insights/measures.py, the same definitions the goals and the
per-member table use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, reference
from ..domain import insights as rules
from ..domain import member_targets
from ..domain.insights import InsightError, Period, period_containing
from ..extensions import db
from ..models import Goal, MemberTarget, Team, User, utcnow
from ..reader_zone import team_today
from .aggregation import Scope
from .measures import MEASURES, MEMBER_MEASURES, series

SHOWN = 24  # the member's latest targets; older ones are in the audit log


def measure_choices() -> list[tuple[str, str]]:
    return [(key, f"{MEASURES[key].label} ({MEASURES[key].unit})") for key in MEMBER_MEASURES]


def create_target(
    actor: User,
    team: Team,
    member: User,
    *,
    measure: str,
    period_kind: str,
    month: date | None,
    target: float | None,
    direction: str | None,
    note: str = "",
) -> MemberTarget:
    if not reference.is_active_member(member, team.id):
        raise InsightError("Targets are for active members of the team.", "measure")
    if measure not in MEMBER_MEASURES:
        raise InsightError("Choose a measure from the list.", "measure")
    direction = member_targets.direction_for(direction, MEASURES[measure].direction)
    value = rules.check_target(target)
    period = member_targets.target_period(period_kind, month, team_today(team))
    clash = db.session.scalar(
        select(MemberTarget.id).where(
            MemberTarget.team_id == team.id,
            MemberTarget.member_id == member.id,
            MemberTarget.measure == measure,
            MemberTarget.period_kind == period.kind,
            MemberTarget.period_start == period.start,
        )
    )
    taken = InsightError(
        f"{member.name} already has a target on this measure for {period.label}: remove it first.",
        "measure",
    )
    if clash is not None:
        raise taken
    row = MemberTarget(
        team_id=team.id,
        member_id=member.id,
        measure=measure,
        period_kind=period.kind,
        period_start=period.start,
        target=value,
        direction=direction,
        note=note.strip()[:500],
        created_by_id=actor.id,
    )
    try:  # the coach's other tab may have set it since we looked
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise taken from None
    audit.record(
        actor,
        "target.created",
        row,
        team_id=team.id,
        member_id=member.id,
        measure=measure,
        period=period.label,
        target=value,
    )
    return row


def delete_target(actor: User, row: MemberTarget) -> None:
    audit.record(
        actor,
        "target.deleted",
        row,
        member_id=row.member_id,
        measure=row.measure,
        target=row.target,
    )
    db.session.delete(row)
    db.session.flush()


@dataclass
class TargetView:
    target: MemberTarget
    measure: object
    period: Period
    actual: float | None
    status: str
    team_value: float | None
    goals: list  # (goal, status of the team's figure against it)

    @property
    def direction_words(self) -> str:
        return "at least" if self.target.direction == rules.AT_LEAST else "at most"


def for_member(team: Team, member: User, now: datetime | None = None) -> list[TargetView]:
    """The member's latest targets in the team, each with their figure in its period, the
    team's figure and the team goals it rolls up to: a query per measure and period."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(MemberTarget)
        .where(MemberTarget.team_id == team.id, MemberTarget.member_id == member.id)
        .order_by(MemberTarget.period_start.desc(), MemberTarget.id)
        .limit(SHOWN)
    ).all()
    if not rows:
        return []
    goals = db.session.scalars(
        select(Goal).where(Goal.team_id == team.id, Goal.measure.in_({r.measure for r in rows}))
    ).all()
    spans = [member_targets.GoalSpan(g.id, g.measure, g.period_start, g.period_end) for g in goals]
    by_id = {g.id: g for g in goals}
    people = Scope((team.id,), by_member=True, now=now)
    whole = Scope((team.id,), now=now, quiet_counts={})
    # One query per measure and kind of period for the member, one for the team: each
    # measure's periods together, whatever the number of targets.
    periods: dict[tuple[str, str], list[Period]] = {}
    for row in rows:
        period = period_containing(row.period_kind, row.period_start)
        wanted = periods.setdefault((row.measure, row.period_kind), [])
        if period not in wanted:
            wanted.append(period)
    figures = {}
    for (key, _kind), wanted in periods.items():
        measure = MEASURES.get(key)
        if measure is None:
            continue
        wanted.sort(key=lambda p: p.start)
        mine = series(measure, people, wanted).get(member.id, [None] * len(wanted))
        ours = series(measure, whole, wanted).get(team.id, [None] * len(wanted))
        for index, period in enumerate(wanted):
            figures[key, period] = (mine[index], ours[index])
    views = []
    for row in rows:
        measure = MEASURES.get(row.measure)
        if measure is None:
            continue
        period = period_containing(row.period_kind, row.period_start)
        actual, team_value = figures[row.measure, period]
        goal_rows = [by_id[i] for i in member_targets.rolls_up_to(row.measure, period, spans)]
        views.append(
            TargetView(
                row,
                measure,
                period,
                actual,
                rules.goal_status(actual, row.target, row.direction),
                team_value,
                [(g, rules.goal_status(team_value, g.target, g.direction)) for g in goal_rows],
            )
        )
    return views
