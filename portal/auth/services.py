"""Sign-in, passwords and resets. Services flush; the view commits."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import select, update

from .. import audit, reader_zone
from ..domain.time_zones import is_zone
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    PasswordReset,
    User,
    UserSession,
    normalize_email,
    utcnow,
)
from ..tokens import hash_token, new_token
from .passwords import hash_password, password_problem, verify_password


class AuthError(ValueError):
    """A rule refused the action; the message is written for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; the caller says the same thing either way."""
    user = find_user(email)
    if user is None or not user.active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AuthError(problem, "password")
    user.password_hash = hash_password(password)
    revoke_sessions(user)


def open_session(user: User) -> str:
    """A server-side row for a new signed-in session; returns the token its cookie carries
    (the row keeps only the token's hash)."""
    token, token_hash = new_token()
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash))
    db.session.flush()
    return token


def settle_zone(user: User) -> bool:
    """On sign-in: a person with no zone yet gets their starting one, and True, so the page
    can offer to change it (to the browser's, say) while it is new."""
    if user.timezone is not None:
        return False
    user.timezone = reader_zone.starting_zone(user)
    return True


def set_zone(user: User, zone: str) -> None:
    """The person's own choice, from the picker's zones (or the one they have, kept)."""
    if zone == user.timezone:
        return
    if not is_zone(zone):
        raise AuthError("Choose a time zone from the list.", "timezone")
    audit.record(user, "person.timezone", user, before=user.timezone, after=zone)
    user.timezone = zone


def end_session(token: str | None) -> None:
    """Signing out: this session's row ends, so a copy of its cookie stops working too;
    the person's other sessions carry on."""
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def revoke_sessions(user: User) -> None:
    """Every session so far stops working: each row ends, and the version in every login id
    issued so far is no longer the person's."""
    user.session_version = (user.session_version or 1) + 1
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AuthError("That is not your current password.", "current_password")
    set_password(user, new)
    audit.record(user, "password.changed", user)
    db.session.flush()


RESET_SUBJECT = "Reset your Onestop password"


def request_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active person; otherwise mail the
    address that no active account uses it. The asker gets the same answer either way
    (the view), and both paths do the same work in the same time: one lookup, a token made
    and hashed, a mail rendered and written to the outbox in the request's transaction.
    Only what an account has (its reset row, its audit event) is written for a person
    alone; delivery happens after the response, for both."""
    user = find_user(email)
    token, token_hash = new_token()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    if user is None or not user.active:
        address = normalize_email(email)
        body = render_template("mail/password_reset_no_account.txt", email=address)
        queue_mail(address, RESET_SUBJECT, body)
        return
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    link = current_app.config["BASE_URL"] + url_for("auth.reset_password", token=token)
    queue_mail(
        user.email,
        RESET_SUBJECT,
        render_template("mail/password_reset.txt", user=user, link=link, minutes=minutes),
    )
    audit.record(user, "password.reset_requested", user)
    db.session.flush()


def reset_for_token(token: str) -> PasswordReset | None:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or reset.used_at or reset.expires_at <= utcnow() or not reset.user.active:
        return None
    return reset


def reset_password(token: str, password: str) -> User:
    reset = reset_for_token(token)
    if reset is None:
        raise AuthError("This reset link has expired or was already used. Ask for a new one.")
    set_password(reset.user, password)
    now = utcnow()
    # One link used spends every other link sent to the same person.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    audit.record(reset.user, "password.reset", reset.user)
    db.session.flush()
    return reset.user
