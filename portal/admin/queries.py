"""What the admin pages read: lists with their related rows loaded up front (no N+1), and the
choices offered by the forms."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import abort
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    COACH,
    OPEN_STATUSES,
    Account,
    Contact,
    Function,
    Invitation,
    Membership,
    Request,
    Skill,
    Team,
    Tier,
    User,
    listed_staff,
    utcnow,
)
from ..models.invitation import ACCEPTED, EXPIRED, PENDING, REVOKED

# --- loaders: an unknown id is a 404 ---------------------------------------------------------


def get_staff(user_id: int) -> User:
    """A staff member; contacts are managed from their account's page, integration people
    from their team's API tokens page."""
    person = db.session.get(User, user_id)
    if person is None or not person.is_staff or person.integration:
        abort(404)
    return person


def _owned(model, id_: int, **owner):
    """A row by id that also belongs where the URL says (another account's contact is a 404)."""
    obj = db.session.get(model, id_)
    if obj is None or any(getattr(obj, key) != value for key, value in owner.items()):
        abort(404)
    return obj


def get_contact(account: Account, contact_id: int) -> Contact:
    return _owned(Contact, contact_id, account_id=account.id)


def get_membership(team_id: int, user_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.team))
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
    )
    if membership is None:
        abort(404)
    return membership


def get_skill(person: User, skill_id: int) -> Skill:
    return _owned(Skill, skill_id, user_id=person.id)


# --- choices ----------------------------------------------------------------------------------


def team_choices(blank: str | None = None) -> list[tuple]:
    rows = db.session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return ([("", blank)] if blank else []) + [(id_, name) for id_, name in rows]


def tier_choices(blank: str | None = None) -> list[tuple]:
    rows = db.session.execute(select(Tier.id, Tier.name).order_by(Tier.rank)).all()
    return ([("", blank)] if blank else []) + [(id_, name) for id_, name in rows]


def staff_choices_for(team: Team) -> list[tuple]:
    """Active staff not yet in the team."""
    in_team = select(Membership.user_id).where(Membership.team_id == team.id)
    rows = db.session.execute(
        select(User.id, User.name)
        .where(listed_staff(), User.active.is_(True), User.id.not_in(in_team))
        .order_by(User.name)
    ).all()
    return [(id_, name) for id_, name in rows]


def team_choices_for(person: User) -> list[tuple]:
    """Teams the person is not in yet."""
    theirs = select(Membership.team_id).where(Membership.user_id == person.id)
    rows = db.session.execute(
        select(Team.id, Team.name).where(Team.id.not_in(theirs)).order_by(Team.name)
    ).all()
    return [(id_, name) for id_, name in rows]


def function_choices_for(person: User) -> list[tuple]:
    """Active functions the person has no skill in yet."""
    theirs = select(Skill.function_id).where(Skill.user_id == person.id)
    rows = db.session.execute(
        select(Function.id, Function.name)
        .where(Function.active.is_(True), Function.id.not_in(theirs))
        .order_by(Function.name)
    ).all()
    return [(id_, name) for id_, name in rows]


# --- lists ------------------------------------------------------------------------------------


def functions() -> list[Function]:
    return list(
        db.session.scalars(select(Function).order_by(Function.active.desc(), Function.name))
    )


def tiers() -> list[Tier]:
    return list(db.session.scalars(select(Tier).order_by(Tier.rank)))


def _count_by(column, *where):
    return (
        select(column.label("key"), func.count().label("n"))
        .where(*where)
        .group_by(column)
        .subquery()
    )


def teams() -> list[tuple[Team, int, int, int]]:
    """Each team with its number of members, coaches and accounts, in one query."""
    members = _count_by(Membership.team_id)
    coaches = _count_by(Membership.team_id, Membership.role == COACH)
    accounts = _count_by(Account.team_id)
    rows = db.session.execute(
        select(
            Team,
            func.coalesce(members.c.n, 0),
            func.coalesce(coaches.c.n, 0),
            func.coalesce(accounts.c.n, 0),
        )
        .outerjoin(members, members.c.key == Team.id)
        .outerjoin(coaches, coaches.c.key == Team.id)
        .outerjoin(accounts, accounts.c.key == Team.id)
        .order_by(Team.name)
    )
    return [tuple(row) for row in rows]


