"""Raising a request: written once whatever the channel, whoever's double click, with its
owner chosen, its service clock started and its receipt queued in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from .. import mail_threads, notify, reference, webhook_events
from ..extensions import db
from ..mail import queue_mail
from ..models import Account, Entry, Function, Request, Team, User, utcnow
from ..models.request import EVENT, NEW
from . import activity, clock, contacts
from .errors import RequestError
from .routing import routing_choice
from .services import record_event


@dataclass(frozen=True)
class NewRequest:
    account: Account
    function: Function | None
    subject: str
    description: str
    urgency: str
    expected_by: date | None
    expected_outcome: str
    idempotency_key: str
    channel: str = "web"  # models.request.CHANNELS
    answers: str | None = None  # the Message-ID of the mail that raised it: the receipt answers it


def _event_row(request: Request, actor: User | None, event: str, *, public: bool, **data):
    """An event entry as plain values, for writing several in one statement."""
    return {
        "request_id": request.id,
        "author_id": actor.id if actor else None,
        "kind": EVENT,
        "public": public,
        "event": event,
        "body": "",
        "body_html": "",  # what rendering an empty body gives; the bulk insert skips the hook
        "data": data,
        "created_at": utcnow(),
    }


def raise_request(actor: User, new: NewRequest) -> tuple[Request, bool]:
    """Create the request, or return the one this idempotency key already created.

    Returns (request, created). A double click or a retried post sends the same key; the
    unique constraint on (requester, key) is what settles it, a race between two such posts
    included, so there is no lookup first: a retry is rare, a post is not.

    Everything that only reads (the owner by skill and load, the service level, the team's
    hours, the names the receipt needs) is worked out before the first write: SQLite lets
    one writer in at a time, from its first INSERT to its commit, so reads inside that
    window would queue every other customer's post behind them. What follows is one short
    transaction: the request, its two events and its receipt in the outbox.
    """
    team = new.account.team
    now = utcnow()
    request = Request(
        account_id=new.account.id,
        requester_id=actor.id,
        team_id=team.id,
        function_id=new.function.id if new.function else None,
        subject=new.subject,
        description=new.description,
        urgency=new.urgency,
        expected_by=new.expected_by,
        expected_outcome=new.expected_outcome,
        idempotency_key=new.idempotency_key,
        channel=new.channel,
        status=NEW,
        created_at=now,
        last_activity_at=now,
    )
    choice = routing_choice(team, new.function)
    if choice is not None:
        request.assignee_id = choice.user_id
        request.routing_reason = choice.reason
    # The level and the calendar from the cached reference tables: every post reads them.
    level = reference.service_levels().get((new.account.tier_id, new.urgency))
    clock.start(request, level, reference.calendar(team))
    if not _insert_unless_sent(request):
        existing = _by_key(actor, new.idempotency_key)
        if existing is None:  # not reached: a conflict means a committed row with the key
            raise RequestError("Please send the form again.")
        return _same_submission(existing, new), False
    # The events in one INSERT: nothing here needs them back as objects.
    events = [_event_row(request, actor, "raised", public=True)]
    if choice is not None:
        events.append(
            _event_row(
                request,
                None,
                "assigned",
                public=True,
                assignee_id=choice.user_id,
                assignee=choice.name,
                reason=choice.reason,
            )
        )
    # render_nulls: a None (the system's author) would otherwise make a second statement.
    db.session.execute(insert(Entry).execution_options(render_nulls=True), events)
    if choice is not None:
        notify.tell(
            choice.user_id,
            "assigned",
            f"{request.reference} “{request.subject}” is assigned to you ({choice.reason}).",
            request=request,
        )
    _confirm_by_mail(actor, request, team, choice, new.answers)
    webhook_events.emit(
        team.id, "request.created", lambda: {"request": webhook_events.request_data(request)}
    )
    db.session.flush()
    return request, True


# INSERT ... ON CONFLICT (requester, key) DO NOTHING RETURNING id: the new request's id, or
# nothing when the key was used before. One statement, and no error to recover from, so no
# savepoint around it either; on SQLite it takes the write lock, which the commit releases.
# Plain Core on the table: the ORM's unit of work (or its bulk INSERT returning objects)
# costs three times as much for the one row.
_INSERT_UNLESS_SENT = {
    name: insert_(Request.__table__)
    .on_conflict_do_nothing(index_elements=["requester_id", "idempotency_key"])
    .returning(Request.__table__.c.id)
    for name, insert_ in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}


def _unset_value(column):
    """What a new row gets in a column the code did not set: its default, or NULL."""
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


_COLUMNS = tuple(column for column in Request.__table__.columns if column.key != "id")


def _insert_unless_sent(request: Request) -> bool:
    """Write `request` (built, never added to the session), which is then persistent in the
    session with every column loaded; False, and nothing written, if its key was used."""
    row = {
        c.key: request.__dict__[c.key] if c.key in request.__dict__ else _unset_value(c)
        for c in _COLUMNS
    }
    statement = _INSERT_UNLESS_SENT[db.session.get_bind().dialect.name]
    new_id = db.session.execute(statement, row).scalar()
    if new_id is None:
        return False
    for key, value in row.items():
        setattr(request, key, value)
    request.id = new_id
    make_transient_to_detached(request)  # what the database holds, loaded: no history
    db.session.add(request)
    activity.changed(db.session, request.team_id)  # the ORM did not see the insert
    return True


def _same_submission(existing: Request, new: NewRequest) -> Request:
    """A retry of the same form is fine; the same key with other content is a mistake
    (an old tab, a back button), never silently a second request or a lost one."""
    if (existing.subject, existing.description) != (new.subject, new.description):
        raise RequestError(
            f"This form was already sent as {existing.reference}. To raise another request, "
            "open a new form; to add to that one, reply on its page."
        )
    return existing


def _by_key(actor: User, key: str) -> Request | None:
    return db.session.scalar(
        select(Request).where(Request.requester_id == actor.id, Request.idempotency_key == key)
    )


def _confirm_by_mail(actor: User, request: Request, team: Team, choice, answers) -> None:
    """The receipt, from what is already at hand: no lazy loads while holding the lock."""
    if actor.mute_receipts:  # a receipt is nice to have; they opted out
        return
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=request.id)
    queue_mail(
        actor.email,
        f"We have your request: {request.subject}",
        # Straight from the Jinja environment: Flask's render_template would also run the
        # page context processors (the signed-in person's navigation) for a plain-text mail.
        current_app.jinja_env.get_template("mail/request_received.txt").render(
            request=request,
            requester=actor,
            team=team,
            assignee_name=choice.name if choice else None,
            link=link,
            reference=request.reference,
            replies_by_mail=mail_threads.reply_address(request) is not None,
        ),
        about=request,
        answers=answers,
        first=True,
    )


def log_for(
    actor: User,
    contact: User,
    team_id: int,
    *,
    channel: str,
    function: Function | None,
    urgency: str,
    subject: str,
    description: str,
    idempotency_key: str,
) -> tuple[Request, bool]:
    """A request a member takes down for a customer (a call, a visit, a mail sent to the
    member): raised as the customer's own, so it is theirs in My requests and they get the
    receipt, with an event saying who logged it and how the customer got in touch."""
    account = contacts.account_of(contact, team_id) if contact.is_contact else None
    if account is None or not contact.active:
        raise RequestError("Choose one of the team's customers.")
    new = NewRequest(
        account=account,
        function=function,
        subject=subject,
        description=description,
        urgency=urgency,
        expected_by=None,
        expected_outcome="",
        idempotency_key=idempotency_key,
        channel=channel,
    )
    request, created = raise_request(contact, new)
    if created:
        record_event(request, actor, "logged", public=True, channel=channel)
        db.session.flush()
    return request, created
