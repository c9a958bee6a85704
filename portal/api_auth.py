"""Who an API request is from: the bearer token, checked against its hash, and its person.
`access.enforce_policy` asks here for the API's views; nothing here reads a cookie."""

from __future__ import annotations

from datetime import timedelta

from flask import g
from sqlalchemy import bindparam, or_, select, update

from . import caching
from .extensions import db
from .models import ApiToken, Contact, Team, User, utcnow
from .tokens import hash_token

# Last use is written at most this often per token: an integration polling every second
# must not turn every read into a write.
TOKEN_USE_STEP = timedelta(minutes=1)

# The site stamp comes along (as with a signed-in person): the caches keyed by it, such as
# which webhooks want what, then cost no statement of their own.
_TOKEN = (
    select(ApiToken, User, Team, caching.site_stamp_column())
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Team, Team.id == ApiToken.team_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
        User.active.is_(True),
        # A contact's token lasts while they are still a contact of its account.
        or_(
            ApiToken.team_id.is_not(None),
            select(Contact.id)
            .where(Contact.user_id == ApiToken.user_id, Contact.account_id == ApiToken.account_id)
            .exists(),
        ),
    )
)


def authenticate(header: str) -> tuple[ApiToken, User, Team | None] | None:
    """The token an `Authorization: Bearer` header names, its person and (a team token's)
    team, if the token is usable now."""
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return None
    now = utcnow()
    row = db.session.execute(_TOKEN, {"token_hash": hash_token(secret), "now": now}).first()
    if row is None:
        return None
    token = row[0]
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_STEP:
        # Its own short transaction, so a read that writes nothing else still records it.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    caching.read_site(row.site_version)  # after that commit, which forgets a stamp read before
    return row[0], row[1], row[2]


def api_token() -> ApiToken:
    return g.api_token


def api_person() -> User:
    """Who the API request acts as: the team token's integration person, or the contact."""
    return g.api_person
