"""Mail waiting to be delivered: written with the change that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # Only the failed few, newest first, for the admin's list. Partial, so that it can
        # never serve delivery's `failed_at IS NULL` (true of nearly every row, sent ones too)
        # in place of the index on sent_at.
        Index(
            "ix_outbox_message_failed_at",
            "failed_at",
            sqlite_where=text("failed_at IS NOT NULL"),
            postgresql_where=text("failed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A sender claims a message before sending, so two workers never both send it.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # After a failure, wait longer each time (1, 2, 4 ... minutes) before the next try.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Given up: refused for good (a header that cannot be built, a 5xx for the recipient) or
    # out of attempts. Delivery skips it until an admin retries it (portal/admin/mail.py).
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Threading (portal/mail_threads.py), set when the message is queued and sent as is, so a
    # retry goes out under the same Message-ID. All None in rows written before 0023, which
    # still send (delivery gives them a Message-ID of their own).
    # The request the mail is about: its thread is the earlier mails about it to the same
    # recipient. The index serves that lookup.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="SET NULL"), index=True
    )
    # Unique: a bounce or a reply names it, and finds this row by it.
    message_id: Mapped[str | None] = mapped_column(String(400), unique=True, index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(400))
    # The References header (`references` is an SQL keyword).
    thread_references: Mapped[str | None] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    auto_submitted: Mapped[str | None] = mapped_column(String(32))
    # A delivery report said it could not be delivered (portal/mail_in/intake.py).
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_reason: Mapped[str | None] = mapped_column(String(300))
