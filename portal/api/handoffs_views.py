"""A request's handoffs through the API, for team tokens: list them, hand a part to another
function (routed by skill and load unless an owner is named), and mark one done; through
the same services as the request pane and the handoff page."""

from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import API_TEAM_READ, API_TEAM_WRITE, policy
from ..api_auth import api_person
from ..extensions import db
from ..models import Handoff, User
from ..requests import handoffs
from ..requests.errors import RequestError
from . import COMMON_ERRORS, bp
from .etags import etag_header, request_etag
from .idempotency import idempotent
from .requests_views import (
    INVALID,
    NOT_FOUND,
    STALE,
    TEAM_ONLY,
    function_in_use,
    visible_request,
    writable_request,
)
from .schemas import HandoffDone, HandoffList, HandoffOut, NewHandoff

_SHOWN = (
    joinedload(Handoff.function),
    joinedload(Handoff.owner),
    joinedload(Handoff.created_by),
)


def _person(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.name} if user else None


def _handoff_out(handoff: Handoff) -> dict:
    return {
        "id": handoff.id,
        "request_id": handoff.request_id,
        "function": handoff.function.name,
        "owner": _person(handoff.owner),
        "asked_by": _person(handoff.created_by),
        "what_is_needed": handoff.what_is_needed,
        "status": handoff.status,
        "waits_for_id": handoff.waits_for_id,
        "started_at": None if handoff.is_waiting else handoff.started_at or handoff.created_at,
        "due_at": handoff.due_at,
        "outcome": handoff.outcome,
        "created_at": handoff.created_at,
        "completed_at": handoff.completed_at,
    }


def _handoff(request_id: int, handoff_id: int) -> Handoff:
    found = db.session.scalar(
        select(Handoff)
        .where(Handoff.id == handoff_id, Handoff.request_id == request_id)
        .options(*_SHOWN)
    )
    if found is None:
        abort(404, "No such handoff on this request.")
    return found


@bp.get("/requests/<int:request_id>/handoffs")
@bp.output(HandoffList)
@bp.doc(operation_id="listHandoffs", tags=["Handoffs"], responses={**COMMON_ERRORS, **NOT_FOUND})
@policy(API_TEAM_READ)
def list_handoffs(request_id: int):
    """The parts of a request handed to other functions, oldest first."""
    item = visible_request(request_id)
    rows = db.session.scalars(
        select(Handoff).where(Handoff.request_id == item.id).options(*_SHOWN).order_by(Handoff.id)
    )
    return {"items": [_handoff_out(h) for h in rows]}


@bp.post("/requests/<int:request_id>/handoffs")
@idempotent
@bp.input(NewHandoff, arg_name="body")
@bp.output(HandoffOut, status_code=201)
@bp.doc(
    operation_id="handOff",
    tags=["Handoffs"],
    responses={**COMMON_ERRORS, **NOT_FOUND, **INVALID, **STALE, **TEAM_ONLY},
)
@policy(API_TEAM_WRITE)
def hand_off(request_id: int, body: NewHandoff):
    """Hand a part of the request to a function (credit, delivery…): the request keeps its
    owner; the handoff gets its own, and its own due time in business hours."""
    item = writable_request(request_id)
    function = function_in_use(body.function_id)
    owner = None
    if body.owner_id is not None:
        owner = db.session.get(User, body.owner_id)
        if owner is None:
            abort(422, "Choose an active staff member as the owner.")
    waits_for = None
    if body.waits_for_id is not None:
        waits_for = db.session.scalar(
            select(Handoff).where(Handoff.id == body.waits_for_id, Handoff.request_id == item.id)
        )
        if waits_for is None:
            abort(422, "waits_for_id: no such handoff on this request.")
    try:
        made = handoffs.create(
            api_person(),
            item,
            function=function,
            owner=owner,
            what_is_needed=body.what_is_needed,
            due_in_hours=body.due_in_hours,
            waits_for=waits_for,
        )
    except RequestError as error:
        abort(422, str(error))
    headers = {
        "Location": url_for(".list_handoffs", request_id=item.id),
        **etag_header(request_etag(item)),
    }
    return _handoff_out(_handoff(item.id, made.id)), 201, headers


@bp.post("/requests/<int:request_id>/handoffs/<int:handoff_id>/done")
@idempotent
@bp.input(HandoffDone, arg_name="body")
@bp.output(HandoffOut)
@bp.doc(
    operation_id="completeHandoff",
    tags=["Handoffs"],
    responses={**COMMON_ERRORS, **NOT_FOUND, **INVALID, **STALE, **TEAM_ONLY},
)
@policy(API_TEAM_WRITE)
def complete_handoff(request_id: int, handoff_id: int, body: HandoffDone):
    """Mark a handoff done, with its outcome; whoever asked for it is told."""
    item = writable_request(request_id)
    handoff = _handoff(item.id, handoff_id)
    try:
        handoffs.complete(api_person(), handoff, body.outcome)
    except RequestError as error:
        abort(422, str(error))
    return _handoff_out(handoff), 200, etag_header(request_etag(item))
