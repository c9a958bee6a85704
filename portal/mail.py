"""Mail through an outbox: queued in the same transaction as the change, delivered after.

A crash before commit loses the change and its mail together; a crash after commit leaves the
message queued for the next delivery run (`flask --app portal tick` or the next request that
queues mail). A claim step stops two workers from sending one message twice.

One message cannot hold up the others: whatever goes wrong while one is built or sent costs
that message an attempt and is recorded on it. A message that can never go out (a header
EmailMessage refuses, a permanent refusal of its recipient) or that runs out of attempts is
marked failed, for an admin to retry or discard (portal/admin/mail.py).

Every message carries a Message-ID, and mail about a request the headers that thread it
(portal/mail_threads.py), worked out when it is queued and kept on its row.
"""

from __future__ import annotations

import re
import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import bindparam, func, or_, select, update

from . import audit, mail_threads
from .extensions import db
from .models import OutboxMessage, Request, utcnow

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=5)
SUBJECT_LENGTH = OutboxMessage.__table__.c.subject.type.length
# The threading headers are ours, short by construction (ten Message-IDs at most); this
# bound only stops a row written some other way from making a header without end.
THREAD_HEADER_LENGTH = 8000
ERROR_LENGTH = OutboxMessage.__table__.c.last_error.type.length

