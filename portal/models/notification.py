"""What staff are told: a notification per event that needs them, and how each person wants
each kind (at once by mail, in a daily digest, or not at all)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

# Each kind, as the settings page names it.
NOTIFICATION_KINDS = {
    "assigned": "A request is assigned to you",
    "customer_replied": "A customer answers on your request",
    "handoff": "A handoff to you, or back from one you asked for",
    "clock": "Your request is at risk or in breach",
    "coach_breach": "A breach in a team you coach",
    "low_rating": "A low rating in a team you coach",
    "follow_up": "A follow-up with a customer is yours (or has no owner, for coaches)",
    "webhook_disabled": "A webhook of a team you coach is switched off after failing",
}
NOW, DIGEST, OFF = "now", "digest", "off"
MODES = {NOW: "At once, by mail", DIGEST: "In a daily digest", OFF: "Off"}


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        # The list and its unread count, newest first.
        Index("ix_notification_user_read", "user_id", "read_at", "id"),
        # Told once: the same at-risk target is not announced every minute (NULLs repeat).
        UniqueConstraint("user_id", "dedup"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(300))
    dedup: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it went out by mail (at once, or in a digest); None: waiting for the next digest.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSetting(db.Model):
    """Only the kinds a person changed: every other kind is NOW."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))
