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
from sqlalchemy import bindparam, or_, select, update

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


def _send(message, config) -> None:
    """`message`: anything with a recipient, a subject and a body (a claimed row)."""
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


# The claim: an UPDATE whose WHERE says "due, and claimed by nobody (or by a worker long
# gone)". Of two workers racing for the same rows, the second finds them claimed once the
# first commits (SQLite lets one writer in at a time; PostgreSQL re-checks the WHERE of a
# row another transaction changed), so no message goes out twice. One statement, built
# once: it runs after every request that queues mail.
_UNCLAIMED = or_(
    OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < bindparam("stale_before")
)
_DUE = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < MAX_ATTEMPTS,
        or_(
            OutboxMessage.next_attempt_at.is_(None),
            OutboxMessage.next_attempt_at <= bindparam("now"),
        ),
        _UNCLAIMED,
    )
    .order_by(OutboxMessage.id)
    .limit(bindparam("limit"))
)
_CLAIM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id.in_(_DUE.scalar_subquery()),
        OutboxMessage.sent_at.is_(None),
        _UNCLAIMED,
    )
    .values(claimed_at=bindparam("now"), attempts=OutboxMessage.attempts + 1)
    .returning(
        OutboxMessage.id,
        OutboxMessage.recipient,
        OutboxMessage.subject,
        OutboxMessage.body,
        OutboxMessage.attempts,
    )
    .execution_options(synchronize_session=False)
)
_MARK = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("message_id"))
    .execution_options(synchronize_session=False)
)
_MARK_SENT = _MARK.values(sent_at=bindparam("at"), last_error=None)
_MARK_FAILED = _MARK.values(
    claimed_at=None, last_error=bindparam("error"), next_attempt_at=bindparam("retry_at")
)


def _claim_due(limit: int) -> list:
    """Claim the messages that are due, oldest first, in one short transaction."""
    now = utcnow()
    claimed = db.session.execute(
        _CLAIM, {"now": now, "stale_before": now - CLAIM_TIMEOUT, "limit": limit}
    ).all()
    db.session.commit()
    return sorted(claimed, key=lambda message: message.id)


# Claimed together, sent one by one: a batch must be sent well within CLAIM_TIMEOUT, after
# which another worker takes its messages for abandoned and sends them again (ten messages
# at SMTP's 10 s timeout is 100 s of the 5 minutes).
CLAIM_BATCH = 10


def deliver_pending(limit: int = 100) -> int:
    """Send what is queued; returns how many were sent. Failures stay queued for a retry.

    Each message is marked sent (or failed) in its own commit straight after its attempt, so
    a crash mid-batch re-sends at most the one message in flight."""
    sent = tried = 0
    while tried < limit:
        batch = _claim_due(min(CLAIM_BATCH, limit - tried))
        sent += _send_claimed(batch)
        tried += len(batch)
        if len(batch) < CLAIM_BATCH:
            break
    return sent


def _send_claimed(batch) -> int:
    config = current_app.config
    sent = 0
    for message in batch:
        try:
            _send(message, config)
        except (OSError, smtplib.SMTPException) as error:
            # Back off: 1, 2, 4, 8 minutes after the 1st, 2nd, 3rd, 4th failure.
            retry_at = utcnow() + timedelta(minutes=2 ** (message.attempts - 1))
            db.session.execute(
                _MARK_FAILED,
                {"message_id": message.id, "error": str(error)[:500], "retry_at": retry_at},
            )
            current_app.logger.warning("mail %s not sent: %s", message.id, error)
        else:
            db.session.execute(_MARK_SENT, {"message_id": message.id, "at": utcnow()})
            sent += 1
        db.session.commit()
    return sent


def deliver_after_response(app):
    """Deliver once the response has gone, so sending never slows or reveals anything."""

    def run():
        with app.app_context():
            deliver_pending()

    return run
