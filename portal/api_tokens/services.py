"""API tokens: made for a team by its coach (or an admin), or by a contact for their own
account; shown once, kept hashed, revoked by whoever may manage them.

A team's token acts as an integration person of its own, named after the token, so every
rule about what a member may see and do applies to it unchanged, and the timeline and the
audit log show the token's name beside what it did."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import STAFF, Account, ApiToken, Team, User, utcnow
from ..tokens import hash_token

PREFIX = "ost_"  # lets secret scanners and people tell an Onestop token at a glance
MAX_TOKENS = 50  # per team, or per contact and account


class TokenError(ValueError):
    """A token that may not be made as asked; the message is for the person asking."""


def _new_secret() -> tuple[str, str, str]:
    secret = PREFIX + secrets.token_urlsafe(32)
    return secret, hash_token(secret), secret[: len(PREFIX) + 6]


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise TokenError("The expiry date must be in the future.")


def _issue(actor: User, name: str, can_write: bool, expires_at, **owner) -> tuple[ApiToken, str]:
    """A new token for `owner` (its person and team, or its person and account); the secret
    is returned once, never stored."""
    _check_expiry(expires_at, utcnow())
    secret, digest, hint = _new_secret()
    token = ApiToken(
        name=name,
        can_write=can_write,
        token_hash=digest,
        hint=hint,
        created_by_id=actor.id,
        expires_at=expires_at,
        **owner,
    )
    db.session.add(token)
    db.session.flush()
    scope = {"team_id": token.team_id} if token.team_id else {"account_id": token.account_id}
    audit.record(actor, "api_token.created", token, can_write=can_write, **scope)
    return token, secret


def create_team_token(
    actor: User, team: Team, name: str, *, can_write: bool, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A token for the team's other systems, acting as an integration person of its own."""
    if _count(ApiToken.team_id == team.id) >= MAX_TOKENS:
        raise TokenError(f"A team has at most {MAX_TOKENS} tokens: revoke one first.")
    person = User(
        # Never a mailbox: the reserved .invalid name cannot receive mail.
        email=f"api-{secrets.token_hex(8)}@integrations.invalid",
        name=name,
        kind=STAFF,
        integration=True,
        timezone=team.timezone,
    )
    return _issue(actor, name, can_write, expires_at, user=person, team_id=team.id)


def create_personal_token(
    contact: User, account: Account, name: str, *, can_write: bool, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A contact's own token, seeing what they see on the web of one of their accounts."""
    mine = (ApiToken.user_id == contact.id) & (ApiToken.account_id == account.id)
    if _count(mine) >= MAX_TOKENS:
        raise TokenError(f"You have at most {MAX_TOKENS} tokens here: revoke one first.")
    return _issue(contact, name, can_write, expires_at, user_id=contact.id, account_id=account.id)


def revoke(actor: User, token: ApiToken) -> None:
    """Ends the token at once; a team token's integration person stops being active too, so
    nothing can act as them. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    if token.is_team_token:
        token.user.active = False
    audit.record(actor, "api_token.revoked", token)


def team_tokens(team_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.team_id == team_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def personal_tokens(contact: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == contact.id, ApiToken.account_id.is_not(None))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def _count(condition) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ApiToken).where(condition, ApiToken.revoked_at.is_(None))
    )
