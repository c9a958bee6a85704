"""Requests through the API: list, read, raise, reply, and a request's timeline.

Each view is the web's rule reached another way: what a token sees is what its person sees
on the web (`access.requests_visible_to`, narrowed to the token's account for a contact's
token), and every write goes through the services the web's forms call."""

from __future__ import annotations

import uuid

from flask import abort, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import access
from ..access import API_READ, API_TEAM_WRITE, API_WRITE, policy
from ..api_auth import api_person, api_token
from ..extensions import db
from ..models import OPEN_STATUSES, Account, Entry, Function, Request, User
from ..models.request import CLOSED, RESOLVED
from ..requests import raising, search
from ..requests import services as request_services
from ..requests.errors import RequestError, ensure_not_merged
from . import COMMON_ERRORS, bp, problem_response
from .etags import check_if_match, etag_header, request_etag, unchanged
from .idempotency import derived_key, idempotent
from .paging import page
from .schemas import (
    EntryOut,
    EntryPage,
    NewNote,
    NewReply,
    NewRequest,
    PageQuery,
    RequestChanges,
    RequestOut,
    RequestPage,
    RequestQuery,
)

_SHOWN = (
    joinedload(Request.account),
    joinedload(Request.requester),
    joinedload(Request.assignee),
    joinedload(Request.function),
)
NOT_FOUND = {404: problem_response("No such request that this token may see.")}
INVALID = {422: problem_response("A field is missing or not valid.")}
STATUS_GROUPS = {"open": OPEN_STATUSES, "resolved": (RESOLVED,), "closed": (CLOSED,)}


def _person_and_account() -> tuple[User, int | None]:
    return api_person(), api_token().account_id


def request_out(item: Request, *, for_team: bool) -> dict:
    """What the API says about a request; the service clock's due times only to the team."""
    return {
        "id": item.id,
        "reference": item.reference,
        "subject": item.subject,
        "description": item.description,
        "status": item.status,
        "customer_status": item.customer_status,
        "urgency": item.urgency,
        "channel": item.channel,
        "account": {"id": item.account.id, "name": item.account.name},
        "requester": {"id": item.requester.id, "name": item.requester.name},
        "assignee": (
            {"id": item.assignee.id, "name": item.assignee.name} if item.assignee else None
        ),
        "function": item.function.name if item.function else None,
        "created_at": item.created_at,
        "last_activity_at": item.last_activity_at,
        "resolved_at": item.resolved_at,
        "first_response_due_at": item.first_response_due_at if for_team else None,
        "resolution_due_at": item.resolution_due_at if for_team else None,
        "version": item.version,
    }


def _entry_out(entry: Entry) -> dict:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "public": entry.public,
        "author": {"id": entry.author.id, "name": entry.author.name} if entry.author else None,
        "body": entry.body,
        "event": entry.event,
        "created_at": entry.created_at,
    }


def visible_request(request_id: int, *options) -> Request:
    person, account_id = _person_and_account()
    return access.get_request_as(person, request_id, *options, account_id=account_id)


def function_in_use(function_id: int) -> Function:
    function = db.session.get(Function, function_id)
    if function is None or not function.active:
        abort(422, "Choose one of the functions in use.")
    return function


def writable_request(request_id: int, *options) -> Request:
    """A request to change: not stale by If-Match (412), not merged into another (409), as
    the web refuses both."""
    item = visible_request(request_id, *options)
    check_if_match(item)
    try:
        ensure_not_merged(item)
    except RequestError as error:
        abort(409, str(error))
    return item


