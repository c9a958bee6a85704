"""What a team's workspace shows: its people, strengths and accounts."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit
from ..domain.team_setup import SetupFacts
from ..extensions import db
from ..models import (
    Account,
    Contact,
    Feedback,
    Invitation,
    Membership,
    ServiceLevel,
    Skill,
    Team,
    Tier,
    User,
    WorkingHours,
    utcnow,
)


def team_people(team: Team) -> list[tuple[Membership, list[Skill]]]:
    """Members (coaches first) with their people and skills, strongest first, in two queries."""
    memberships = db.session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(contains_eager(Membership.user))
        .where(Membership.team_id == team.id, User.active.is_(True))
        .order_by(User.name)
    ).all()
    memberships.sort(key=lambda m: not m.is_coach)  # stable: coaches first, then by name
    user_ids = [m.user_id for m in memberships]
    skills: dict[int, list[Skill]] = {uid: [] for uid in user_ids}
    for skill in db.session.scalars(
        select(Skill)
        .options(joinedload(Skill.function))
        .where(Skill.user_id.in_(user_ids))
        .order_by(Skill.level.desc())
    ):
        skills[skill.user_id].append(skill)
    return [(m, skills[m.user_id]) for m in memberships]


def team_accounts(team: Team) -> list[tuple[Account, int]]:
    """The team's accounts, most important tier first, each with its number of contacts."""
    contacts = (
        select(Contact.account_id, func.count(Contact.id).label("n"))
        .group_by(Contact.account_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Account, func.coalesce(contacts.c.n, 0))
        .join(Tier, Tier.id == Account.tier_id)
        .options(contains_eager(Account.tier))
        .outerjoin(contacts, contacts.c.account_id == Account.id)
        .where(Account.team_id == team.id)
        .order_by(Tier.rank, Account.name)
    )
    return [(account, count) for account, count in rows]


def account_contacts(account: Account) -> list[Contact]:
    return list(
        db.session.scalars(
            select(Contact)
            .join(User, User.id == Contact.user_id)
            .options(joinedload(Contact.user))
            .where(Contact.account_id == account.id)
            .order_by(User.active.desc(), User.name)
        )
    )


def open_invitations(account: Account) -> list[Invitation]:
    """Invitations not yet accepted: pending, expired or revoked, newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.account_id == account.id, Invitation.accepted_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )


def set_away(user: User, away: bool) -> None:
    """Away people keep their requests but get no new ones from routing."""
    user.away = away
    audit.record(user, "person.away" if away else "person.back", user)
    db.session.flush()


def set_routing(actor: User, team: Team, automatic: bool) -> None:
    team.automatic_routing = automatic
    audit.record(actor, "team.routing", team, automatic=automatic)
    db.session.flush()


def recent_feedback(team: Team, limit: int = 20) -> list[Feedback]:
    """Unread first, then newest: praise, complaints and ideas from the team's customers."""
    return list(
        db.session.scalars(
            select(Feedback)
            .options(joinedload(Feedback.contact), joinedload(Feedback.account))
            .where(Feedback.team_id == team.id)
            .order_by(Feedback.seen_at.is_not(None), Feedback.created_at.desc())
            .limit(limit)
        )
    )


def mark_feedback_seen(actor: User, feedback: Feedback) -> None:
    if feedback.seen_at is None:
        feedback.seen_at = utcnow()
        feedback.seen_by_id = actor.id
        db.session.flush()


def setup_facts(team: Team) -> SetupFacts:
    """What the set-up checklist needs to know, in one query."""
    accounts = select(Account.id).where(Account.team_id == team.id)
    members = select(Membership.user_id).where(Membership.team_id == team.id)
    row = db.session.execute(
        select(
            accounts.exists(),
            exists().where(Contact.account_id.in_(accounts)),
            exists().where(Skill.user_id.in_(members)),
            select(ServiceLevel.id).exists(),
            exists().where(WorkingHours.team_id == team.id),
        )
    ).one()
    return SetupFacts(*(bool(value) for value in row))
