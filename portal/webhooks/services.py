"""A team's webhook endpoints, managed by its coach (or an admin): register, change, switch
off and on, roll the signing secret, remove; and the delivery log with "send again"."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import func, select

from .. import audit, webhook_events
from ..extensions import db
from ..models import (
    TEST_EVENT,
    WEBHOOK_EVENTS,
    Team,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from . import signing, targets
from .delivery import fail_pending

MAX_ENDPOINTS = 20  # per team
LOG_PAGE = 50


class EndpointError(ValueError):
    """An endpoint that may not be saved as asked; the message is for the person asking."""


def _checked(url: str, events: list[str]) -> tuple[str, str]:
    try:
        targets.check_url(url, current_app.config["WEBHOOK_ALLOW_LOOPBACK"])
    except targets.TargetError as error:
        raise EndpointError(str(error)) from None
    chosen = [kind for kind in WEBHOOK_EVENTS if kind in events]
    if not chosen:
        raise EndpointError("Choose at least one event to send.")
    return url.strip(), " ".join(chosen)


def endpoints(team_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.team_id == team_id)
            .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
        )
    )


def create(
    actor: User, team: Team, url: str, events: list[str], description: str
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is shown once."""
    url, chosen = _checked(url, events)
    count = db.session.scalar(select(func.count()).where(WebhookEndpoint.team_id == team.id))
    if count >= MAX_ENDPOINTS:
        raise EndpointError(f"A team has at most {MAX_ENDPOINTS} endpoints: remove one first.")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        team_id=team.id,
        url=url,
        events=chosen,
        description=description,
        secret=secret,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.created", endpoint, team_id=team.id, url=url, events=chosen)
    return endpoint, secret


def change(
    actor: User, endpoint: WebhookEndpoint, url: str, events: list[str], description: str
) -> None:
    endpoint.url, endpoint.events = _checked(url, events)
    endpoint.description = description
    audit.record(actor, "webhook.changed", endpoint, url=endpoint.url, events=endpoint.events)
    db.session.flush()


def switch(actor: User, endpoint: WebhookEndpoint, *, on: bool) -> None:
    """Off: nothing is queued for it or sent to it. On: a fresh start, and what was queued
    while it was off goes out."""
    endpoint.active = on
    if on:
        endpoint.failures, endpoint.failing_since, endpoint.disabled_reason = 0, None, None
    else:
        endpoint.disabled_reason = f"Switched off by {actor.name}."
        fail_pending(endpoint.id, f"Not sent: {endpoint.disabled_reason}")
    audit.record(actor, "webhook.switched_on" if on else "webhook.switched_off", endpoint)
    db.session.flush()


def roll_secret(actor: User, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, at once: the receiver must be given it before the next event."""
    endpoint.secret = signing.new_secret()
    audit.record(actor, "webhook.secret_rolled", endpoint)
    db.session.flush()
    return endpoint.secret


def remove(actor: User, endpoint: WebhookEndpoint) -> None:
    audit.record(actor, "webhook.removed", endpoint, url=endpoint.url)
    db.session.delete(endpoint)
    db.session.flush()


def send_test(actor: User, endpoint: WebhookEndpoint) -> None:
    """A `webhook.test` event to this endpoint only, whatever it subscribes to."""
    webhook_events.queue(
        [endpoint.id],
        TEST_EVENT,
        endpoint.team_id,
        {"message": f"A test from {actor.name}: this endpoint receives Onestop's webhooks."},
    )
    db.session.flush()


def redeliver(actor: User, delivery: WebhookDelivery) -> None:
    """Send a delivery again with a fresh set of attempts, under its own event id (so a
    receiver that already has it can tell). Only one done with (delivered or failed): one
    still queued or being sent goes out anyway."""
    if delivery.delivered_at is None and delivery.failed_at is None:
        raise EndpointError("This delivery is still queued: it will be sent.")
    delivery.delivered_at = delivery.failed_at = delivery.claimed_at = None
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    audit.record(actor, "webhook.redelivered", delivery, event_id=delivery.event_id)
    db.session.flush()
    g.webhooks_queued = True


def log(endpoint: WebhookEndpoint, before: int | None = None) -> tuple[list, int | None]:
    """A page of the endpoint's deliveries, newest first, and the id to continue before."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE + 1)))
    more = rows[LOG_PAGE - 1].id if len(rows) > LOG_PAGE else None
    return rows[:LOG_PAGE], more