@bp.get("/requests")
@bp.input(RequestQuery, location="query", arg_name="query")
@bp.output(RequestPage)
@bp.doc(operation_id="listRequests", responses={**COMMON_ERRORS, **INVALID})
@policy(API_READ)
def list_requests(query: RequestQuery):
    """Requests this token may see, newest first, a page at a time."""
    person, account_id = _person_and_account()
    listing = access.requests_visible_to(person).options(*_SHOWN)
    # A contact token: its account; a team token: its team only, whatever else its person
    # may reach.
    if account_id is not None:
        scope = Request.account_id == account_id
    else:
        scope = Request.team_id == api_token().team_id
    listing = listing.where(scope)
    if query.account_id is not None:
        listing = listing.where(Request.account_id == query.account_id)
    if query.function_id is not None:
        listing = listing.where(Request.function_id == query.function_id)
    if query.urgency is not None:
        listing = listing.where(Request.urgency == query.urgency)
    if query.assignee_id is not None:
        listing = listing.where(Request.assignee_id == query.assignee_id)
    if query.unassigned:
        listing = listing.where(Request.assignee_id.is_(None))
    if query.status != "all":
        statuses = STATUS_GROUPS.get(query.status, (query.status,))
        listing = listing.where(Request.status.in_(statuses))
    if query.q:
        listing = listing.where(
            search.search_condition(
                query.q, entries=person.is_staff, within=(scope,) if account_id is None else ()
            )
        )
    if query.after is not None:
        listing = listing.where(Request.id < query.after)
    rows, following = page(
        list(db.session.scalars(listing.order_by(Request.id.desc()).limit(query.limit + 1))),
        query.limit,
        ".list_requests",
        status=query.status if query.status != "all" else None,
        q=query.q,
        account_id=query.account_id,
        function_id=query.function_id,
        urgency=query.urgency,
        assignee_id=query.assignee_id,
        unassigned="true" if query.unassigned else None,
    )
    return {"items": [request_out(r, for_team=person.is_staff) for r in rows], "next": following}


@bp.get("/requests/<int:request_id>")
@bp.output(RequestOut)
@bp.doc(
    operation_id="getRequest",
    responses={**COMMON_ERRORS, **NOT_FOUND, 304: {"description": "Unchanged since that ETag"}},
)
@policy(API_READ)
def get_request(request_id: int):
    """One request. Its ETag is its version: send it back as If-None-Match to poll cheaply."""
    item = visible_request(request_id, *_SHOWN)
    etag = request_etag(item)
    return unchanged(etag) or (
        request_out(item, for_team=api_person().is_staff),
        200,
        etag_header(etag),
    )


@bp.get("/requests/<int:request_id>/timeline")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(EntryPage)
@bp.doc(operation_id="getTimeline", responses={**COMMON_ERRORS, **NOT_FOUND, **INVALID})
@policy(API_READ)
def timeline(request_id: int, query: PageQuery):
    """A request's entries, oldest first: replies and public events, and for a team token
    its internal notes and events too."""
    item = visible_request(request_id)
    entries = (
        select(Entry)
        .where(Entry.request_id == item.id)
        .options(joinedload(Entry.author))
        .order_by(Entry.id)
        .limit(query.limit + 1)
    )
    if not api_person().is_staff:
        entries = entries.where(Entry.public.is_(True))
    if query.after is not None:
        entries = entries.where(Entry.id > query.after)
    rows, following = page(
        list(db.session.scalars(entries)), query.limit, ".timeline", request_id=item.id
    )
    return {"items": [_entry_out(e) for e in rows], "next": following}


@bp.post("/requests")
@idempotent
@bp.input(NewRequest, arg_name="body")
@bp.output(
    RequestOut,
    status_code=201,
    links={
        "GetRequestById": {
            "operationId": "getRequest",
            "parameters": {"request_id": "$response.body#/id"},
        }
    },
)
@bp.doc(
    operation_id="raiseRequest",
    responses={**COMMON_ERRORS, **INVALID, 409: problem_response("Idempotency-Key reused")},
)
@policy(API_WRITE)
def raise_request(body: NewRequest):
    """Raise a request: as the contact (a contact's token), or for a contact of the team (a
    team token, with `requester_id`). Send an Idempotency-Key to make a retry safe."""
    person, account_id = _person_and_account()
    key = derived_key(request.headers.get("Idempotency-Key"), uuid.uuid4().hex)
    try:
        if person.is_staff:
            item = _raise_for_contact(person, body, key)
        else:
            if body.requester_id not in (None, person.id):
                raise RequestError("A contact's token raises requests as that contact.")
            new = raising.NewRequest(
                account=db.session.get(Account, account_id),
                function=None,
                subject=body.subject,
                description=body.description,
                urgency=body.urgency,
                expected_by=body.expected_by,
                expected_outcome="",
                idempotency_key=key,
                channel="api",
            )
            item, _ = raising.raise_request(person, new)
    except RequestError as error:
        abort(422, str(error))
    item = visible_request(item.id, *_SHOWN)
    location = url_for(".get_request", request_id=item.id)
    return request_out(item, for_team=person.is_staff), 201, {"Location": location}


