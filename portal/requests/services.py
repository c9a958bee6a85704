"""Raising, replying to, chasing, resolving and reopening requests.

Services take the acting user, enforce the rule, write timeline entries and flush; the view
commits once. Chasing is recorded and counted but never touches the status, the assignee or
the service clock, so asking again never moves a request up the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from .. import access
from ..domain.routing import Candidate, choose_assignee
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Account,
    Entry,
    Function,
    Membership,
    Request,
    Skill,
    Team,
    User,
    utcnow,
)
from ..models.request import (
    CLOSED,
    EVENT,
    NEW,
    NOTE,
    OPEN,
    REPLY,
    RESOLVED,
    WAITING_ON_CUSTOMER,
)
from . import activity, clock
from .errors import RequestError
from .ratings import link_token

CLOCK_RUNNING = (NEW, OPEN)


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


def _event(request: Request, actor: User | None, event: str, *, public: bool, body="", **data):
    entry = Entry(
        request_id=request.id,
        author_id=actor.id if actor else None,
        kind=EVENT,
        public=public,
        event=event,
        body=body,
        data=data,
    )
    db.session.add(entry)
    return entry


def _event_row(request: Request, actor: User | None, event: str, *, public: bool, **data):
    """`_event`'s row as plain values, for writing several in one statement."""
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


def _touch(request: Request) -> None:
    request.last_activity_at = utcnow()


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
        status=NEW,
        created_at=now,
        last_activity_at=now,
    )
    choice = routing_choice(team, new.function)
    if choice is not None:
        request.assignee_id = choice.user_id
        request.routing_reason = choice.reason
    clock.start(request, new.account, team)
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
                reason=choice.reason,
            )
        )
    # render_nulls: a None (the system's author) would otherwise make a second statement.
    db.session.execute(insert(Entry).execution_options(render_nulls=True), events)
    _confirm_by_mail(actor, request, team, choice)
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


# Each active member of a team with their level in a function and their open load (requests
# assigned to them in the team whose service clock is running, counted from the (team,
# status, assignee) index): one query. Built once: a statement built per call spends as
# long again as the query itself on assembling and keying it.
_OPEN_LOAD = (
    select(func.count())
    .where(
        Request.team_id == bindparam("team_id"),
        Request.status.in_(CLOCK_RUNNING),
        Request.assignee_id == User.id,
    )
    .correlate(User)
    .scalar_subquery()
)
_CANDIDATES = (
    select(User.id, User.name, Skill.level, _OPEN_LOAD, User.away)
    .join(Membership, Membership.user_id == User.id)
    .outerjoin(Skill, (Skill.user_id == User.id) & (Skill.function_id == bindparam("function_id")))
    .where(Membership.team_id == bindparam("team_id"), User.active.is_(True))
)


def routing_choice(team: Team, function: Function | None):
    """Who a new request goes to: by skill and load when it names a function and the team
    routes automatically; otherwise nobody, and it waits in Unassigned for a claim."""
    if function is None or not team.automatic_routing:
        return None
    rows = db.session.execute(_CANDIDATES, {"team_id": team.id, "function_id": function.id})
    candidates = [
        Candidate(user_id, name, level or 0, load, away)
        for user_id, name, level, load, away in rows
    ]
    return choose_assignee(candidates, function.name)


def _confirm_by_mail(actor: User, request: Request, team: Team, choice) -> None:
    """The receipt, from what is already at hand: no lazy loads while holding the lock."""
    if actor.mute_receipts:  # a receipt is nice to have; they opted out
        return
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=request.id)
    queue_mail(
        actor.email,
        f"[{request.reference}] We have your request: {request.subject}",
        # Straight from the Jinja environment: Flask's render_template would also run the
        # page context processors (the signed-in person's navigation) for a plain-text mail.
        current_app.jinja_env.get_template("mail/request_received.txt").render(
            request=request,
            requester=actor,
            team=team,
            assignee_name=choice.name if choice else None,
            link=link,
        ),
    )


def reply_as_contact(actor: User, request: Request, body: str) -> Entry:
    """A contact's reply. Waiting on them: the clock resumes. Waiting on the team: it is
    also counted as a chase, with no effect on the queue."""
    if request.status not in (NEW, OPEN, WAITING_ON_CUSTOMER):
        raise RequestError("This request is closed. Reopen it to add to it.")
    entry = Entry(request_id=request.id, author_id=actor.id, kind=REPLY, public=True, body=body)
    db.session.add(entry)
    if request.status == WAITING_ON_CUSTOMER:
        request.status = OPEN
        clock.resume(request)
        clock.recompute(request)
        _event(request, actor, "status", public=True, status=OPEN)
    else:
        request.chase_count += 1
    _touch(request)
    db.session.flush()
    return entry