def team_memberships(team: Team) -> list[Membership]:
    """Coaches first, then by name; deactivated people stay listed (their history counts)."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .options(joinedload(Membership.user))
            .where(Membership.team_id == team.id)
            .order_by((Membership.role == COACH).desc(), User.name)
        )
    )


def person_memberships(person: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Team, Team.id == Membership.team_id)
            .options(joinedload(Membership.team))
            .where(Membership.user_id == person.id)
            .order_by(Team.name)
        )
    )


def person_skills(person: User) -> list[Skill]:
    return list(
        db.session.scalars(
            select(Skill)
            .join(Function, Function.id == Skill.function_id)
            .options(joinedload(Skill.function))
            .where(Skill.user_id == person.id)
            .order_by(Function.name)
        )
    )


def people(team_id: int | None = None, q: str = "") -> list[tuple[User, list, list]]:
    """Staff, each with their memberships and skills, in three queries whatever the count."""
    query = select(User).where(listed_staff()).order_by(User.active.desc(), User.name)
    if team_id:
        query = query.where(
            User.id.in_(select(Membership.user_id).where(Membership.team_id == team_id))
        )
    if q:
        query = query.where(
            User.name.icontains(q, autoescape=True) | User.email.icontains(q, autoescape=True)
        )
    users = list(db.session.scalars(query))
    ids = [user.id for user in users]
    memberships: dict[int, list[Membership]] = defaultdict(list)
    skills: dict[int, list[Skill]] = defaultdict(list)
    if ids:
        for membership in db.session.scalars(
            select(Membership)
            .join(Team, Team.id == Membership.team_id)
            .options(joinedload(Membership.team))
            .where(Membership.user_id.in_(ids))
            .order_by(Team.name)
        ):
            memberships[membership.user_id].append(membership)
        for skill in db.session.scalars(
            select(Skill)
            .options(joinedload(Skill.function))
            .where(Skill.user_id.in_(ids))
            .order_by(Skill.level.desc())
        ):
            skills[skill.user_id].append(skill)
    return [(user, memberships[user.id], skills[user.id]) for user in users]


def accounts(
    team_id: int | None = None, tier_id: int | None = None, q: str = ""
) -> list[tuple[Account, int]]:
    """Accounts with team, tier and number of contacts, in one query."""
    contacts = _count_by(Contact.account_id)
    query = (
        select(Account, func.coalesce(contacts.c.n, 0))
        .join(Tier, Tier.id == Account.tier_id)
        .outerjoin(contacts, contacts.c.key == Account.id)
        .options(joinedload(Account.team), joinedload(Account.tier))
        .order_by(Tier.rank, Account.name)
    )
    if team_id:
        query = query.where(Account.team_id == team_id)
    if tier_id:
        query = query.where(Account.tier_id == tier_id)
    if q:
        query = query.where(Account.name.icontains(q, autoescape=True))
    return [(account, count) for account, count in db.session.execute(query)]


def open_request_count(account: Account) -> int:
    """What a move of the account would carry with it, for the edit form."""
    return db.session.scalar(
        select(func.count(Request.id)).where(
            Request.account_id == account.id, Request.status.in_(OPEN_STATUSES)
        )
    )


def _status_filter(status: str, now: datetime):
    return {
        ACCEPTED: Invitation.accepted_at.is_not(None),
        REVOKED: and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_not(None)),
        EXPIRED: and_(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at <= now,
        ),
        PENDING: and_(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        ),
    }.get(status)


def invitations(status: str = "") -> list[Invitation]:
    """Every invitation, newest first; `status` narrows to one of the four statuses."""
    query = (
        select(Invitation)
        .options(
            joinedload(Invitation.account),
            joinedload(Invitation.team),
            joinedload(Invitation.invited_by),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    condition = _status_filter(status, utcnow())
    if condition is not None:
        query = query.where(condition)
    return list(db.session.scalars(query))
