"""The reference group: who is in it (join, leave, invite, an account moving away), and
who counts in a review round.

Each operation takes the acting person, records an audit event and flushes; the view commits
once."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template, url_for
from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload

from .. import acting, audit
from ..domain.review import ReviewError
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Account,
    Contact,
    Procedure,
    ReferenceMembership,
    ReviewRound,
    Stance,
    Team,
    User,
    UTCDateTime,
    utcnow,
)


def current_membership(user: User, team_id: int) -> ReferenceMembership | None:
    return db.session.scalar(
        select(ReferenceMembership).where(
            ReferenceMembership.team_id == team_id,
            ReferenceMembership.user_id == user.id,
            ReferenceMembership.left_at.is_(None),
        )
    )


def stance_membership(user: User, team_id: int) -> ReferenceMembership | None:
    """The place a stance is taken from, in the app or by a mailed link: a current one in the
    team's group, while the person is active and still a contact of the account they speak
    for there (one who left the account, or was deactivated, no longer speaks for it)."""
    membership = current_membership(user, team_id)
    if membership is None or not acting.speaks_for(user, membership.account_id):
        return None
    return membership


def memberships_of(user: User) -> list[ReferenceMembership]:
    """The contact's current places in reference groups, with team and account loaded."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.user_id == user.id, ReferenceMembership.left_at.is_(None))
            .options(joinedload(ReferenceMembership.team), joinedload(ReferenceMembership.account))
            .order_by(ReferenceMembership.id)
        )
    )


def group_members(team: Team) -> list[ReferenceMembership]:
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.team_id == team.id, ReferenceMembership.left_at.is_(None))
            .options(
                joinedload(ReferenceMembership.user),
                joinedload(ReferenceMembership.account).joinedload(Account.tier),
            )
            .order_by(ReferenceMembership.joined_at)
        ).unique()
    )


def group_history(team: Team) -> list[ReferenceMembership]:
    """Everyone who ever joined, latest first; left stints included."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.team_id == team.id)
            .options(joinedload(ReferenceMembership.user), joinedload(ReferenceMembership.account))
            .order_by(ReferenceMembership.joined_at.desc(), ReferenceMembership.id.desc())
        )
    )


def join(user: User, account: Account) -> ReferenceMembership:
    """Join the reference group of the team serving `account` (one of the contact's own)."""
    if not db.session.scalar(
        select(Contact.id).where(Contact.user_id == user.id, Contact.account_id == account.id)
    ):
        raise ReviewError("You can join only for an account you belong to.")
    existing = current_membership(user, account.team_id)
    if existing is not None:
        return existing
    membership = ReferenceMembership(
        team_id=account.team_id, user_id=user.id, account_id=account.id
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(user, "reference.joined", membership, team_id=account.team_id)
    return membership


def leave(user: User, team_id: int) -> None:
    membership = current_membership(user, team_id)
    if membership is None:
        return
    membership.left_at = utcnow()
    audit.record(user, "reference.left", membership, team_id=team_id)
    db.session.flush()


def end_account_memberships(actor: User, account: Account, team_id: int) -> int:
    """End the stints of everyone who speaks for `account` in team `team_id`'s group (the
    account moved to another team). The rows stay, with `left_at`, as the group's history;
    from now on their stances stop counting in the team's open rounds (see `counts`)."""
    now = utcnow()
    ended = db.session.scalars(
        select(ReferenceMembership).where(
            ReferenceMembership.team_id == team_id,
            ReferenceMembership.account_id == account.id,
            ReferenceMembership.left_at.is_(None),
        )
    ).all()
    for membership in ended:
        membership.left_at = now
        audit.record(
            actor,
            "reference.left",
            membership,
            team_id=team_id,
            user_id=membership.user_id,
            reason="account moved",
        )
    db.session.flush()
    return len(ended)


# --- who counts in a round ----------------------------------------------------------------
# One rule for the tally, the quorum, the comments to answer, the decision and who may see a
# round: a stance counts when its author is in the team's reference group at the round's
# counting moment, which is its close for a closed round (so its result is history and never
# changes) and now while it is open. Someone who leaves, or whose account moves to another
# team, stops counting in the open rounds; their stance and its history are kept.


def _counting_moment(now: datetime):
    """SQL, on a query that has `ReviewRound`: when the round's group is counted."""
    return func.coalesce(ReviewRound.closed_at, literal(now, UTCDateTime()))


def _in_group_at(moment):
    """SQL: the `ReferenceMembership` stint covers `moment`."""
    return and_(
        ReferenceMembership.joined_at <= moment,
        or_(ReferenceMembership.left_at.is_(None), ReferenceMembership.left_at > moment),
    )


def counts(now: datetime | None = None):
    """SQL, on a query that has `Stance`, its `ReviewRound` and its `Procedure`: the stance
    counts."""
    return exists().where(
        ReferenceMembership.team_id == Procedure.team_id,
        ReferenceMembership.user_id == Stance.user_id,
        _in_group_at(_counting_moment(now or utcnow())),
    )


def counted_stances(*columns):
    """Stances that count (or `columns` of them), their round and procedure joined."""
    return (
        select(*(columns or (Stance,)))
        .join(ReviewRound, ReviewRound.id == Stance.round_id)
        .join(Procedure, Procedure.id == ReviewRound.procedure_id)
        .where(counts())
    )


def members_at_count(round_: ReviewRound) -> list[ReferenceMembership]:
    """The round's group as it is counted: its members at the round's counting moment."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .join(Procedure, Procedure.team_id == ReferenceMembership.team_id)
            .join(ReviewRound, ReviewRound.procedure_id == Procedure.id)
            .where(ReviewRound.id == round_.id, _in_group_at(_counting_moment(utcnow())))
            .options(joinedload(ReferenceMembership.account).joinedload(Account.tier))
            .order_by(ReferenceMembership.joined_at)
        ).unique()
    )


def invitable_contacts(team: Team) -> list[tuple[User, Account]]:
    """Contacts of the team's accounts who are not in its reference group now."""
    in_group = select(ReferenceMembership.user_id).where(
        ReferenceMembership.team_id == team.id, ReferenceMembership.left_at.is_(None)
    )
    rows = db.session.execute(
        select(User, Account)
        .join(Contact, Contact.user_id == User.id)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team.id, User.active.is_(True), User.id.not_in(in_group))
        .order_by(Account.name, User.name)
    )
    return [(user, account) for user, account in rows]


def invite(actor: User, team: Team, contact: User) -> None:
    """Ask a contact to join; they join themselves (it is their choice), from the link."""
    if contact.id not in {user.id for user, _ in invitable_contacts(team)}:
        raise ReviewError("Choose a contact of this team's accounts who is not in the group.")
    link = current_app.config["BASE_URL"] + url_for("reference.index")
    queue_mail(
        contact.email,
        f"{team.name} asks you to join its reference group",
        render_template("mail/reference_invitation.txt", team=team, contact=contact, link=link),
    )
    audit.record(actor, "reference.invited", team, contact_id=contact.id)
