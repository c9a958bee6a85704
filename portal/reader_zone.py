"""Whose clock a time is shown on: the signed-in reader's on a page, the recipient's while
their mail is drawn. Templates print moments through the filters here, never `strftime`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, tzinfo

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .domain import time_words
from .domain.time_zones import zone_named
from .extensions import db
from .models import Account, Contact, Membership, Team, utcnow


def reader_zone() -> tzinfo:
    # Asked afresh each time, not kept on `g`: tests (and `flask shell`) can serve several
    # people's requests inside one application context.
    zone = g.get("mail_reader_zone")
    if zone is None:
        zone = zone_named(getattr(current_user, "timezone", None))
    return zone


def reader_zone_name() -> str:
    """The reader's zone as a cache input and as words ("Europe/Berlin")."""
    return str(reader_zone())


def team_today(team) -> date:
    """The team's date now. Due dates are the team's days: in the evening west of UTC, UTC
    is already tomorrow."""
    return utcnow().astimezone(zone_named(team.timezone)).date()


def account_zone(account) -> str:
    """Where an account's contacts start: its own zone, or else its team's."""
    return account.timezone or account.team.timezone


def starting_zone(user) -> str:
    """Where a person's clock starts: staff in their (first) team's zone; a contact in
    their (first) account's (`account_zone`); UTC for anyone with neither."""
    if user.is_staff:
        team_zone = (
            select(Team.timezone)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.team_id)
        )
        return db.session.scalars(team_zone.limit(1)).first() or "UTC"
    account = db.session.scalars(
        select(Account)
        .join(Contact, Contact.account_id == Account.id)
        .where(Contact.user_id == user.id)
        .order_by(Contact.account_id)
        .options(joinedload(Account.team))
        .limit(1)
    ).first()
    return account_zone(account) if account is not None else "UTC"


def zone_of(person) -> tzinfo:
    """The clock mail to `person` is drawn on: their own, or, before their first sign-in
    chose one, where they will start (a contact who only ever votes by link included)."""
    return zone_named(person.timezone or starting_zone(person))


@contextmanager
def reading_in(zone: tzinfo) -> Iterator[None]:
    """Times drawn inside are on `zone`'s clock: for mail, drawn while someone else (or
    nobody) is signed in."""
    before = g.get("mail_reader_zone")
    g.mail_reader_zone = zone
    try:
        yield
    finally:
        g.mail_reader_zone = before


def reading_as(person):
    return reading_in(zone_of(person))


def local_time(moment: datetime) -> str:
    return time_words.exact(moment, reader_zone())


def local_deadline(moment: datetime) -> str:
    return time_words.deadline(moment, reader_zone())


def local_day(moment: datetime) -> str:
    return time_words.day(moment, reader_zone())


def ago(moment: datetime, now: datetime) -> str:
    return time_words.relative(moment, now, reader_zone())


def install(app) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_day"] = local_day
    app.jinja_env.filters["local_deadline"] = local_deadline
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["reader_zone_name"] = reader_zone_name