# Every character `str.splitlines` breaks at (\n \r \v \f \x1c-\x1e \x85 U+2028 U+2029), which
# the email package refuses in a header, and every other control character (tab, NUL, DEL,
# C1), which has no business in one line of text and NUL not in PostgreSQL either.
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A lone surrogate (text decoded with surrogateescape) cannot be encoded for sending.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def header_text(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """User text made fit for one mail header (a subject, a display name): line breaks and
    control characters become spaces, runs of spaces one, trimmed, at most `limit` long.

    The one place header values are cleaned: `queue_mail` stores only what can be sent, and
    delivery cleans again for a row written any other way."""
    text = _LONE_SURROGATE.sub("\ufffd", _NOT_IN_A_HEADER.sub(" ", text))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def queue_mail(
    recipient: str,
    subject: str,
    body: str,
    *,
    about: Request | None = None,
    automatic: bool = True,
    answers: str | None = None,
    first: bool = False,
) -> OutboxMessage:
    """Queue a message, sent after the commit. `about`: the request a mail to its customer
    is about, which threads it with their earlier mails about it and, when the team has an
    address, lets them answer by replying. `automatic`: False only for words a person wrote
    to the recipient (a staff reply), which auto-responders may answer. `answers`: the
    Message-ID of the recipient's mail this one answers automatically (the receipt of a
    request raised by mail), which it threads under and says it replies to (RFC 3834).
    `first`: the request was created in this transaction, so no earlier mail about it can
    exist (the receipt): its thread is not looked up."""
    if about is not None:
        subject = mail_threads.tagged(about, subject)
        headers = mail_threads.about_request(about, recipient, answers, first=first)
    else:
        headers = {"message_id": mail_threads.new_message_id(current_app.config)}
    auto_submitted = None
    if automatic:
        auto_submitted = mail_threads.AUTO_REPLIED if answers else mail_threads.AUTO_GENERATED
    message = OutboxMessage(
        recipient=recipient,
        subject=header_text(subject),
        body=body,
        auto_submitted=auto_submitted,
        **headers,
    )
    db.session.add(message)
    db.session.flush()
    g.mail_queued = True
    return message


def _build(message, config) -> EmailMessage:
    """`message`: anything with a recipient, a subject, a body and the threading columns (a
    claimed row). Raises (ValueError and the like) for a message that can never be built:
    retrying cannot help. Every header is cleaned again here, for a row written any other
    way; a row queued before the threading columns (all None) goes out with a Message-ID
    made now and nothing else new."""
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = header_text(message.subject)
    email["Message-ID"] = _threading(message.message_id) or mail_threads.new_message_id(config)
    for name, value in (
        ("In-Reply-To", message.in_reply_to),
        ("References", message.thread_references),
        ("Reply-To", message.reply_to),
        ("Auto-Submitted", message.auto_submitted),
    ):
        if value := _threading(value):
            email[name] = value
    email.set_content(message.body)
    return email


def _threading(value: str | None) -> str:
    return header_text(value, limit=THREAD_HEADER_LENGTH) if value else ""


def _transmit(email: EmailMessage, config) -> None:
    if config["MAIL_BACKEND"] == "console":
        sys.stdout.write(f"\n--- mail to {email['To']} ---\n{email}\n--- end of mail ---\n")
        sys.stdout.flush()
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _refused_for_good(error: Exception) -> bool:
    """The server refused every recipient with a permanent (5xx) answer: no retry will pass.
    Anything else (network, 4xx, the server's own trouble) may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return False


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


# The claim: an UPDATE whose WHERE says "due, and claimed by nobody (or by a worker long
# gone)". Of two workers racing for the same rows, the second finds them claimed once the
# first commits (SQLite lets one writer in at a time; PostgreSQL re-checks the WHERE of a
# row another transaction changed), so no message goes out twice. One statement, built
# once: it runs after every request that queues mail. Due means neither sent nor failed
# (both plain IS NULL tests, which the index on sent_at answers) and past its back-off. The
# attempt count is not in it: a message out of attempts is failed, and one claimed for its
# last attempt by a worker that then stopped comes back here to be marked failed too.
_UNCLAIMED = or_(
    OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < bindparam("stale_before")
)
_DUE = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
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
        OutboxMessage.failed_at.is_(None),
        _UNCLAIMED,
    )
    .values(claimed_at=bindparam("now"), attempts=OutboxMessage.attempts + 1)
    .returning(
        OutboxMessage.id,
        OutboxMessage.recipient,
        OutboxMessage.subject,
        OutboxMessage.body,
        OutboxMessage.attempts,
        OutboxMessage.message_id,
        OutboxMessage.in_reply_to,
        OutboxMessage.thread_references,
        OutboxMessage.reply_to,
        OutboxMessage.auto_submitted,
    )
    .execution_options(synchronize_session=False)
)
_MARK = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("outbox_id"))
    .execution_options(synchronize_session=False)
)
_MARK_SENT = _MARK.values(sent_at=bindparam("at"), last_error=None)
_MARK_RETRY = _MARK.values(
    claimed_at=None, last_error=bindparam("error"), next_attempt_at=bindparam("retry_at")
)
_MARK_FAILED = _MARK.values(
    claimed_at=None,
    last_error=bindparam("error"),
    next_attempt_at=None,
    failed_at=bindparam("at"),
    attempts=bindparam("attempts"),
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
    """Send what is queued; returns how many were sent. A failure costs only its own message
    an attempt: it is retried later, or marked failed when retrying cannot help.

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
        sent += _attempt(message, config)
        db.session.commit()
    return sent


def _attempt(message, config) -> bool:
    """Try one claimed message and record the outcome; True when it went out. Nothing raised
    while building or sending it reaches the rest of the batch."""
    if message.attempts > MAX_ATTEMPTS:
        # Its last attempt was claimed but never recorded (a worker stopped mid-send): it may
        # have gone out, so it is not sent again without an admin's say.
        _give_up(message, "Interrupted during its last attempt; it may have been sent.")
        return False
    try:
        email = _build(message, config)
    except Exception as error:  # any failure to build is the message's own, every time
        _give_up(message, _describe(error))
        return False
    try:
        _transmit(email, config)
    except Exception as error:
        if _refused_for_good(error) or message.attempts >= MAX_ATTEMPTS:
            _give_up(message, _describe(error))
        else:
            # Back off: 1, 2, 4, 8 minutes after the 1st, 2nd, 3rd, 4th failure.
            retry_at = utcnow() + timedelta(minutes=2 ** (message.attempts - 1))
            error_text = _describe(error)
            db.session.execute(
                _MARK_RETRY, {"outbox_id": message.id, "error": error_text, "retry_at": retry_at}
            )
            current_app.logger.warning("mail %s not sent: %s", message.id, error_text)
        return False
    db.session.execute(_MARK_SENT, {"outbox_id": message.id, "at": utcnow()})
    return True


def _give_up(message, error: str) -> None:
    values = {
        "outbox_id": message.id,
        "error": error[:ERROR_LENGTH],
        "at": utcnow(),
        "attempts": min(message.attempts, MAX_ATTEMPTS),
    }
    db.session.execute(_MARK_FAILED, values)
    current_app.logger.error("mail %s failed for good: %s", message.id, error)


# --- failed mail, for the admin -------------------------------------------------------------

FAILED_PAGE = 100


def failed_mail(limit: int = FAILED_PAGE) -> tuple[list[OutboxMessage], int]:
    """The newest failed messages (from the index on failed_at) and how many there are."""
    failed = OutboxMessage.failed_at.is_not(None)
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(failed))
    newest = db.session.scalars(
        select(OutboxMessage)
        .where(failed)
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return newest, total


def retry(actor, message: OutboxMessage) -> None:
    """Queue a failed message again, with a fresh set of attempts; it goes after the response.
    The last error stays on it until it is sent."""
    message.failed_at = None
    message.attempts = 0
    message.next_attempt_at = None
    message.claimed_at = None
    audit.record(actor, "mail.retried", message, recipient=message.recipient)
    db.session.flush()
    g.mail_queued = True


def discard(actor, message: OutboxMessage) -> None:
    """Drop a failed message; the audit event keeps who dropped what."""
    audit.record(
        actor,
        "mail.discarded",
        message,
        recipient=message.recipient,
        mail_subject=message.subject,
        error=message.last_error,
    )
    db.session.delete(message)
    db.session.flush()


def deliver_after_response(app):
    """Deliver once the response has gone, so sending never slows or reveals anything."""

    def run():
        with app.app_context():
            deliver_pending()

    return run
