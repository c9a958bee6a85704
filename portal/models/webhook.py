"""Webhook endpoints a team registers, and the deliveries queued for them: an outbox of its own,
written in the transaction that makes the change and sent afterwards by `tick`."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# What a team can subscribe to, as the endpoint form names them.
WEBHOOK_EVENTS = {
    "request.created": "A request is raised",
    "request.updated": "A request's status, owner, function or urgency changes",
    "reply.created": "A public reply, from the customer or the team",
    "note.created": "An internal note",
    "handoff.created": "A part is handed to another function",
    "handoff.completed": "A handoff is done",
    "rating.created": "A customer rates a request",
    "round.opened": "A review round opens",
    "round.closed": "A review round closes",
    "procedure.adopted": "A procedure is adopted",
}
# Sent only by "Send a test event", whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Subscribed event types, space-separated (keys of WEBHOOK_EVENTS).
    events: Mapped[str] = mapped_column(Text)
    # Signing key, Standard Webhooks style ("whsec_" + base64). Kept readable: signing needs it.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # Failed attempts in a row, and since when; a success clears both. An endpoint failing
    # for long enough is switched off (portal/webhooks/delivery.py).
    failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship("Team")
    created_by = relationship("User")

    @property
    def event_types(self) -> list[str]:
        return self.events.split()

    @property
    def secret_fingerprint(self) -> str:
        """Tells two secrets apart without showing either (the receiver can compute it)."""
        return hashlib.sha256(self.secret.encode()).hexdigest()[:12]


class WebhookDelivery(db.Model):
    """One event for one endpoint. Its id for the receiver (`event_id`) is the event's, the
    same for every endpoint and every retry, so a receiver can drop what it already has."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The endpoint's delivery log, newest first.
        Index("ix_webhook_delivery_endpoint_id_id", "endpoint_id", "id"),
        # What tick looks for: only the rows still to send are in it.
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            sqlite_where=text("delivered_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The receiver's HTTP status (None: no answer), what went wrong, and how long it took.
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int | None]

    endpoint = relationship("WebhookEndpoint")

    @property
    def readable_payload(self) -> str:
        return json.dumps(json.loads(self.payload), indent=2, ensure_ascii=False)

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "queued"
