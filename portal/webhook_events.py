"""Telling a team's webhook endpoints what happened: each event becomes one delivery row per
subscribed endpoint, written in the transaction that makes the change, so a change is never
announced without being saved, nor saved without being announced. `tick` (or the end of the
request that queued it) sends them: portal/webhooks/delivery.py.

The services call `emit` where the change is made, whatever the channel (web, mail, API).
Timeline events map to webhook events here, in `record`, so each request service needs no
webhook code of its own. Payloads are thin: what happened and the ids to fetch the rest with
through the API, plus the text of a reply or note, which is what most receivers want.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from datetime import datetime
from types import MappingProxyType

from flask import g, has_app_context
from sqlalchemy import insert, literal, select

from . import caching
from .caching import WEBHOOK_SUBSCRIPTIONS
from .extensions import db
from .models import WEBHOOK_EVENTS, UTCDateTime, WebhookDelivery, WebhookEndpoint, utcnow

# A request's timeline events that are webhook events.
TIMELINE_EVENTS = {
    "status": "request.updated",
    "assigned": "request.updated",
    "unassigned": "request.updated",
    "reclassified": "request.updated",
    "merged": "request.updated",
    "merged_in": "request.updated",
    "handoff": "handoff.created",
    "handoff_done": "handoff.completed",
}


def _subscriptions() -> MappingProxyType:
    """{team id: {event type: endpoint ids}} for every active endpoint. Endpoints change
    rarely, so they move the site stamp (portal/caching.py) and every post reads this from
    the cache: a team without webhooks pays nothing to raise a request."""

    def load():
        table: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        rows = db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.team_id, WebhookEndpoint.events)
            .where(WebhookEndpoint.active)
            .order_by(WebhookEndpoint.id)
        )
        for endpoint_id, team_id, events in rows:
            for event_type in events.split():
                table[team_id][event_type].append(endpoint_id)
        return MappingProxyType(
            {
                team: MappingProxyType({kind: tuple(ids) for kind, ids in kinds.items()})
                for team, kinds in table.items()
            }
        )

    return WEBHOOK_SUBSCRIPTIONS.get(load, stamp=caching.site())


def new_event_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def stamp(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def envelope(event_id: str, event_type: str, team_id: int, data: dict) -> str:
    """The body every endpoint receives (the Standard Webhooks shape: type, timestamp, data)."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "timestamp": stamp(utcnow()),
            "team_id": team_id,
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def queue(endpoint_ids, event_type: str, team_id: int, data: dict) -> None:
    """One delivery per endpoint, all with the event's id, in one INSERT … SELECT that takes
    only the endpoints still there and on: the cached list may be a moment old, and a
    customer's post must never fail for an endpoint removed meanwhile."""
    event_id = new_event_id()
    payload = envelope(event_id, event_type, team_id, data)
    now = utcnow()
    rows = select(
        WebhookEndpoint.id,
        literal(event_id),
        literal(event_type),
        literal(payload),
        literal(now, UTCDateTime),
        literal(now, UTCDateTime),
        literal(0),
    ).where(WebhookEndpoint.id.in_(list(endpoint_ids)), WebhookEndpoint.active)
    columns = (
        "endpoint_id",
        "event_id",
        "event_type",
        "payload",
        "created_at",
        "next_attempt_at",
        "attempts",
    )
    db.session.execute(insert(WebhookDelivery).from_select(columns, rows))
    if has_app_context():
        g.webhooks_queued = True


def emit(team_id: int, event_type: str, data_of) -> None:
    """Queue `event_type` for the team's endpoints that want it. `data_of` builds the data
    only when some endpoint does."""
    assert event_type in WEBHOOK_EVENTS, event_type
    endpoint_ids = _subscriptions().get(team_id, {}).get(event_type)
    if endpoint_ids:
        queue(endpoint_ids, event_type, team_id, data_of())


def request_data(request) -> dict:
    return {
        "id": request.id,
        "reference": request.reference,
        "subject": request.subject,
        "status": request.status,
        "urgency": request.urgency,
        "account_id": request.account_id,
        "requester_id": request.requester_id,
        "function_id": request.function_id,
        "assignee_id": request.assignee_id,
        "channel": request.channel,
        "created_at": stamp(request.created_at),
    }


def entry_data(entry) -> dict:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "public": entry.public,
        "author_id": entry.author_id,
        "body": entry.body,
        "created_at": stamp(entry.created_at),
    }


def record(request, event: str, data: dict) -> None:
    """A timeline event of `request` (services.record_event), announced if it is a webhook
    event: the request as it is now, and the change as the timeline records it."""
    event_type = TIMELINE_EVENTS.get(event)
    if event_type is not None:
        emit(
            request.team_id,
            event_type,
            lambda: {"request": request_data(request), "change": {"event": event, **data}},
        )


def written(request, entry) -> None:
    """A reply or a note: flushed first, so the entry has its id and time."""
    event_type = "note.created" if entry.kind == "note" else "reply.created"

    def data():
        db.session.flush()
        return {"request": request_data(request), "entry": entry_data(entry)}

    emit(request.team_id, event_type, data)
