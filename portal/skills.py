"""Members' skills: the one service that adds, changes and removes them, whoever asks (an
admin on a person's page, a coach on their team's cross-training plan). Each change records
an audit event and brings the person's learning entries along: an entry whose target level
the skill now reaches is reached (portal/domain/cross_training.py).

Who may change whose skill is the caller's check: any staff member for an admin, the
members of their own team for a coach (portal/insights/cross_training.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit
from .domain import cross_training as rules
from .domain.cross_training import CrossTrainingError
from .extensions import db
from .models import STAFF, Function, LearningEntry, Skill, User, utcnow

SkillError = CrossTrainingError


def skill_of(person: User, function: Function) -> Skill | None:
    return db.session.scalar(
        select(Skill).where(Skill.user_id == person.id, Skill.function_id == function.id)
    )


def add_skill(actor: User, person: User, function: Function, level: int) -> Skill:
    rules.check_level(level)
    if person.kind != STAFF:
        raise SkillError("Only staff have skills.", "function")
    clash = SkillError(
        f"{person.name} already has a {function.name} skill; change its level instead.",
        "function",
    )
    if skill_of(person, function) is not None:
        raise clash
    skill = Skill(user_id=person.id, function_id=function.id, level=level)
    try:  # someone else's post may have added it since we looked
        with db.session.begin_nested():
            db.session.add(skill)
            db.session.flush()
    except IntegrityError:
        raise clash from None
    audit.record(
        actor, "skill.added", skill, user_id=person.id, function_id=function.id, level=level
    )
    _bring_learning_along(actor, person.id, function.id, level)
    return skill


def change_skill_level(actor: User, skill: Skill, level: int) -> None:
    rules.check_level(level)
    if skill.level != level:
        audit.record(actor, "skill.changed", skill, old=skill.level, new=level)
        skill.level = level
        db.session.flush()
        _bring_learning_along(actor, skill.user_id, skill.function_id, level)


def remove_skill(actor: User, skill: Skill) -> None:
    audit.record(
        actor, "skill.removed", skill, user_id=skill.user_id, function_id=skill.function_id
    )
    db.session.delete(skill)
    db.session.flush()


def set_skill_level(actor: User, person: User, function: Function, level: int | None) -> str:
    """Add, change or (with None) remove the person's skill in the function: what a coach's
    one form asks. Returns what happened, in words for the flash message."""
    skill = skill_of(person, function)
    if level is None:
        if skill is None:
            return f"{person.name} had no {function.name} skill: nothing to remove."
        remove_skill(actor, skill)
        return f"{function.name} skill removed from {person.name}."
    if skill is None:
        add_skill(actor, person, function, level)
        return f"{function.name} skill added for {person.name} at level {level}."
    change_skill_level(actor, skill, level)
    return f"{person.name} is now level {level} in {function.name}."


def _bring_learning_along(actor: User, member_id: int, function_id: int, level: int) -> None:
    entries = db.session.scalars(
        select(LearningEntry).where(
            LearningEntry.member_id == member_id,
            LearningEntry.function_id == function_id,
            LearningEntry.status == rules.LEARNING,
        )
    )
    for entry in entries:
        status = rules.status_after(entry.status, level, entry.target_level)
        if status != entry.status:
            entry.status, entry.closed_at = status, utcnow()
            audit.record(actor, "learning.reached", entry, level=level)
    db.session.flush()