def chase(actor: User, request: Request) -> None:
    """'Any update?': recorded and counted; never a new request, never a new place in line."""
    if not request.is_open:
        raise RequestError("Only an open request can be chased.")
    request.chase_count += 1
    _event(request, actor, "chase", public=True)
    _touch(request)
    db.session.flush()


def resolve_as_contact(actor: User, request: Request) -> None:
    if not request.is_open:
        raise RequestError("This request is already resolved.")
    request.status = RESOLVED
    request.resolved_at = utcnow()
    clock.resume(request)
    clock.recompute(request)
    _event(request, actor, "status", public=True, status=RESOLVED)
    _touch(request)
    db.session.flush()


def reopen_deadline(request: Request):
    if request.resolved_at is None:
        return None
    return request.resolved_at + timedelta(days=current_app.config["REOPEN_DAYS"])


def can_reopen(request: Request) -> bool:
    deadline = reopen_deadline(request)
    return request.status == RESOLVED and deadline is not None and utcnow() < deadline


def reopen(actor: User, request: Request) -> None:
    if not can_reopen(request):
        raise RequestError(
            f"A request can be reopened within {current_app.config['REOPEN_DAYS']} days of "
            "being resolved. Please raise a new one and mention this reference."
        )
    request.status = OPEN
    request.resolved_at = None
    clock.recompute(request)
    _event(request, actor, "status", public=True, status="reopened")
    _touch(request)
    db.session.flush()


# --- the team's side ----------------------------------------------------------------------

STAFF_STATUSES = (OPEN, WAITING_ON_CUSTOMER, RESOLVED, CLOSED)


class StaleRequest(RequestError):
    """Someone else changed the request since this person loaded it."""


def check_version(request: Request, seen_version: int | None) -> None:
    if seen_version is not None and seen_version != request.version:
        raise StaleRequest(
            "Someone else changed this request while you were looking at it. "
            "Its latest state is shown; nothing you sent was saved."
        )


def reply_as_staff(actor: User, request: Request, body: str, *, wait_for_customer=False) -> Entry:
    """A public reply. The first one stops the first-response clock; asking the customer
    something can stop the clock until they answer."""
    entry = Entry(request_id=request.id, author_id=actor.id, kind=REPLY, public=True, body=body)
    db.session.add(entry)
    if request.first_response_at is None:
        request.first_response_at = utcnow()
        request.first_response_minutes = clock.business_minutes_since_raised(
            request, request.first_response_at
        )
    if request.status in (NEW, RESOLVED, CLOSED) and not wait_for_customer:
        _set_status(actor, request, OPEN, public_event=request.status != NEW)
    if wait_for_customer:
        _set_status(actor, request, WAITING_ON_CUSTOMER)
    clock.recompute(request)
    _touch(request)
    _notify_requester(request, f"New reply on {request.reference}", body)
    db.session.flush()
    return entry


def add_note(actor: User, request: Request, body: str) -> Entry:
    """An internal note: the team sees it, the customer never does."""
    entry = Entry(request_id=request.id, author_id=actor.id, kind=NOTE, public=False, body=body)
    db.session.add(entry)
    _touch(request)
    db.session.flush()
    return entry


def change_status(actor: User, request: Request, status: str) -> None:
    if status not in STAFF_STATUSES:
        raise RequestError("Choose a status from the list.")
    if status == request.status:
        return
    _set_status(actor, request, status)
    clock.recompute(request)
    _touch(request)
    if status == RESOLVED:
        rate_link = current_app.config["BASE_URL"] + url_for(
            "customer.rate_by_link", token=link_token(request)
        )
        _notify_requester(
            request,
            f"Resolved: {request.subject} ({request.reference})",
            "Your team has marked this request resolved. If it is not sorted, reopen it from "
            f"the request page.\n\nHow did we do? Rate it from 1 to 5 here:\n{rate_link}",
        )
    db.session.flush()


def _set_status(actor: User, request: Request, status: str, *, public_event=True) -> None:
    previous = request.status
    request.status = status
    if previous == WAITING_ON_CUSTOMER:
        clock.resume(request)
    if status == WAITING_ON_CUSTOMER:
        clock.pause(request)
    if status == RESOLVED:
        request.resolved_at = utcnow()
    elif status == CLOSED:
        request.closed_at = utcnow()
        request.resolved_at = request.resolved_at or request.closed_at
    else:
        request.resolved_at = None
        request.closed_at = None
    if public_event:
        _event(request, actor, "status", public=True, status=status, previous=previous)


