"""Replying to, chasing, resolving and reopening requests, and the team's actions on them:
replies, notes, status, owner and classification. (Raising is requests/raising.py; merging
is requests/merging.py.)

Services take the acting user, enforce the rule, write timeline entries and flush; the view
commits once. Chasing is recorded and counted but never touches the status, the assignee or
the service clock, so asking again never moves a request up the queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import bindparam, func, select

from .. import mail_threads, notify, webhook_events
from ..extensions import db
from ..mail import queue_mail
from ..models import Entry, Function, Membership, Request, User, utcnow
from ..models.request import CLOSED, EVENT, NEW, NOTE, OPEN, REPLY, RESOLVED, WAITING_ON_CUSTOMER
from . import clock
from .errors import RequestError
from .ratings import link_token


def record_event(
    request: Request, actor: User | None, event: str, *, public: bool, body="", **data
):
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
    webhook_events.record(request, event, data)
    return entry


def mark_active(request: Request) -> None:
    request.last_activity_at = utcnow()


def reply_as_contact(actor: User, request: Request, body: str) -> Entry:
    """A contact's reply. Waiting on them: the clock resumes. It is never a chase: a reply
    that adds detail is not "any news?", and only asking for an update (`chase`) counts
    toward goals and Quiet accounts."""
    if request.status not in (NEW, OPEN, WAITING_ON_CUSTOMER):
        raise RequestError("This request is closed. Reopen it to add to it.")
    entry = Entry(request_id=request.id, author_id=actor.id, kind=REPLY, public=True, body=body)
    db.session.add(entry)
    if request.status == WAITING_ON_CUSTOMER:
        request.status = OPEN
        clock.resume(request)
        clock.recompute(request)
        record_event(request, actor, "status", public=True, status=OPEN)
    mark_active(request)
    notify.tell(
        request.assignee_id,
        "customer_replied",
        f"{actor.name} answered on {request.reference} “{request.subject}”.",
        request=request,
    )
    db.session.flush()
    webhook_events.written(request, entry)
    return entry


# The person's latest chase of a request, within the quiet window; built once.
_RECENT_CHASE = select(func.max(Entry.created_at)).where(
    Entry.request_id == bindparam("request_id"),
    Entry.author_id == bindparam("user_id"),
    Entry.kind == EVENT,
    Entry.event == "chase",
    Entry.created_at >= bindparam("since", type_=Entry.created_at.type),
)


def chase(actor: User, request: Request) -> datetime | None:
    """'Any update?': recorded and counted; never a new request, never a new place in line.
    Recorded once per person and request within CHASE_QUIET_MINUTES: asking again sooner
    writes nothing (the team already has it), so the team's activity number, and with it
    every teammate's cached inbox, does not move for a storm of clicks, whichever channel
    it comes by. Returns when the earlier chase was, or None when this one was recorded."""
    if not request.is_open:
        raise RequestError("Only an open request can be chased.")
    since = utcnow() - timedelta(minutes=current_app.config["CHASE_QUIET_MINUTES"])
    params = {"request_id": request.id, "user_id": actor.id, "since": since}
    earlier = db.session.scalar(_RECENT_CHASE, params)
    if earlier is not None:
        return earlier
    request.chase_count += 1
    record_event(request, actor, "chase", public=True)
    mark_active(request)
    db.session.flush()
    return None


def resolve_as_contact(actor: User, request: Request) -> None:
    if not request.is_open:
        raise RequestError("This request is already resolved.")
    request.status = RESOLVED
    request.resolved_at = utcnow()
    clock.resume(request)
    clock.recompute(request)
    record_event(request, actor, "status", public=True, status=RESOLVED)
    mark_active(request)
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
    record_event(request, actor, "status", public=True, status="reopened")
    mark_active(request)
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
    mark_active(request)
    # A person's words to the customer: not automatic, so their auto-responder may answer.
    _notify_requester(request, f"New reply: {request.subject}", body, automatic=False)
    db.session.flush()
    webhook_events.written(request, entry)
    return entry


def add_note(actor: User, request: Request, body: str) -> Entry:
    """An internal note: the team sees it, the customer never does."""
    entry = Entry(request_id=request.id, author_id=actor.id, kind=NOTE, public=False, body=body)
    db.session.add(entry)
    mark_active(request)
    db.session.flush()
    webhook_events.written(request, entry)
    return entry


def change_status(actor: User, request: Request, status: str) -> None:
    if status not in STAFF_STATUSES:
        raise RequestError("Choose a status from the list.")
    if status == request.status:
        return
    _set_status(actor, request, status)
    clock.recompute(request)
    mark_active(request)
    if status == RESOLVED:
        rate_link = current_app.config["BASE_URL"] + url_for(
            "customer.rate_by_link", token=link_token(request)
        )
        _notify_requester(
            request,
            f"Resolved: {request.subject}",
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
        record_event(request, actor, "status", public=True, status=status, previous=previous)
    else:  # not on the customer's timeline, but a status change all the same
        webhook_events.record(request, "status", {"status": status, "previous": previous})


def assign(actor: User, request: Request, assignee: User | None) -> None:
    """Claim, reassign or release. Only a member of the owning team can own a request."""
    if assignee is not None:
        is_member = db.session.scalar(
            select(Membership.id).where(
                Membership.team_id == request.team_id, Membership.user_id == assignee.id
            )
        )
        if is_member is None or not assignee.active or assignee.integration:
            raise RequestError("Only an active member of the owning team can own the request.")
    if request.assignee_id == (assignee.id if assignee else None):
        return
    request.assignee_id = assignee.id if assignee else None
    request.routing_reason = f"chosen by {actor.name}" if assignee else ""
    if assignee is not None:
        notify.tell(
            assignee.id,
            "assigned",
            f"{actor.name} assigned {request.reference} “{request.subject}” to you.",
            request=request,
            actor=actor,
        )
        record_event(
            request,
            actor,
            "assigned",
            public=True,
            assignee_id=assignee.id,
            assignee=assignee.name,  # the timeline says whom, without a lookup
            reason=request.routing_reason,
        )
    else:
        record_event(request, actor, "unassigned", public=False)
    mark_active(request)
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
    record_event(request, actor, "reclassified", public=False, **changes)
    clock.recompute(request)
    mark_active(request)
    db.session.flush()


def update_properties(
    actor: User,
    request: Request,
    *,
    assignee: User | None,
    status: str,
    function: Function | None,
    urgency: str,
) -> list[str]:
    """The request pane's one Save: each property that differs changes as its own action
    would (events, clock, notices), in one transaction. Returns what changed, in words.
    A new request is shown as open, so "open" leaves it new until someone acts on it."""
    before = (request.function_id, request.urgency, request.assignee_id, request.status)
    reclassify(actor, request, function=function, urgency=urgency)
    if (assignee.id if assignee else None) != request.assignee_id:
        assign(actor, request, assignee)
    if not (status == "open" and request.status == "new"):
        change_status(actor, request, status)
    after = (request.function_id, request.urgency, request.assignee_id, request.status)
    names = ("function", "urgency", "owner", "status")
    return [name for name, old, new in zip(names, before, after, strict=True) if old != new]


def _notify_requester(request: Request, subject: str, body: str, *, automatic=True) -> None:
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=request.id)
    queue_mail(
        request.requester.email,
        subject,
        render_template(
            "mail/request_update.txt",
            request=request,
            body=body,
            link=link,
            reference=request.reference,
            replies_by_mail=mail_threads.reply_address(request) is not None,
        ),
        about=request,
        automatic=automatic,
    )
