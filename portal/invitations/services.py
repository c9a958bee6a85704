"""Invitations: admins invite staff, team members invite contacts to their accounts."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import select

from .. import audit
from ..auth.passwords import hash_password, password_problem
from ..auth.services import AuthError
from ..domain.time_zones import zone_named
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    CONTACT,
    MEMBERSHIP_ROLES,
    STAFF,
    Account,
    Contact,
    Invitation,
    Membership,
    Team,
    User,
    normalize_email,
    utcnow,
)
from ..models.invitation import PENDING
from ..reader_zone import account_zone, reading_in
from ..tokens import hash_token, new_token


class InvitationError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _send(invitation: Invitation, token: str) -> None:
    link = current_app.config["BASE_URL"] + url_for("invitations.accept", token=token)
    # The expiry on the clock they will start on (reader_zone.starting_zone's rule).
    account, team = invitation.account, invitation.team
    zone = account_zone(account) if account else team.timezone if team else None
    with reading_in(zone_named(zone)):
        body = render_template("mail/invitation.txt", invitation=invitation, link=link)
    queue_mail(invitation.email, "You are invited to Onestop", body)


def _expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])


def _check_free(email: str) -> None:
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvitationError("Someone with that email already has an account.", "email")
    pending = db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    ).all()
    if pending:
        raise InvitationError(
            "That address already has a pending invitation; resend it instead.", "email"
        )


def _invite(actor: User, email: str, name: str, kind: str, **placement) -> Invitation:
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        name=name,
        kind=kind,
        invited_by_id=actor.id,
        token_hash=token_hash,
        expires_at=_expiry(),
        **placement,
    )
    db.session.add(invitation)
    db.session.flush()
    _send(invitation, token)
    audit.record(actor, "invitation.created", invitation, email=email, kind=kind)
    return invitation


def invite_staff(
    actor: User, *, email: str, name: str, team: Team | None = None, role: str | None = None
) -> Invitation:
    email = normalize_email(email)
    _check_free(email)
    if team is not None and role not in MEMBERSHIP_ROLES:
        raise InvitationError("Choose member or coach.", "role")
    return _invite(
        actor,
        email,
        name,
        STAFF,
        team_id=team.id if team else None,
        team_role=role if team else None,
    )


def invite_contact(actor: User, account: Account, *, email: str, name: str) -> Invitation:
    email = normalize_email(email)
    _check_free(email)
    return _invite(actor, email, name, CONTACT, account_id=account.id)


def resend(actor: User, invitation: Invitation) -> None:
    """A fresh link and a fresh expiry; the old link stops working."""
    if invitation.accepted_at:
        raise InvitationError("That invitation was already accepted.")
    token, token_hash = new_token()
    invitation.token_hash = token_hash
    invitation.expires_at = _expiry()
    invitation.sent_at = utcnow()
    invitation.revoked_at = None
    _send(invitation, token)
    audit.record(actor, "invitation.resent", invitation)
    db.session.flush()


def revoke(actor: User, invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise InvitationError("That invitation was already accepted.")
    invitation.revoked_at = utcnow()
    audit.record(actor, "invitation.revoked", invitation)
    db.session.flush()


def pending_for_token(token: str) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.status() != PENDING:
        return None
    return invitation


def accept(token: str, *, name: str, password: str) -> User:
    invitation = pending_for_token(token)
    if invitation is None:
        raise InvitationError("This invitation has expired, was revoked or was already used.")
    problem = password_problem(password, email=invitation.email, name=name)
    if problem:
        raise AuthError(problem, "password")
    if db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise InvitationError("Someone with that email already has an account. Sign in instead.")
    user = User(
        email=invitation.email,
        name=name,
        kind=invitation.kind,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    if invitation.kind == CONTACT:
        db.session.add(Contact(user_id=user.id, account_id=invitation.account_id))
    elif invitation.team_id:
        db.session.add(
            Membership(team_id=invitation.team_id, user_id=user.id, role=invitation.team_role)
        )
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    audit.record(user, "invitation.accepted", invitation)
    db.session.flush()
    return user