def _raise_for_contact(person: User, body: NewRequest, key: str) -> Request:
    if body.requester_id is None:
        raise RequestError("Say which contact it is for: requester_id.")
    contact = db.session.get(User, body.requester_id)
    if contact is None:
        raise RequestError("Choose one of the team's customers.")
    team_id = api_token().team_id
    item, _ = raising.log_for(
        person,
        contact,
        team_id,
        channel="api",
        function=None,
        urgency=body.urgency,
        subject=body.subject,
        description=body.description,
        idempotency_key=key,
    )
    return item


@bp.post("/requests/<int:request_id>/replies")
@idempotent
@bp.input(NewReply, arg_name="body")
@bp.output(EntryOut, status_code=201)
@bp.doc(
    operation_id="replyToRequest",
    responses={
        **COMMON_ERRORS,
        **NOT_FOUND,
        **INVALID,
        409: problem_response("Merged into another request, or Idempotency-Key reused"),
        412: problem_response("If-Match: the request changed since that version"),
    },
)
@policy(API_WRITE)
def reply(request_id: int, body: NewReply):
    """A public reply on the request, from the token's person. Send the request's ETag as
    If-Match to be refused (412) if someone changed it meanwhile."""
    person = api_person()
    item = writable_request(request_id)
    try:
        if person.is_staff:
            entry = request_services.reply_as_staff(person, item, body.body)
        else:
            entry = request_services.reply_as_contact(person, item, body.body)
    except RequestError as error:
        abort(422, str(error))
    return _entry_made(item, entry)


def _entry_made(item: Request, entry: Entry):
    """201 with the new entry, where the timeline is, and the request's new ETag."""
    db.session.flush()
    entry = db.session.scalar(
        select(Entry).where(Entry.id == entry.id).options(joinedload(Entry.author))
    )
    location = url_for(".timeline", request_id=item.id)
    return _entry_out(entry), 201, {"Location": location, **etag_header(request_etag(item))}


STALE = {
    409: problem_response("Merged into another request, or Idempotency-Key reused"),
    412: problem_response("If-Match: the request changed since that version"),
}
TEAM_ONLY = {403: problem_response("A contact's or read-only token may not do this.")}


@bp.post("/requests/<int:request_id>/notes")
@idempotent
@bp.input(NewNote, arg_name="body")
@bp.output(EntryOut, status_code=201)
@bp.doc(
    operation_id="addNote",
    responses={**COMMON_ERRORS, **NOT_FOUND, **INVALID, **STALE, **TEAM_ONLY},
)
@policy(API_TEAM_WRITE)
def note(request_id: int, body: NewNote):
    """An internal note: the team sees it, the customer never does."""
    item = writable_request(request_id)
    return _entry_made(item, request_services.add_note(api_person(), item, body.body))


@bp.patch("/requests/<int:request_id>")
@idempotent
@bp.input(RequestChanges, arg_name="body")
@bp.output(RequestOut)
@bp.doc(
    operation_id="changeRequest",
    responses={**COMMON_ERRORS, **NOT_FOUND, **INVALID, **STALE, **TEAM_ONLY},
)
@policy(API_TEAM_WRITE)
def change(request_id: int, body: RequestChanges):
    """Owner, status, function and urgency, as the request pane's one Save changes them."""
    person = api_person()
    item = writable_request(request_id, *_SHOWN)
    assignee = item.assignee
    if body.unassign and body.assignee_id is not None:
        abort(422, "Send assignee_id or unassign, not both.")
    if body.unassign:
        assignee = None
    elif body.assignee_id is not None:
        assignee = db.session.get(User, body.assignee_id)
        if assignee is None:
            abort(422, "Only an active member of the owning team can own the request.")
    function = item.function
    if body.function_id is not None:
        function = function_in_use(body.function_id)
    status = body.status or ("open" if item.status == "new" else item.status)
    try:
        request_services.update_properties(
            person,
            item,
            assignee=assignee,
            status=status,
            function=function,
            urgency=body.urgency or item.urgency,
        )
    except RequestError as error:
        abort(422, str(error))
    db.session.flush()
    db.session.expire(item)  # its owner and function objects are the ones it had before
    item = visible_request(request_id, *_SHOWN)
    etag = request_etag(item)
    return request_out(item, for_team=True), 200, etag_header(etag)
