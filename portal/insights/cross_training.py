"""A team's skills and cross-training plan: the skills matrix (members × functions), the
functions that hang on one person, and who is learning what, to which level, by when.

The coach changes their own team's members' skills here through portal/skills.py, the
service the admin's person page uses; the rules are in portal/domain/cross_training.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, reference, skills
from ..database import update_while
from ..domain import cross_training as rules
from ..domain.cross_training import CrossTrainingError
from ..extensions import db
from ..models import Function, LearningEntry, Membership, Skill, Team, User, listed_staff, utcnow
from ..reader_zone import team_today

# Reached and dropped entries stay on the plan this long, then only the audit log has them.
CLOSED_SHOWN = 20


def team_members(team: Team) -> list[User]:
    """The team's active staff (coaches too), by name: the rows of the matrix."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id == team.id, User.active.is_(True), listed_staff())
            .order_by(User.name, User.id)
        )
    )


def team_functions() -> list:
    """The active functions, by name: the columns of the matrix."""
    return [f for f in reference.functions() if f.active]


@dataclass
class EntryView:
    entry: LearningEntry
    level: int | None  # the member's skill in the function now
    overdue: bool


def plan(team: Team, today: date | None = None) -> dict:
    """Everything the cross-training page shows, in four queries whatever the team's size."""
    today = today or team_today(team)
    members = team_members(team)
    functions = team_functions()
    member_ids = [m.id for m in members]
    levels = {
        (user_id, function_id): level
        for user_id, function_id, level in db.session.execute(
            select(Skill.user_id, Skill.function_id, Skill.level).where(
                Skill.user_id.in_(member_ids)
            )
        )
    }
    coverage = rules.coverage([f.id for f in functions], member_ids, levels)
    entries = db.session.scalars(
        select(LearningEntry)
        .options(joinedload(LearningEntry.member), joinedload(LearningEntry.function))
        .where(LearningEntry.team_id == team.id)
        .order_by(LearningEntry.target_on, LearningEntry.id)
    ).all()
    views = [
        EntryView(
            e,
            levels.get((e.member_id, e.function_id)),
            rules.is_overdue(e.status, e.target_on, today),
        )
        for e in entries
    ]
    closed = [v for v in views if v.entry.status != rules.LEARNING]
    closed.sort(key=lambda v: v.entry.closed_at or v.entry.created_at, reverse=True)
    names = {m.id: m.name for m in members}
    return {
        "members": members,
        "functions": functions,
        "levels": levels,
        "coverage": {c.function_id: c for c in coverage},
        "single_points": [c for c in coverage if c.single_point],
        "holder_names": names,
        "learning": [v for v in views if v.entry.status == rules.LEARNING],
        "closed": closed[:CLOSED_SHOWN],
        "today": today,
    }


def _member_of(team: Team, person: User | None) -> User:
    if not reference.is_active_member(person, team.id):
        raise CrossTrainingError("Choose an active member of the team.", "member")
    return person


def _active_function(function: Function | None) -> Function:
    if function is None or not function.active:
        raise CrossTrainingError("Choose a function from the list.", "function")
    return function


def set_level(
    actor: User, team: Team, person: User | None, function: Function | None, level: int | None
) -> str:
    """A coach sets (or with None removes) a skill of a member of their team."""
    person = _member_of(team, person)
    function = _active_function(function)
    if level is not None:
        rules.check_level(level)
    return skills.set_skill_level(actor, person, function, level)


def add_entry(
    actor: User,
    team: Team,
    *,
    member: User | None,
    function: Function | None,
    target_level: object,
    target_on: date | None,
    note: str = "",
) -> LearningEntry:
    member = _member_of(team, member)
    function = _active_function(function)
    skill = skills.skill_of(member, function)
    target = rules.check_learning(
        skill.level if skill else None, target_level, target_on, team_today(team)
    )
    open_one = db.session.scalar(
        select(LearningEntry.id).where(
            LearningEntry.team_id == team.id,
            LearningEntry.member_id == member.id,
            LearningEntry.function_id == function.id,
            LearningEntry.status == rules.LEARNING,
        )
    )
    if open_one is not None:
        raise CrossTrainingError(
            f"{member.name} is already learning {function.name}: drop that entry first.",
            "function",
        )
    entry = LearningEntry(
        team_id=team.id,
        member_id=member.id,
        function_id=function.id,
        target_level=target,
        target_on=target_on,
        note=note.strip()[:500],
        status=rules.LEARNING,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        "learning.added",
        entry,
        team_id=team.id,
        member_id=member.id,
        function_id=function.id,
        target_level=target,
        target_on=target_on.isoformat(),
    )
    return entry


def drop_entry(actor: User, entry: LearningEntry) -> None:
    still_learning = LearningEntry.status == rules.LEARNING
    if not update_while(entry, still_learning, status=rules.DROPPED, closed_at=utcnow()):
        raise CrossTrainingError("This entry is no longer open.")
    audit.record(actor, "learning.dropped", entry, team_id=entry.team_id)
    db.session.flush()