def assign(actor: User, request: Request, assignee: User | None) -> None:
    """Claim, reassign or release. Only a member of the owning team can own a request."""
    if assignee is not None:
        is_member = db.session.scalar(
            select(Membership.id).where(
                Membership.team_id == request.team_id, Membership.user_id == assignee.id
            )
        )
        if is_member is None or not assignee.active:
            raise RequestError("Only an active member of the owning team can own the request.")
    if request.assignee_id == (assignee.id if assignee else None):
        return
    request.assignee_id = assignee.id if assignee else None
    request.routing_reason = f"chosen by {actor.name}" if assignee else ""
    if assignee is not None:
        _event(
            request,
            actor,
            "assigned",
            public=True,
            assignee_id=assignee.id,
            reason=request.routing_reason,
        )
    else:
        _event(request, actor, "unassigned", public=False)
    _touch(request)
    db.session.flush()


def reclassify(actor: User, request: Request, *, function: Function | None, urgency: str) -> None:
    """Change the function or urgency; a new urgency means a new service level."""
    changes = {}
    if (request.function_id or None) != (function.id if function else None):
        changes["function"] = function.name if function else "none"
        request.function_id = function.id if function else None
    if urgency != request.urgency:
        changes["urgency"] = urgency
        request.urgency = urgency
    if not changes:
        return
    _event(request, actor, "reclassified", public=False, **changes)
    clock.recompute(request)
    _touch(request)
    db.session.flush()


def _notify_requester(request: Request, subject: str, body: str) -> None:
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=request.id)
    queue_mail(
        request.requester.email,
        f"[{request.reference}] {subject}",
        render_template("mail/request_update.txt", request=request, body=body, link=link),
    )


def merge(actor: User, duplicate: Request, survivor: Request) -> None:
    """Fold a duplicate into another request of the same team: its timeline, files,
    handoffs and chases move; the duplicate closes and points at the survivor; its
    requester is told where their request continues."""
    from ..models import Attachment, Handoff

    if duplicate.id == survivor.id:
        raise RequestError("A request cannot be merged into itself.")
    if survivor.team_id != duplicate.team_id:
        raise RequestError("Both requests must belong to this team.")
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise RequestError("One of these requests was already merged.")
    if not survivor.is_open:
        raise RequestError(f"{survivor.reference} is closed: reopen it or choose another.")
    _check_same_audience(duplicate, survivor)
    for model in (Entry, Attachment, Handoff):
        db.session.execute(
            update(model)
            .where(model.request_id == duplicate.id)
            .values(request_id=survivor.id)
            .execution_options(synchronize_session=False)
        )
    survivor.chase_count += duplicate.chase_count
    duplicate.merged_into_id = survivor.id
    duplicate.status = CLOSED
    duplicate.closed_at = utcnow()
    duplicate.next_due_at = duplicate.next_at_risk_at = None
    _event(duplicate, actor, "merged", public=True, into=survivor.reference)
    _event(survivor, actor, "merged_in", public=True, duplicate=duplicate.reference)
    _touch(survivor)
    _touch(duplicate)
    clock.recompute(survivor)
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=survivor.id)
    queue_mail(
        duplicate.requester.email,
        f"[{duplicate.reference}] Now followed as {survivor.reference}",
        render_template(
            "mail/request_merged.txt", duplicate=duplicate, survivor=survivor, link=link
        ),
    )
    db.session.flush()


def _check_same_audience(duplicate: Request, survivor: Request) -> None:
    """A merge shows each requester the other request's public conversation and files, and
    sends the duplicate's requester to the survivor: so both must already be allowed to see
    both requests. Another account's request never qualifies; a colleague's only when the
    account shares visibility and both contacts opted in (access's one rule decides)."""
    if survivor.account_id != duplicate.account_id:
        raise RequestError(
            f"{survivor.reference} belongs to another account ({survivor.account.name}). "
            "Only requests of the same account can be merged: its contacts would otherwise "
            "read this conversation."
        )
    if survivor.requester_id == duplicate.requester_id:
        return
    if not (
        access.can_see_request(duplicate.requester, survivor.id)
        and access.can_see_request(survivor.requester, duplicate.id)
    ):
        raise RequestError(
            f"{duplicate.reference} was raised by {duplicate.requester.name} and "
            f"{survivor.reference} by {survivor.requester.name}, who cannot see each other's "
            "requests. Merging would show each of them the other's messages: answer both "
            "instead."
        )
