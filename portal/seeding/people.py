"""The demo's people and practices: Team North's cross-training plan (several functions
hang on one person; some members are learning them, one entry late, one reached) and the
demo member's own targets for their review, on measures the team has goals on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.insights import period_containing
from ..extensions import db
from ..models import (
    COACH,
    MEMBER,
    Function,
    LearningEntry,
    Membership,
    MemberTarget,
    Team,
    User,
    utcnow,
)

# (member, function, target level, days from today, note, status)
PLAN = [
    ("Dev Patel", "Sales", 2, 40, "Shadows Amira on quotes every Tuesday.", "learning"),
    (
        "Chloe Martin",
        "Delivery",
        2,
        -6,
        "Delivery slots with Dev; paused in the busy week.",
        "learning",
    ),
    ("Ben Okafor", "Service & repair", 2, 75, "Repair course booked for next month.", "learning"),
    ("Ben Okafor", "Credit", 2, -20, "Took over account holds while Amira was away.", "reached"),
]

# The demo member's targets: (measure, period kind, target, direction, note).
TARGETS = [
    ("median_first_response", "month", 1.5, "at_most", "First replies before the team's 2 h."),
    ("csat", "month", 4.6, "at_least", "Follow up every rating of 3 or less."),
    ("resolved", "month", 12.0, "at_least", "Take the billing queue on Mondays."),
    ("checks_passed", "quarter", 90.0, "at_least", "Keep customers informed while waiting."),
]


def seed(now: datetime | None = None) -> None:
    now = now or utcnow()
    team = db.session.scalar(select(Team).order_by(Team.id))
    if team is None:
        return
    people = {
        u.name: u
        for u in db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id == team.id)
        )
    }
    functions = {f.name: f for f in db.session.scalars(select(Function))}
    coach = db.session.scalar(
        select(Membership.user_id).where(Membership.team_id == team.id, Membership.role == COACH)
    )
    today = now.date()
    for name, function, level, days, note, status in PLAN:
        if name not in people or function not in functions:
            continue
        db.session.add(
            LearningEntry(
                team_id=team.id,
                member_id=people[name].id,
                function_id=functions[function].id,
                target_level=level,
                target_on=today + timedelta(days=days),
                note=note,
                status=status,
                created_by_id=coach,
                created_at=now - timedelta(days=60),
                closed_at=now + timedelta(days=days) if status != "learning" else None,
            )
        )
    member = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team.id, Membership.role == MEMBER)
        .order_by(User.id)
    )
    if member is None:
        return
    for measure, kind, target, direction, note in TARGETS:
        for period in (period_containing(kind, today).previous(), period_containing(kind, today)):
            db.session.add(
                MemberTarget(
                    team_id=team.id,
                    member_id=member.id,
                    measure=measure,
                    period_kind=kind,
                    period_start=period.start,
                    target=target,
                    direction=direction,
                    note=note,
                    created_by_id=coach,
                )
            )
    db.session.flush()
