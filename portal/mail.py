"""Mail through an outbox: queued in the same transaction as the change, delivered after.

A crash before commit loses the change and its mail together; a crash after commit leaves the
message queued for the next delivery run (`flask --app portal tick` or the next request that
queues mail). A claim step stops two workers from sending one message twice.
"""

from __future__ import annotations

import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import or_, select, update

from .extensions import db
from .models import OutboxMessage, utcnow

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=5)


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    g.mail_queued = True
    return message


def _send(message: OutboxMessage, config) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    if config["MAIL_BACKEND"] == "console":
        sys.stdout.write(f"\n--- mail to {message.recipient} ---\n{email}\n--- end of mail ---\n")
        sys.stdout.flush()
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _claim(message_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return claimed.rowcount == 1


def deliver_pending(limit: int = 100) -> int:
    """Send what is queued; returns how many were sent. Failures stay queued for a retry."""
    config = current_app.config
    now = utcnow()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message_id in ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            _send(message, config)
        except (OSError, smtplib.SMTPException) as error:
            message.claimed_at = None
            message.last_error = str(error)[:500]
            # Back off: 1, 2, 4, 8 minutes after the 1st, 2nd, 3rd, 4th failure.
            message.next_attempt_at = utcnow() + timedelta(minutes=2 ** (message.attempts - 1))
            current_app.logger.warning("mail %s not sent: %s", message_id, error)
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent


def deliver_after_response(app):
    """Deliver once the response has gone, so sending never slows or reveals anything."""

    def run():
        with app.app_context():
            deliver_pending()

    return run
